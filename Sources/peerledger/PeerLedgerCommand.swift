import ArgumentParser
import Foundation
import PeerLedger

/// `peerledger`: the server and the tools that make the ledger trustworthy.
@main
struct PeerLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peerledger",
        abstract: "An event-sourced peering ledger serving ProVision's APIv1.",
        subcommands: [
            Serve.self, Keys.self, Call.self, Verify.self, Rebuild.self, Audit.self, Export.self, Replay.self, Bench.self,
            PeeringDBCommand.self, SelfCommand.self, GeneratePeeringDB.self, GenerateWorld.self, Routers.self, SnapshotsCommand.self,
            OutboxCommand.self,
        ])
}

/// The database option every command shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The ledger's SQLite file (created if missing).")
    var db: String = "peerledger.sqlite"

    func open(snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval) throws -> Ledger {
        do {
            return try Ledger.open(at: db, snapshotInterval: snapshotInterval)
        } catch let error as LedgerError {
            throw ValidationError("\(db): \(error.description)")
        }
    }
}

/// Prints to standard error (progress, warnings), keeping standard output for results.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
