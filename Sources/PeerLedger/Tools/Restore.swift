import Foundation
import GRDB
import PeerLedgerDomain

/// What a restore built.
public struct RestoreReport: Sendable, Equatable {
    /// What the ledger was restored from.
    public enum Origin: Sendable, Equatable {
        /// A file `peerledger backup` (or SQLite's own backup) made: everything kept.
        case backup
        /// `peerledger export`'s JSON lines: the log alone, projections rebuilt from it.
        case export
    }

    public var origin: Origin
    public var events: Int64
    public var lastHash: String
    /// SHA-256 over every projection row of the restored ledger.
    public var projectionChecksum: String
    /// From a backup: whether the projections rebuilt from its log equal the ones it held.
    public var projectionsMatchBackup: Bool?
    /// From a backup: what it carried beside the log, e.g. "2 secrets".
    public var kept: [String]
    /// From an export: what the restored ledger lacks, each with what to do about it.
    public var lacking: [String]
    public var seconds: Double
}

/// Builds a new ledger from a backup file or from an export, checked before it is given its
/// path (`NewLedgerFile`): a target that holds anything is refused, and a failure leaves nothing.
public enum LedgerRestore {
    /// Restores from `source`, a backup (an SQLite file) or an export (JSON lines), into `target`.
    public static func restore(from source: String, into target: String) throws -> RestoreReport {
        switch try origin(of: source) {
        case .backup: return try fromBackup(source, into: target)
        case .export: return try fromExport(source, into: target)
        }
    }

    /// Tells a backup from an export by the file's first bytes.
    static func origin(of source: String) throws(BackupFailure) -> RestoreReport.Origin {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder) else {
            throw BackupFailure(.noInput, "nothing to restore at \(source): the file does not exist")
        }
        guard !isFolder.boolValue else { throw BackupFailure(.noInput, "nothing to restore at \(source): it is a folder") }
        guard let handle = FileHandle(forReadingAtPath: source) else {
            throw BackupFailure(.noInput, "cannot read \(source) (permission denied?)")
        }
        defer { try? handle.close() }
        let first = (try? handle.read(upToCount: 16)) ?? Data()
        guard !first.isEmpty else { throw BackupFailure(.noInput, "nothing to restore at \(source): the file is empty (0 bytes)") }
        if first.starts(with: Array("SQLite format 3\0".utf8)) { return .backup }
        if first.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") { return .export }
        throw BackupFailure(.badInput, "\(source) is neither a ledger backup (an SQLite file) nor an export ('peerledger export' JSON lines)")
    }

    // MARK: From a backup

    /// Copies the backup (through SQLite's backup API, so a backup still in WAL mode or with its
    /// `-wal` beside it is read whole), brings its schema to this build's, verifies the log,
    /// rebuilds the projections and compares them with the backup's own.
    static func fromBackup(_ backup: String, into target: String) throws -> RestoreReport {
        let start = ContinuousClock.now
        let file = try NewLedgerFile(at: target, allowsEmptyFile: true)
        do {
            do {
                // A backup with no -wal beside it is a closed file that nothing writes: read as
                // immutable, it gets no -shm or -wal beside it. With one (a ledger still open, or
                // one not closed cleanly), SQLite's locks and WAL index are needed to read it whole.
                let closed = !FileManager.default.fileExists(atPath: backup + "-wal")
                let source = try Ledger.readOnlyQueue(at: backup, immutable: closed)
                guard try source.read({ db in try db.tableExists("ledger_migrations") }) else {
                    throw BackupFailure(.badInput, "\(backup) is an SQLite file but not a PeerLedger ledger (it has no ledger_migrations table)")
                }
                let copy = try DatabaseQueue(path: file.partial, configuration: Ledger.configuration())
                try source.backup(to: copy)
                try copy.close()
                try source.close()
            } catch let error as DatabaseError {
                throw BackupFailure(.badInput, "\(backup) cannot be read as a ledger: \(error.message ?? "\(error)")")
            }
            let ledger: Ledger
            do {
                ledger = try Ledger.open(at: file.partial, access: .existing)
            } catch let error as LedgerError {
                throw BackupFailure(.badInput, "\(backup): \(error.description)")
            }
            return try finish(ledger, in: file, unverified: { "\(backup) does not verify: \($0); nothing was written to \(target)" }) {
                verified in
                let kept = try ledger.readNow(keptBesideTheLog)
                let rebuilt = try ledger.rebuild()
                return RestoreReport(
                    origin: .backup, events: verified.events, lastHash: verified.lastHash, projectionChecksum: rebuilt.checksumAfter,
                    projectionsMatchBackup: rebuilt.matches, kept: kept, lacking: [], seconds: (ContinuousClock.now - start).secondsValue)
            }
        } catch {
            file.discard()
            throw error
        }
    }

    /// Verifies the ledger built in `file` (`unverified` words the refusal from the summary), lets
    /// `report` describe it, closes it and gives it its path.
    private static func finish(
        _ ledger: Ledger, in file: NewLedgerFile, unverified: (String) -> String, _ report: (VerifyReport) throws -> RestoreReport
    ) throws -> RestoreReport {
        let verified = try ledger.verify()
        guard verified.isValid else { throw BackupFailure(.badInput, unverified(verified.summary)) }
        let result = try report(verified)
        try ledger.close()
        try file.place()
        return result
    }

    /// What a backup carries that an export does not.
    private static func keptBesideTheLog(_ db: Database) throws -> [String] {
        let apart = try SQLiteLog.keptApart(db)
        let keys = try APIKeyStore.all(db).filter { $0.revokedAt == nil }.count
        let mail = try Outbox.counts(db)["pending"] ?? 0
        return [
            "\(keys) API keys with their secrets", "\(apart.secrets) session and router passwords",
            "\(apart.idempotencyAnswers) idempotency answers", "\(mail) request mails still to send",
        ]
    }

    // MARK: From an export

    /// How many lines are appended per transaction: a bounded WAL for a log of any length (a
    /// failed restore removes the whole file, so committing in batches risks nothing).
    static let linesPerTransaction = 5_000

    /// Appends every event of the export as recorded, each checked on arrival by the same walk
    /// `verify` makes (position, prev_hash, the hash recomputed from the stored bytes, time,
    /// stream version), then rebuilds the projections from the log.
    static func fromExport(_ export: String, into target: String) throws -> RestoreReport {
        let start = ContinuousClock.now
        guard let handle = FileHandle(forReadingAtPath: export) else {
            throw BackupFailure(.noInput, "cannot read \(export)")
        }
        defer { try? handle.close() }
        let file = try NewLedgerFile(at: target, allowsEmptyFile: true)
        do {
            let ledger = try Ledger.open(at: file.partial, access: .createIfMissing)
            var walk = ChainWalk()
            var lines = LineReader(handle: handle)
            var batch: [RecordedEvent] = []
            var number = 0
            while let line = try lines.next() {
                number += 1
                let event: RecordedEvent
                do {
                    event = try ExportLine.event(line)
                } catch {
                    throw BackupFailure(.badInput, "\(export) line \(number): \(error.reason); nothing was written to \(target)")
                }
                if let bad = walk.take(event, link: .notKept) {
                    throw BackupFailure(
                        .badInput, "\(export) line \(number): position \(bad.position): \(bad.reason); nothing was written to \(target)")
                }
                batch.append(event)
                if batch.count == linesPerTransaction {
                    try append(batch, to: ledger)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try append(batch, to: ledger)
            try ledger.catchUpProjections()
            return try finish(ledger, in: file, unverified: { "the ledger rebuilt from \(export) does not verify: \($0)" }) { verified in
                RestoreReport(
                    origin: .export, events: verified.events, lastHash: verified.lastHash,
                    projectionChecksum: try ledger.projectionChecksum(), projectionsMatchBackup: nil, kept: [],
                    lacking: try ledger.readNow(lackingWithoutSecrets), seconds: (ContinuousClock.now - start).secondsValue)
            }
        } catch {
            file.discard()
            throw error
        }
    }

    /// Appends events to the log alone, as recorded, in one transaction; the projections are
    /// brought level once at the end (`catchUpProjections`), as a rebuild would.
    private static func append(_ events: [RecordedEvent], to ledger: Ledger) throws {
        guard !events.isEmpty else { return }
        try ledger.database.writeWithoutTransaction { db in
            try db.inTransaction {
                for event in events { try SQLiteLog.appendAsRecorded(db, event) }
                return .commit
            }
        }
    }

    /// What a ledger restored from an export lacks, since the export holds no secrets and only
    /// the log: each line says what is missing and what to do.
    private static func lackingWithoutSecrets(_ db: Database) throws -> [String] {
        var lacking: [String] = []
        let reader = LedgerReader(db)
        let sessions = try reader.liveSessionsWithPassword()
        if sessions > 0 {
            lacking.append(
                "\(sessions) live BGP sessions had a password: getSessions now answers password null; set each again with updateSession")
        }
        let routers = try reader.routersWithPassword()
        if routers > 0 {
            lacking.append("\(routers) routers had an SSH password: add it again before pushing or polling them")
        }
        var keys: [String: String] = [:]
        for event in try AuditQuery(type: APIKeyCreated.type).events(db) {
            if case let .apiKeyCreated(created) = try LedgerEvent(event) { keys[created.apiKey] = created.name }
        }
        for event in try AuditQuery(type: APIKeyRevoked.type).events(db) {
            if case let .apiKeyRevoked(revoked) = try LedgerEvent(event) { keys[revoked.apiKey] = nil }
        }
        if !keys.isEmpty {
            lacking.append(
                "\(keys.count) API keys have no secret here (\(keys.values.sorted().joined(separator: ", "))): create new keys with 'peerledger keys create --name NAME' and give their clients the new secrets"
            )
        }
        let webhooks = try reader.webhooks().filter { $0.status == "active" }
        if !webhooks.isEmpty {
            lacking.append(
                "\(webhooks.count) webhook subscriptions have no signing secret here (\(webhooks.map { String($0.id) }.joined(separator: ", "))): nothing is sent to them and they will be disabled; subscribe again (POST /api/v2/webhooks) for new secrets"
            )
        }
        lacking.append("no idempotency answers: a write retried with an Idempotency-Key used before the export runs again")
        let mail = try reader.requestsAwaitingDelivery()
        if mail > 0 {
            lacking.append("\(mail) peering requests were still to be delivered: their messages are not in the export and will not be sent")
        }
        return lacking
    }
}

/// Lines of a file read in blocks, so an export of any length is read in bounded memory.
struct LineReader {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(handle: FileHandle) { self.handle = handle }

    /// The next line without its `\n`; nil at the end. A last line without `\n` is a line too.
    mutating func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                defer { start = newline + 1 }
                return buffer[start..<newline]
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return buffer[start...]
            }
            buffer.removeFirst(start)
            start = 0
            if let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { buffer.append(contentsOf: data) } else { atEnd = true }
        }
    }
}

extension Ledger {
    /// Moves everything in the WAL into the file and closes the connections, so the file can be
    /// moved alone. The checkpoint is explicit because a pool closes its writer before its
    /// readers, and the last to close, a reader, may not checkpoint: the `-wal` it leaves is then
    /// empty, and `NewLedgerFile.place` removes it.
    func close() throws {
        _ = try database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        if let pool = database as? DatabasePool { try pool.close() } else if let queue = database as? DatabaseQueue { try queue.close() }
    }
}
