import GRDB
package import PeerLedgerDomain

/// The ledger as it was at a past moment: a private in-memory database with the projections as
/// they stood after the last event recorded at or before that moment, built by the same `apply`
/// code, so any read action can answer "as of".
///
/// The log's `recorded_at` never goes back (appends clamp it to the head's), so "as of a moment"
/// is a prefix of the log, found by bisecting positions. The projections start from the newest
/// usable snapshot at or before that prefix's end (`ProjectionSnapshots`) and apply only the
/// events after it; without one they replay from position 1.
package enum PointInTime {
    package static func ledger(of source: Ledger, asOf moment: Timestamp, withLog: Bool = false) async throws -> Ledger {
        try await build(of: source, asOf: moment, withLog: withLog).ledger
    }

    /// The past ledger, with the position whose snapshot it started from (0: the log's start).
    static func build(of source: Ledger, asOf moment: Timestamp, withLog: Bool) async throws -> (ledger: Ledger, start: Int64) {
        let past = try DatabaseQueue(configuration: Ledger.configuration())
        let snapshots = source.snapshots
        let sourcePath = (source.database as? DatabasePool)?.path
        let start: Int64 = try await source.database.readReleasingFirst { sourceDB in
            var start: Int64 = 0
            let end = try lastPosition(atOrBefore: moment, sourceDB)
            if withLog {
                try copyLog(upTo: end, from: sourceDB, into: past, now: moment)
            } else {
                start = try snapshots?.restore(atOrBefore: end, source: sourceDB, into: past) ?? 0
                try past.writeWithoutTransaction { db in
                    try Migrator.migrate(db, migrations: Migration.embedded, now: moment)
                    try db.inTransaction {
                        try applyLog(from: start, through: end, of: sourceDB, to: db)
                        return .commit
                    }
                    if start > 0, let path = sourcePath { try readAppendOnlyTables(of: path, through: end, in: db) }
                }
            }
            try past.write { db in
                // Secrets are looked up by ref; copy them so past answers show the password then in force.
                try SQLiteLog.copySecrets(from: sourceDB, to: db)
            }
            return start
        }
        // As given: the projections are those of the moment (or, for audit reads, not needed at all).
        return (try Ledger(database: past, clock: source.clock, ids: source.ids, checksProjections: false), start)
    }

    /// Fresh projections in memory with the log's events 1 through `end` applied by the same
    /// `apply` code: what the source's projections must equal. Nothing is written to the source.
    static func replayed(of source: Ledger, through end: Int64) async throws -> Ledger {
        let fresh = try DatabaseQueue(configuration: Ledger.configuration())
        let now = source.clock.now()
        try await source.database.readReleasingFirst { sourceDB in
            try fresh.writeWithoutTransaction { db in
                try Migrator.migrate(db, migrations: Migration.embedded, now: now)
                try db.inTransaction {
                    try applyLog(from: 0, through: end, of: sourceDB, to: db)
                    return .commit
                }
            }
        }
        return try Ledger(database: fresh, clock: source.clock, ids: source.ids, checksProjections: false)
    }

    /// The position of the last event recorded at or before `moment` (0 when none was).
    static func lastPosition(atOrBefore moment: Timestamp, _ db: Database) throws -> Int64 {
        try SQLiteLog.lastPosition(atOrBefore: moment, db)
    }

    /// A snapshot holds no rows of append-only tables (the communications history): their state
    /// as of `end` is the live table's rows up to `end`, which never change once written. A
    /// temporary view of that name over the ledger file, which unqualified names find first,
    /// shows exactly those rows to the read.
    private static func readAppendOnlyTables(of path: String, through end: Int64, in db: Database) throws {
        try db.execute(sql: "ATTACH DATABASE ? AS ledger_now", arguments: [path])
        for table in ProjectionSnapshots.appendOnlyTables {
            try db.execute(sql: "CREATE TEMP VIEW \(table) AS SELECT * FROM ledger_now.\(table) WHERE position <= \(end)")
        }
    }

    /// Applies the events after `start` through `end` to the projections in `db`.
    private static func applyLog(from start: Int64, through end: Int64, of source: Database, to db: Database) throws {
        guard end > start else { return }
        let events = try SQLiteLog.events(source, after: start, through: end)
        // Replayed as a rebuild replays (observed states and sync marks held, `Projector.replaying`):
        // up to a whole snapshot interval of events lies between a snapshot and the moment asked.
        try Projector.replaying(db) { apply in
            while let recorded = try events.next() {
                try apply(LedgerEvent(recorded), recorded, nil)
            }
        }
        try Projector.checkpoint(db, position: end)
    }

    /// The log itself up to `end`, for audit reads as of a moment (they read events, not projections).
    private static func copyLog(upTo end: Int64, from source: Database, into past: DatabaseQueue, now: Timestamp) throws {
        try past.writeWithoutTransaction { db in
            try Migrator.migrate(db, migrations: Migration.embedded, now: now)
            try db.inTransaction {
                try SQLiteLog.forEach(source, through: end) { event in try event.insert(db) }
                return .commit
            }
        }
    }
}
