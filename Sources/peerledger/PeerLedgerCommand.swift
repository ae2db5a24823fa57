import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import Synchronization

/// `peerledger`: the server and the tools that make the ledger trustworthy.
@main
struct PeerLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peerledger",
        abstract: "An event-sourced peering ledger serving ProVision's APIv1.",
        version: Release.versionLine,
        subcommands: [
            Serve.self, Init.self, Keys.self, Call.self, Verify.self, Rebuild.self, Audit.self, Export.self, BackupCommand.self,
            RestoreCommand.self, Replay.self, Bench.self, PeeringDBCommand.self, SelfCommand.self, GeneratePeeringDB.self,
            GenerateWorld.self, Routers.self, SnapshotsCommand.self, OutboxCommand.self,
            ConfigCommand.self, StoreCommand.self, Users.self,
        ])
}

extension PeerLedgerCommand {
    /// ArgumentParser's own entry, with one addition: a storage error names the ledger's file,
    /// whichever command and whichever step met it.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if let text = LedgerError.storageDescription(of: error) {
                printError("Error: \(OpenedLedger.path.withLock { $0 } ?? "the ledger"): \(text)")
                exit(withError: ExitCode.failure)
            }
            exit(withError: error)
        }
    }
}

/// The file of the ledger a command opened, for messages about it.
enum OpenedLedger {
    static let path = Mutex<String?>(nil)
}

/// The database option every command shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger's SQLite file.")
    var db: String = "peerledger.sqlite"

    /// Opens the ledger. Only `serve`, `keys create` and `init` pass `.createIfMissing`; every
    /// other command refuses a missing or empty file with exit status 66 (EX_NOINPUT).
    func open(_ access: LedgerAccess, snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval) throws -> Ledger {
        try Self.open(db, access, snapshotInterval: snapshotInterval)
    }

    static func open(
        _ db: String, _ access: LedgerAccess, snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval
    ) throws -> Ledger {
        OpenedLedger.path.withLock { $0 = db }
        do {
            return try Ledger.open(at: db, access: access, snapshotInterval: snapshotInterval)
        } catch let error as LedgerError {
            switch error {
            case .notFound, .emptyFile:
                printError("Error: \(error.description)")
                throw ExitCode(66)
            case .notALedger:
                printError("Error: \(error.description)")
                throw ExitCode(65)
            default:
                printError("Error: \(db): \(error.description)")
                throw ExitCode.failure
            }
        }
    }
}

/// `peerledger init`: creates an empty ledger (the one command besides `serve` and `keys create`
/// that may create one).
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an empty ledger file (migrations applied); an existing ledger is left as it is.")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let existed = FileManager.default.fileExists(atPath: database.db)
        let ledger = try database.open(.createIfMissing)
        let events = try ledger.eventCount()
        print(existed ? "\(database.db) already holds a ledger (\(events) events); nothing changed" : "created an empty ledger at \(database.db)")
    }
}

/// Prints to standard error (progress, warnings), keeping standard output for results.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
