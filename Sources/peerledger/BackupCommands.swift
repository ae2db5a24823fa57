import ArgumentParser
import Foundation
import PeerLedger

/// `peerledger backup`: a verified copy of a live ledger.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the ledger, live, into a new file and verify the copy before reporting success.",
        discussion: """
            The copy is SQLite's online backup: one consistent moment of the ledger while the server goes \
            on writing (writes are not blocked), with the log, projections, API keys, passwords and mail \
            outbox. It is built beside the target and verified (hash chain, stream versions and heads, \
            triggers), and given the target's path only then; the ledger is opened read-only. A target \
            that exists is refused (exit 73); a missing ledger exits 66. The copy holds secrets and is \
            readable by its owner only. Restore it with 'peerledger restore --from PATH --db NEW'.

            This copies the SQLite file. On PostgreSQL (a later backend) use pg_dump or point-in-time \
            recovery (PITR) instead.

            Example:
              peerledger backup --db /var/lib/peerledger/peerledger.sqlite --to /backups/2026-11-24.sqlite
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The new file to write; it must not exist.") var to: String

    func run() async throws {
        let ledger = try database.open(.readOnly)
        let report: BackupReport
        do {
            report = try ledger.backup(to: to)
        } catch let failure as BackupFailure {
            printError("Error: \(failure.description)")
            throw failure.exitCode
        }
        print(
            String(
                format: "backed up %lld events from %@ to %@ in %.3f s (%.1f MB), verified: hash chain intact, last hash %@",
                report.events, database.db, to, report.seconds, Double(report.bytes) / 1_000_000, report.lastHash))
    }
}

/// `peerledger restore`: a new ledger from a backup or from an export.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Build a new ledger from a backup file or from an export's JSON lines.",
        discussion: """
            From a backup (a file 'peerledger backup' made): the copy is verified, brought to this \
            build's schema, and its projections are rebuilt from its log and compared with the ones it \
            held. It keeps API keys, passwords, idempotency answers and mail still to send.

            From an export ('peerledger export' JSON lines): every event is appended as exported, its \
            hash recomputed and checked first, so an altered export is refused at its first bad line; \
            then the projections are rebuilt. An export holds no secrets: the restore names what the new \
            ledger lacks (session and router passwords, API keys' secrets, idempotency answers, unsent \
            mail).

            The target must not exist (or be an empty file): anything else is refused with exit 73. A \
            missing source exits 66; a source that is not a backup or an export, or does not verify, \
            exits 65. The ledger is built beside the target and moved there only when whole, so a \
            failure leaves nothing.

            Examples:
              peerledger restore --from /backups/2026-11-24.sqlite --db /var/lib/peerledger/new.sqlite
              peerledger restore --from archive.jsonl --db rebuilt.sqlite
            """)
    @Option(help: "The backup file or export (JSON lines) to restore from.") var from: String
    @Option(help: "The new ledger file to create; it must not exist.") var db: String

    func run() async throws {
        OpenedLedger.path.withLock { $0 = db }
        let report: RestoreReport
        do {
            report = try LedgerRestore.restore(from: from, into: db)
        } catch let failure as BackupFailure {
            printError("Error: \(failure.description)")
            throw failure.exitCode
        }
        let origin = report.origin == .backup ? "backup" : "export"
        print(
            String(
                format: "restored %lld events from the %@ %@ into %@ in %.3f s, verified: hash chain intact, last hash %@",
                report.events, origin, from, db, report.seconds, report.lastHash))
        switch report.projectionsMatchBackup {
        case true?:
            print("projections rebuilt: identical to the backup's (checksum \(report.projectionChecksum))")
        case false?:
            print("projections rebuilt (checksum \(report.projectionChecksum))")
            printError("Warning: the backup's own projections differed from its log replayed; \(db) has the rebuilt ones")
        case nil:
            print("projections rebuilt from the log (checksum \(report.projectionChecksum))")
        }
        if !report.kept.isEmpty { print("kept: " + report.kept.joined(separator: ", ")) }
        if !report.lacking.isEmpty {
            printError("Warning: an export holds no secrets, so \(db) lacks:")
            for line in report.lacking { printError("  - \(line)") }
        }
    }
}

extension BackupFailure {
    /// The sysexits status for each kind: EX_NOINPUT, EX_CANTCREAT, EX_DATAERR.
    var exitCode: ExitCode {
        switch kind {
        case .noInput: ExitCode(66)
        case .cannotCreate: ExitCode(73)
        case .badInput: ExitCode(65)
        }
    }
}
