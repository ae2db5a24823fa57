public import Foundation
import GRDB
public import PeerLedgerDomain

/// Copies of every projection as it stood at a position of the log, kept beside the ledger file
/// (`<ledger>.snapshots/<position>.sqlite`) so a read `as_of` a past moment starts from the
/// nearest earlier copy and applies only the events after it, instead of replaying the log from
/// position 1.
///
/// Snapshots are derived data: deleting the folder loses nothing but speed. Each file is a
/// database with the ledger's schema, no events, no secrets, no API keys and no rows of
/// append-only projections (the communications history: as of a position, those are the live
/// table's rows up to it, so copying them into every snapshot would only cost disk), and a
/// `snapshot_info` row naming the position and the hash of the event there. A table whose rows
/// are the same as in the previous snapshot (PeeringDB's objects, most of the time) is not copied
/// again: `snapshot_tables` names, for each table, the checksum of its rows and the snapshot
/// (`origin`) that holds them. A snapshot is used only while that event still has that hash, its
/// origins are there and usable too, and the projections' versions are the code's, so a ledger
/// restored from a backup, or a projection whose meaning changed, never answers from a stale copy.
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
        let previous = newest > 0 ? tables(at: newest) ?? [:] : [:]
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
                try Self.copyProjections(db, from: "ledger", position: position, previous: previous)
                try Self.recordInfo(db, position: position, hash: head[1], recordedAt: head[2])
                copied = position
                return .commit
            }
            return copied
        }
    }

    /// The multiples of `interval` up to `head` with no snapshot within half an interval of them:
    /// where the log lacks a snapshot (a ledger written before snapshots, a deleted folder, or
    /// events appended while no server was keeping them).
    public func missingBoundaries(head: Int64) -> [Int64] {
        let existing = positions()
        return stride(from: interval, through: head, by: Int(interval)).filter { boundary in
            !existing.contains { abs($0 - boundary) <= interval / 2 }
        }
    }

    /// Writes a snapshot at each missing boundary (`missingBoundaries`), in one streamed pass that
    /// applies the log to a scratch database on disk; touches no file when none is missing.
    /// Returns the positions written.
    public func backfill(_ ledger: Ledger, now: Timestamp) throws -> [Int64] {
        let head = try ledger.headPosition()
        let missing = Set(missingBoundaries(head: head))
        guard !missing.isEmpty else { return [] }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = Set(positions())
        let lastMissing = missing.max()
        let scratchURL = directory.appendingPathComponent(".scratch-\(UUID().uuidString).sqlite")
        defer { Self.removeDatabaseFiles(scratchURL) }
        let scratch = try DatabaseQueue(path: scratchURL.path, configuration: Self.scratchConfiguration())
        try scratch.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: Migration.embedded, now: now) }
        var written: [Int64] = []
        try ledger.database.read { source in
            try scratch.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN")
                let cursor = try SQLiteLog.events(source)
                while let recorded = try cursor.next() {
                    try Projector.apply(LedgerEvent(recorded), recorded, db)
                    guard missing.contains(recorded.position) else { continue }
                    try Projector.checkpoint(db, position: recorded.position)
                    try db.execute(sql: "COMMIT")
                    let before = (existing.union(written)).filter { $0 < recorded.position }.max()
                    let previous = before.flatMap { tables(at: $0) } ?? [:]
                    _ = try write(now: now) { snapshot in
                        try snapshot.execute(sql: "ATTACH DATABASE ? AS scratch", arguments: [scratchURL.path])
                        defer { try? snapshot.execute(sql: "DETACH DATABASE scratch") }
                        try snapshot.inTransaction {
                            try Self.copyProjections(snapshot, from: "scratch", position: recorded.position, previous: previous)
                            try Self.recordInfo(snapshot, position: recorded.position, hash: recorded.hash, recordedAt: recorded.recordedAt)
                            return .commit
                        }
                        return recorded.position
                    }
                    written.append(recorded.position)
                    try db.execute(sql: "BEGIN")
                    if recorded.position == lastMissing { break }  // the rest of the log is covered
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
            try db.execute(sql: """
                CREATE TABLE snapshot_tables (
                    name TEXT PRIMARY KEY, checksum TEXT NOT NULL, origin INTEGER NOT NULL, rows INTEGER NOT NULL
                ) STRICT
                """)
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

    /// What a snapshot says of one projection table: the checksum of its rows, the snapshot that
    /// holds them, and how many there are.
    struct TableEntry: Equatable {
        var checksum: String
        var origin: Int64
        var rows: Int64
    }

    /// The tables a snapshot covers (append-only ones are read from the live ledger instead).
    static var coveredTables: [(name: String, order: String)] {
        Projector.projections.filter { !$0.isAppendOnly }.flatMap(\.tables)
    }

    /// Copies each covered table from `schema` unless its rows equal those of the previous
    /// snapshot, which then stays their origin; and the projections' state.
    private static func copyProjections(
        _ db: Database, from schema: String, position: Int64, previous: [String: TableEntry]
    ) throws {
        for table in coveredTables {
            let checksum = try Projector.checksum(of: table, schema: schema, db)
            let rows = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM \(schema).\(table.name)") ?? 0
            var origin = position
            if let last = previous[table.name], last.checksum == checksum {
                origin = last.origin
            } else {
                try db.execute(sql: "INSERT INTO main.\(table.name) SELECT * FROM \(schema).\(table.name)")
            }
            try db.execute(
                sql: "INSERT INTO snapshot_tables (name, checksum, origin, rows) VALUES (?, ?, ?, ?)",
                arguments: [table.name, checksum, origin, rows])
        }
        try db.execute(sql: "INSERT INTO main.projection_state SELECT * FROM \(schema).projection_state")
    }

    /// The table entries of the snapshot at `position`, or nil when it cannot be read.
    func tables(at position: Int64) -> [String: TableEntry]? {
        guard let snapshot = try? DatabaseQueue(path: file(at: position).path, configuration: Self.readOnlyConfiguration()) else {
            return nil
        }
        return try? snapshot.read { db in
            try Dictionary(
                Row.fetchAll(db, sql: "SELECT name, checksum, origin, rows FROM snapshot_tables").map {
                    ($0[0] as String, TableEntry(checksum: $0[1], origin: $0[2], rows: $0[3]))
                }, uniquingKeysWith: { first, _ in first })
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
            guard let entries = usableTables(at: candidate, source: source) else { continue }
            // Start from a page copy of the file holding the most rows, then put in the others.
            let base = entries.values.max { $0.rows < $1.rows }?.origin ?? candidate
            let baseFile = try DatabaseQueue(path: file(at: base).path, configuration: Self.readOnlyConfiguration())
            try baseFile.backup(to: target)
            try target.writeWithoutTransaction { db in
                let origins = Set(entries.values.map(\.origin)).union([candidate]).subtracting([base])
                for origin in origins {
                    try db.execute(sql: "ATTACH DATABASE ? AS \(Self.alias(origin))", arguments: [file(at: origin).path])
                }
                try db.inTransaction {
                    for (name, entry) in entries where entry.origin != base {
                        try db.execute(sql: "DELETE FROM main.\(name)")
                        try db.execute(sql: "INSERT INTO main.\(name) SELECT * FROM \(Self.alias(entry.origin)).\(name)")
                    }
                    if candidate != base {
                        try db.execute(sql: "DELETE FROM main.projection_state")
                        try db.execute(sql: "INSERT INTO main.projection_state SELECT * FROM \(Self.alias(candidate)).projection_state")
                    }
                    try db.execute(sql: "DROP TABLE main.snapshot_info")
                    try db.execute(sql: "DROP TABLE main.snapshot_tables")
                    return .commit
                }
                for origin in origins { try db.execute(sql: "DETACH DATABASE \(Self.alias(origin))") }
            }
            return candidate
        }
        return 0
    }

    private static func alias(_ position: Int64) -> String { "snapshot_\(position)" }

    /// The table entries of the snapshot at `position` when it and every origin it names are
    /// usable for the log read through `source`; nil otherwise.
    func usableTables(at position: Int64, source: Database) -> [String: TableEntry]? {
        guard isUsable(position, source: source), let entries = tables(at: position),
            Set(entries.keys) == Set(Self.coveredTables.map(\.name))
        else { return nil }
        for origin in Set(entries.values.map(\.origin)) where origin != position {
            guard origin < position, isUsable(origin, source: source), tables(at: origin)?.isEmpty == false else { return nil }
        }
        return entries
    }

    private func isUsable(_ position: Int64, source: Database) -> Bool {
        guard let snapshot = try? DatabaseQueue(path: file(at: position).path, configuration: Self.readOnlyConfiguration()) else {
            return false
        }
        return (try? snapshot.read { db in try Self.isUsable(db, at: position, source: source) }) ?? false
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
            // Until nothing changes: deleting an origin makes the snapshots that share it unusable.
            var changed = true
            while changed {
                changed = false
                for position in positions() where usableTables(at: position, source: source) == nil {
                    Self.removeDatabaseFiles(file(at: position))
                    deleted.append(position)
                    changed = true
                }
            }
        }
        return deleted.sorted()
    }

    /// The snapshot names the event the log holds at its position, and was built by projections
    /// of the versions this code has.
    private static func isUsable(_ db: Database, at position: Int64, source: Database) throws -> Bool {
        guard let info = try Row.fetchOne(db, sql: "SELECT position, hash FROM snapshot_info"),
            info[0] as Int64 == position,
            let hash = try SQLiteLog.hash(source, at: position),
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
        let head = try headPosition()
        guard head - (snapshots.positions().last ?? 0) >= snapshots.interval else { return nil }
        return try snapshots.takeIfDue(ledgerPath: pool.path, now: clock.now())
    }

    /// Writes the snapshots a log lacks, one every `snapshots.interval` events (file ledgers only).
    public func backfillSnapshots() throws -> [Int64] {
        guard let snapshots else { return [] }
        return try snapshots.backfill(self, now: clock.now())
    }
}
