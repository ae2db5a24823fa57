import Foundation
import GRDB
package import PeerLedgerDomain

/// A new SQLite ledger filled with another store's log event for event (`peerledger store copy`
/// from PostgreSQL), built under a temporary name (`NewLedgerFile`) and given its path only once
/// every event is in, the projections are rebuilt and the log verifies.
///
/// The events are appended as recorded (position, stream, version, times, hashes as given); the
/// caller checks each on arrival (`ChainWalk`) and the log's triggers check them again as they
/// check any append. Secrets are kept beside the log as the source kept them.
package final class SQLiteLogCopy {
    private let file: NewLedgerFile
    private let ledger: Ledger
    /// The path the ledger gets once finished.
    package var target: String { file.target }
    private var closed = false

    /// Refuses a `target` that exists (a zero-byte file excepted) and creates the temporary file.
    package init(creating target: String) throws {
        file = try NewLedgerFile(at: target, allowsEmptyFile: true)
        do {
            ledger = try Ledger.open(at: file.partial, access: .createIfMissing)
        } catch {
            file.discard()
            throw error
        }
    }

    /// Appends `events`, the next ones of the log, in one transaction.
    package func append(_ events: [RecordedEvent]) throws {
        guard !events.isEmpty else { return }
        try ledger.database.writeWithoutTransaction { db in
            try db.inTransaction {
                for event in events { try SQLiteLog.appendAsRecorded(db, event) }
                return .commit
            }
        }
    }

    /// Keeps the source's secrets under their refs.
    package func keep(secrets: [(ref: String, value: String)]) throws {
        guard !secrets.isEmpty else { return }
        try ledger.database.write { db in
            for secret in secrets { try SQLiteLog.storeSecret(db, ref: secret.ref, value: secret.value) }
        }
    }

    /// Rebuilds the projections from the copied log, verifies it, closes the ledger and gives it
    /// its path; returns the verification and the projections' checksum.
    package func finish() throws -> (verified: VerifyReport, projectionChecksum: String) {
        try ledger.catchUpProjections()
        let verified = try ledger.verify()
        guard verified.isValid else {
            throw BackupFailure(.badInput, "the copied log does not verify: \(verified.summary); nothing was written to \(file.target)")
        }
        let checksum = try ledger.projectionChecksum()
        try ledger.close()
        closed = true
        try file.place()
        return (verified, checksum)
    }

    /// Removes the temporary file (after a failure).
    package func discard() {
        if !closed { try? ledger.close() }
        file.discard()
    }
}

extension Ledger {
    /// Every secret kept beside the log, by ref (`peerledger store copy` carries them).
    package func allSecrets() throws -> [(ref: String, value: String)] {
        try readNow(SQLiteLog.allSecrets)
    }
}
