import Synchronization
import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerPostgres

/// `peerledger store`: moving a ledger's log between stores.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Move a ledger's log between SQLite and PostgreSQL.", subcommands: [StoreCopyCommand.self])
}

/// `peerledger store copy`: the log event for event from one store into an empty one.
struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the log event for event from an SQLite file or PostgreSQL database into a new or empty one.",
        discussion: """
            Every event is checked on arrival (position, prev_hash, its hash recomputed, time, stream
            version); the secrets beside the log come along; the target is verified at the end, and a
            new SQLite ledger gets its projections rebuilt. The target must not exist (a file) or must
            be empty (a database). Idempotency records, API keys and the outbox are not carried.

            Examples:
              peerledger store copy --from peerledger.sqlite --to postgres://peerledger@db1:5432/peerledger
              peerledger store copy --from postgres://peerledger@db1/peerledger --to restored.sqlite
            """)
    @Option(help: "The ledger to copy: an SQLite file, or a postgres:// URL.") var from: String
    @Option(help: "Where to copy it: a new SQLite file, or the postgres:// URL of an empty database.") var to: String

    func run() async throws {
        let source = StoreLocation(from)
        let target = StoreLocation(to)
        if case let .sqlite(path) = source {
            // Refuses a missing or non-ledger file with the same words and status as every command.
            _ = try DatabaseOptions.open(path, .readOnly)
        }
        let terminal = isatty(STDERR_FILENO) == 1
        let report: StoreCopyReport
        do {
            report = try await StoreCopy.copy(from: source, to: target) { copied, total in
                guard terminal else { return }
                let percent = total > 0 ? Double(copied) * 100 / Double(total) : 100
                FileHandle.standardError.write(Data(String(format: "\rcopied %lld of %lld events (%.0f%%)", copied, total, percent).utf8))
            }
        } catch let failure as BackupFailure {
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            printError("Error: \(failure.description)")
            throw failure.exitCode
        } catch let error as PostgresStoreError {
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            printError("Error: \(error.description)")
            throw ExitCode.failure
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        var line = String(
            format: "copied %lld events and %d secrets from %@ to %@ in %.3f s, verified: hash chain intact, last hash %@",
            report.events, report.secrets, source.description, target.description, report.seconds, report.lastHash)
        if let checksum = report.projectionChecksum { line += "; projections rebuilt (checksum \(checksum))" }
        print(line)
    }
}

/// `--store postgres://…`: the commands that read the log alone (`verify`, `export`) read it on
/// PostgreSQL instead of the SQLite file `--db` names.
struct PostgresStoreOption: ParsableArguments {
    @Option(
        name: .customLong("store"),
        help: "The ledger on PostgreSQL (postgres://USER@HOST[:PORT][,HOST[:PORT]...]/DB?sslmode=disable) instead of --db.")
    var url: String?

    func validate() throws {
        guard let url else { return }
        guard case .postgres = StoreLocation(url) else {
            throw ValidationError("--store takes a postgres:// URL; an SQLite file is given with --db")
        }
    }

    /// The PostgreSQL store when `--store` was given, nil otherwise; a store that cannot be
    /// reached is named with the server's reason, exit status 1.
    func connect() async throws -> PostgresEventStore? {
        guard let url else { return nil }
        do {
            var target = try PostgresStoreTarget(url: url)
            if target.password == nil {
                target.password = ProcessInfo.processInfo.environment["PEERLEDGER_STORE_PASSWORD"]
            }
            return try await PostgresEventStore.connect(target: target)
        } catch {
            printError("Error: \(StoreLocation(url)): \(error)")
            throw ExitCode.failure
        }
    }

    /// Makes `ledger` follow `store`, which is closed if it cannot.
    private func follow(_ ledger: Ledger, _ store: PostgresEventStore) async throws -> PostgresEventStore {
        do {
            try await ledger.follow(store)
            return store
        } catch {
            await store.close()
            printError("Error: \(OpenedLedger.path.withLock { $0 ?? "the ledger file" }) cannot follow \(StoreLocation(url ?? "")): \(error)")
            throw ExitCode.failure
        }
    }

    /// How a command that rebuilds or snapshots projections opens the `--db` file: an existing
    /// ledger alone; with `--store`, a node's copy, made from the log when missing.
    var projectionsAccess: LedgerAccess { url == nil ? .existing : .createIfMissing }

    /// Opens the `--db` file; with `--store`, as a copy that follows the PostgreSQL log, so what
    /// the command writes goes to the log of record (and every node sees it).
    /// The store stays open for the rest of the process (`FollowedStore`): the command's
    /// connection ends with it.
    func open(
        _ database: DatabaseOptions, _ access: LedgerAccess, snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval
    ) async throws -> Ledger {
        try await openNoting(database, access, snapshotInterval: snapshotInterval).ledger
    }

    /// As `open`, and whether `--store` made the file's copy from nothing just now: it held no
    /// event before it followed the log, so every projection it has was built from the log by
    /// that copy's one replay.
    func openNoting(
        _ database: DatabaseOptions, _ access: LedgerAccess, snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval
    ) async throws -> (ledger: Ledger, madeFromNothing: Bool) {
        // The log first: a store that cannot be reached leaves no new file behind.
        let store = try await connect()
        let ledger: Ledger
        let wasEmpty: Bool
        do {
            ledger = try database.open(access, snapshotInterval: snapshotInterval)
            // Read only when it will follow a log: a command on the file alone needs nothing more.
            wasEmpty = try store != nil && ledger.headPosition() == 0
        } catch {
            await store?.close()
            throw error
        }
        guard let store else { return (ledger, false) }
        let record = try await follow(ledger, store)
        FollowedStore.kept.withLock { $0.append(record) }
        let copied = try ledger.headPosition()
        return (ledger, wasEmpty && copied > 0)
    }

    /// Writes the log as `peerledger export` does, a page of events at a time.
    static func export(_ store: PostgresEventStore, _ write: (String) -> Void) async throws {
        var position: Int64 = 0
        while true {
            let events = try await store.events(after: position, limit: StoreCopy.batchSize)
            guard let last = events.last else { return }
            for event in events { write(ExportLine.render(event)) }
            position = last.position
        }
    }
}

/// The PostgreSQL stores a command's ledger follows, held until the process exits: a ledger may
/// be used up to the command's last line, and postgres-nio wants a connection closed, not
/// dropped, so none is let go of before the process ends and the system closes its sockets.
enum FollowedStore {
    static let kept = Mutex<[PostgresEventStore]>([])
}
