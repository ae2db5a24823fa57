import Foundation
import GRDB
import PeerLedgerDomain

/// What a backup copied.
public struct BackupReport: Sendable, Equatable {
    /// The events in the copy (its head's position: the log is gap-free).
    public var events: Int64
    /// The hash of the copy's last event: the head it was taken at.
    public var lastHash: String
    /// The copy's size on disk.
    public var bytes: Int64
    /// From the start of the copy until it was verified and in place.
    public var seconds: Double
}

extension Ledger {
    /// Copies the whole ledger (log, projections, secrets, API keys, idempotency answers, mail
    /// outbox) into a new file at `target` while other connections and processes go on writing,
    /// verifies the copy (`verify`: hash chain, versions, links, heads, triggers) and only then
    /// gives it that path. A target that exists is refused; on any failure nothing is left there.
    ///
    /// The copy is SQLite's online backup of one read transaction: every page as of one moment,
    /// so the copy holds a whole number of commands, its projections at its own head. That needs
    /// only a read of the source (a shared lock for the one step that copies every page), so a
    /// ledger opened read-only (`LedgerAccess.readOnly`) backs up as well as a writable one, and
    /// writers are never blocked: in WAL mode a read transaction waits for no one.
    public func backup(to target: String) throws -> BackupReport {
        let start = ContinuousClock.now
        let file = try NewLedgerFile(at: target, allowsEmptyFile: false)
        do {
            let copy = try DatabaseQueue(path: file.partial, configuration: Self.configuration())
            // All pages in one step (-1): a step that stops midway would let writers in between
            // steps and make SQLite start the copy again.
            try database.backup(to: copy, pagesPerStep: -1)
            let report = try copy.read { db in
                try Migrator.check(db, migrations: Migration.embedded)
                return try Verifier.verify(db)
            }
            try copy.close()
            guard report.isValid else {
                throw BackupFailure(
                    .badInput,
                    "the copy does not verify (\(report.summary)); nothing was written to \(target). Check the ledger itself with 'peerledger verify'."
                )
            }
            try file.place()
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? 0
            return BackupReport(
                events: report.events, lastHash: report.lastHash, bytes: size, seconds: (ContinuousClock.now - start).secondsValue)
        } catch {
            file.discard()
            throw error
        }
    }
}
