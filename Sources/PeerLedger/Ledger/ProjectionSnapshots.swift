import Foundation
import GRDB

/// Copies of every projection as it stood at a position of the log, kept beside the ledger file
/// (`<ledger>.snapshots/<position>.sqlite`) so a read `as_of` a past moment starts from the
/// nearest earlier copy and applies only the events after it, instead of replaying the log from
/// position 1.
///
/// Snapshots are derived data: deleting the folder loses nothing but speed. Each file is a
/// database with the ledger's schema, no events, no secrets, no API keys and no rows of
/// append-only projections (the communications history: as of a position, those are the live
/// table's rows up to it, so copying them into every snapshot would only cost disk), and a
/// `snapshot_info` row naming the position and the hash of the event there. A snapshot is used
/// only while that event still has that hash and the projections' versions are the code's, so a
/// ledger restored from a backup, or a projection whose meaning changed, never answers from a
/// stale copy.
public struct ProjectionSnapshots: Sendable {
    public let directory: URL
    /// A new snapshot is due once the log has grown this many events past the newest one.
    public let interval: Int64

    public static let defaultInterval: Int64 = 50_000

    public init(directory: URL, interval: Int64 = ProjectionSnapshots.defaultInterval) {
        self.directory = directory
        self.interval = max(1, interval)
    }

    /// The snapshot folder of the ledger file at `ledgerPath`.
    public init(ledgerPath: String, interval: Int64 = ProjectionSnapshots.defaultInterval) {
        self.init(directory: URL(fileURLWithPath: ledgerPath + ".snapshots"), interval: interval)
    }

    /// The positions that have a snapshot, ascending.
    public func positions() -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int64? in
            guard name.hasSuffix(".sqlite") else { return nil }
            return Int64(name.dropLast(".sqlite".count))
        }.sorted()
    }

    func file(at position: Int64) -> URL { directory.appendingPathComponent("\(position).sqlite") }

    /// Total size of the snapshot files, in bytes.
    public func diskBytes() -> Int64 {
        positions().reduce(0) { total, position in
            let size = (try? FileManager.default.attributesOfItem(atPath: file(at: position).path)[.size] as? NSNumber)??.int64Value
            return total + (size ?? 0)
        }
    }

    // MARK: Taking snapshots

    /// Copies the projections of the ledger file at `ledgerPath`, as they stand now, into a new
    /// snapshot, unless the newest one is less than `interval` events old. Returns the position
    /// copied, or nil when none was due. Safe while the ledger serves writes: the copy reads one
    /// consistent WAL snapshot on a connection of its own.
    @discardableResult
    public func takeIfDue(ledgerPath: String, now: Timestamp) throws -> Int64? {
        let newest = positions().last ?? 0
        return try write(now: now) { db in
            try db.execute(sql: "ATTACH DATABASE ? AS ledger", arguments: [ledgerPath])
            defer { try? db.execute(sql: "DETACH DATABASE ledger") }
            var copied: Int64?
            try db.inTransaction {
                guard let head = try Row.fetchOne(
                    db, sql: "SELECT position, hash, recorded_at FROM ledger.events ORDER BY position DESC LIMIT 1"),
                    let position = head[0] as Int64?, position - newest >= interval,
                    try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM ledger.projection_state") == position
                else { return .rollback }
                try Self.copyProjections(db, from: "ledger")
                try Self.recordInfo(db, position: position, hash: head[1], recordedAt: head[2])
                copied = position
                return .commit
            }
            return copied
        }
    }

    /// Writes snapshots for every `interval` events of a log that has none yet (a ledger that was
    /// written before snapshots, or whose folder was deleted), in one streamed pass that applies
    /// the log to a scratch database on disk. Returns the positions written.
    public func backfill(_ ledger: Ledger, now: Timestamp) throws -> [Int64] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = Set(positions())
        let scratchURL = directory.appendingPathComponent(".scratch-\(UUID().uuidString).sqlite")
        defer { Self.removeDatabaseFiles(scratchURL) }
        let scratch = try DatabaseQueue(path: scratchURL.path, configuration: Self.scratchConfiguration())
        try scratch.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: Migration.embedded, now: now) }
        var written: [Int64] = []
        try ledger.database.read { source in
            try scratch.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN")
                let cursor = try Row.fetchCursor(source, sql: "SELECT \(RecordedEvent.columns) FROM events ORDER BY position")
                while let row = try cursor.next() {
                    let recorded = RecordedEvent(row: row)
                    try Projector.apply(LedgerEvent(recorded), recorded, db)
                    guard recorded.position % interval == 0, !existing.contains(recorded.position) else { continue }
                    try Projector.checkpoint(db, position: recorded.position)
                    try db.execute(sql: "COMMIT")
                    try write(now: now) { snapshot in
                        try snapshot.execute(sql: "ATTACH DATABASE ? AS scratch", arguments: [scratchURL.path])
                        defer { try? snapshot.execute(sql: "DETACH DATABASE scratch") }
                        try snapshot.inTransaction {
                            try Self.copyProjections(snapshot, from: "scratch")
                            try Self.recordInfo(snapshot, position: recorded.position, hash: recorded.hash, recordedAt: recorded.recordedAt)
                            return .commit
                        }
                        return recorded.position
                    }
                    written.append(recorded.position)
                    try db.execute(sql: "BEGIN")
                }
                try db.execute(sql: "COMMIT")
            }
        }
        return written
    }

    /// Creates a snapshot file through `fill`, which returns the position it copied or nil to
    /// write nothing. The file is complete and synced before it takes its final name.
    private func write(now: Timestamp, _ fill: (Database) throws -> Int64?) throws -> Int64? {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".new-\(UUID().uuidString).sqlite")
        defer { Self.removeDatabaseFiles(temporary) }
        let queue = try DatabaseQueue(path: temporary.path)
        let position: Int64? = try queue.writeWithoutTransaction { db in
            try Migrator.migrate(db, migrations: Migration.embedded, now: now)
            try db.execute(sql: "CREATE TABLE snapshot_info (position INTEGER NOT NULL, hash TEXT NOT NULL, recorded_at TEXT NOT NULL) STRICT")
            return try fill(db)
        }
        try queue.close()
        guard let position else { return nil }
        let final = file(at: position)
        if FileManager.default.fileExists(atPath: final.path) { return position }
        try FileManager.default.moveItem(at: temporary, to: final)
        return position
    }

    /// Tables whose rows at or before a position are their state then (`Projection.isAppendOnly`):
    /// not copied into snapshots, read from the live ledger by `as_of` instead.
    static let appendOnlyTables = Projector.projections.filter(\.isAppendOnly).flatMap(\.tables).map(\.name)

    private static func copyProjections(_ db: Database, from schema: String) throws {
        let copied = Projector.projections.filter { !$0.isAppendOnly }.flatMap(\.tables).map(\.name)
        for table in copied + ["projection_state"] {
            try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM \(schema).\(table)")
        }
    }

    private static func recordInfo(_ db: Database, position: Int64, hash: String, recordedAt: String) throws {
        try db.execute(
            sql: "INSERT INTO snapshot_info (position, hash, recorded_at) VALUES (?, ?, ?)",
            arguments: [position, hash, recordedAt])
    }

    // MARK: Using snapshots

    /// Fills `target` (an empty database) with the projections of the newest usable snapshot at
    /// or before `position` of the log read through `source`, and returns that snapshot's
    /// position; 0 when none is usable (the projections are then left empty).
    func restore(atOrBefore position: Int64, source: Database, into target: DatabaseQueue) throws -> Int64 {
        for candidate in positions().reversed() where candidate <= position {
            let url = file(at: candidate)
            guard let snapshot = try? DatabaseQueue(path: url.path, configuration: Self.readOnlyConfiguration()) else { continue }
            let usable = (try? snapshot.read { db in try Self.isUsable(db, at: candidate, source: source) }) ?? false
            guard usable else { continue }
            try snapshot.backup(to: target)
            try target.writeWithoutTransaction { db in try db.execute(sql: "DROP TABLE snapshot_info") }
            return candidate
        }
        return 0
    }

    /// Deletes the snapshots this ledger can no longer use (another log's, or built by projection
    /// versions the code no longer has), and files a process killed mid-snapshot left behind.
    /// Returns the positions deleted.
    public func pruneUnusable(_ ledger: Ledger) throws -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".new-") || name.hasPrefix(".scratch-") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        var deleted: [Int64] = []
        try ledger.database.read { source in
            for position in positions() {
                let url = file(at: position)
                let usable = (try? DatabaseQueue(path: url.path, configuration: Self.readOnlyConfiguration()).read { db in
                    try Self.isUsable(db, at: position, source: source)
                }) ?? false
                guard !usable else { continue }
                Self.removeDatabaseFiles(url)
                deleted.append(position)
            }
        }
        return deleted
    }

    /// The snapshot names the event the log holds at its position, and was built by projections
    /// of the versions this code has.
    private static func isUsable(_ db: Database, at position: Int64, source: Database) throws -> Bool {
        guard let info = try Row.fetchOne(db, sql: "SELECT position, hash FROM snapshot_info"),
            info[0] as Int64 == position,
            let hash = try String.fetchOne(source, sql: "SELECT hash FROM events WHERE position = ?", arguments: [position]),
            hash == info[1] as String
        else { return false }
        let versions = try Dictionary(
            Row.fetchAll(db, sql: "SELECT name, version FROM projection_state").map { ($0[0] as String, $0[1] as Int) },
            uniquingKeysWith: { first, _ in first })
        return Projector.projections.allSatisfy { versions[$0.name] == $0.version }
    }

    private static func readOnlyConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    /// The scratch database of a backfill is thrown away at the end: no need to sync it.
    private static func scratchConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -\(Ledger.writerCacheKiB)")
        }
        return configuration
    }

    private static func removeDatabaseFiles(_ url: URL) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
    }
}

extension Ledger {
    /// Takes a snapshot of the projections now if the log has grown `snapshots.interval` events
    /// past the newest one (file ledgers only). Returns the position copied.
    @discardableResult
    public func takeSnapshotIfDue() throws -> Int64? {
        guard let snapshots, let pool = database as? DatabasePool else { return nil }
        // Cheap check first, so a ledger with nothing due touches no file.
        let head = try readNow { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM events") ?? 0 }
        guard head - (snapshots.positions().last ?? 0) >= snapshots.interval else { return nil }
        return try snapshots.takeIfDue(ledgerPath: pool.path, now: clock.now())
    }

    /// Writes the snapshots a log lacks, one every `snapshots.interval` events (file ledgers only).
    public func backfillSnapshots() throws -> [Int64] {
        guard let snapshots else { return [] }
        return try snapshots.backfill(self, now: clock.now())
    }
}
