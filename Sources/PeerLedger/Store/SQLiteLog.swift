import CPeerLedgerShims
import GRDB
import PeerLedgerDomain

/// The log's own tables on SQLite: `events`, `stream_heads`, `secrets` and `idempotency_keys`.
///
/// Every statement that reads or writes them is in this folder (`Store/`); the rest of the code
/// asks through these functions, so a second backend (PostgreSQL) implements the same set and
/// nothing else changes. `StoreBoundaryTests` keeps it so.
enum SQLiteLog {
    // MARK: The head

    /// The position of the last event (0 for an empty log); the log is gap-free, so this is also
    /// how many events it holds.
    static func headPosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(position), 0) FROM events")) ?? 0
    }

    /// The hash of the last event, or nil for an empty log.
    static func lastHash(_ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM events ORDER BY position DESC LIMIT 1"))
    }

    /// The hash of the event at `position`, or nil when the log has none there.
    static func hash(_ db: Database, at position: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM events WHERE position = ?"), arguments: [position])
    }

    /// The time the event at `position` was recorded (the log's ISO 8601 text), or nil.
    static func recordedAt(_ db: Database, at position: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT recorded_at FROM events WHERE position = ?"), arguments: [position])
    }

    /// The position of the last event recorded at or before `moment` (0 when none was). The log's
    /// time never goes back, so the answer is found by bisecting positions.
    static func lastPosition(atOrBefore moment: Timestamp, _ db: Database) throws -> Int64 {
        let cutoff = moment.iso8601
        var low: Int64 = 0  // known at or before (0 stands for "before the log")
        var high = try headPosition(db) + 1  // known after
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if let time = try recordedAt(db, at: middle), time <= cutoff { low = middle } else { high = middle }
        }
        return low
    }

    // MARK: Reading events

    /// Every event after `start` (and up to `end`, when given), whole, in order, read as the
    /// cursor is stepped.
    static func events(
        _ db: Database, after start: Int64 = 0, through end: Int64? = nil
    ) throws -> MapCursor<RowCursor, RecordedEvent> {
        try Row.fetchCursor(
            db, sql: "SELECT \(RecordedEvent.columns) FROM events WHERE position > ? AND position <= ? ORDER BY position",
            arguments: [start, end ?? Int64.max]
        ).map(RecordedEvent.init(row:))
    }

    /// Every event after `start`, read whole with a statement the connection keeps prepared: what
    /// a following ledger's command or group hands the log of record (preparing the statement
    /// took as long as reading a command's events).
    static func eventsAfter(_ db: Database, _ start: Int64) throws -> [RecordedEvent] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(RecordedEvent.columns) FROM events WHERE position > ? ORDER BY position"),
            arguments: [start]
        ).map(RecordedEvent.init(row:))
    }

    /// Hands every event after `start` (and up to `end`, when given) to `body`, whole, in order.
    static func forEach(
        _ db: Database, after start: Int64 = 0, through end: Int64? = nil, _ body: (RecordedEvent) throws -> Void
    ) throws {
        let cursor = try events(db, after: start, through: end)
        while let event = try cursor.next() { try body(event) }
    }

    /// True when an event after `start` and up to `end` changes PeeringDB objects.
    static func changesPeeringDB(_ db: Database, after start: Int64, through end: Int64) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM events WHERE position > ? AND position <= ?
                                   AND (type LIKE 'PeeringDB%' OR stream LIKE 'pdb-%'))
                    """), arguments: [start, end]) ?? false
    }

    // MARK: Restoring

    /// Appends an event exactly as another copy of the log recorded it (a restore from an
    /// export): position, stream, version, times and hashes as given. The triggers check it as
    /// they check any append, and the link to the stream's previous event is set from its head.
    static func appendAsRecorded(_ db: Database, _ event: RecordedEvent) throws {
        try event.insert(db)
    }

    /// Appends a batch of another log's events exactly as it recorded them, in the caller's
    /// transaction, with the log's triggers switched off on this connection for the batch: the
    /// copy `Ledger.follow` brings level as a node starts (from nothing on a new node), where
    /// they were most of the insert's time. What they check is checked here first, for each
    /// event, and nothing of the batch is kept when one fails (the caller's transaction rolls
    /// back; batches copied before it stay, a prefix of the log):
    /// - its position follows the last one without a gap (`events_gap_free`);
    /// - its stream's version follows the stream's head, 1 for a new stream (`events_gap_free`),
    ///   and it links to the head's position (`events_stream_link`; set here as an append sets it);
    /// - its `prev_hash` is the hash of the event before it, which no trigger checks.
    /// Each stream's head is then written once, naming the batch's last event of that stream:
    /// what `events_begin_stream` and `events_move_stream_head` leave after the batch, and what
    /// `verify` checks against the log. Only the log and its heads have triggers, so nothing else
    /// the copy writes in the transaction goes without one.
    static func appendCopied(_ db: Database, _ events: [RecordedEvent]) throws {
        guard !events.isEmpty else { return }
        var position = try headPosition(db)
        var hash = try lastHash(db) ?? RecordedEvent.genesisHash
        var heads: [String: (version: Int64, position: Int64)] = [:]
        try withTriggersOff(db) {
            for event in events {
                let head = try heads[event.stream] ?? streamHead(db, event.stream)
                let version = head?.version ?? 0
                guard event.position == position + 1, event.streamVersion == version + 1 else {
                    throw LogOfRecordError(
                        description: """
                            the log of record's event at position \(event.position) (\(event.stream), version \
                            \(event.streamVersion)) does not follow the copy's position \(position) and its stream's \
                            version \(version) without a gap: nothing of its batch was copied
                            """)
                }
                guard event.prevHash == hash else {
                    throw LogOfRecordError(
                        description: """
                            the log of record's event at position \(event.position) does not link to the hash of the \
                            event before it: nothing of its batch was copied
                            """)
                }
                try insertCopied.execute(
                    db, event.position, event.stream, event.streamVersion, event.type, Int64(event.schemaVersion),
                    event.payload, event.metadata, event.recordedAt, event.prevHash, event.hash, head?.position)
                heads[event.stream] = (event.streamVersion, event.position)
                position = event.position
                hash = event.hash
            }
            for (stream, head) in heads { try moveHead.execute(db, stream, head.version, head.position) }
        }
    }

    /// A stream's head as `stream_heads` holds it, or nil for a stream without events.
    private static func streamHead(_ db: Database, _ stream: String) throws -> (version: Int64, position: Int64)? {
        try readHead.firstRow(db, stream) { columns in
            guard let version = columns.int64(0), let position = columns.int64(1) else { return nil }
            return (version, position)
        } ?? nil
    }

    /// Runs `body` with this connection's triggers switched off (the other connections keep
    /// theirs), and on again after, whether it throws or not.
    private static func withTriggersOff(_ db: Database, _ body: () throws -> Void) throws {
        guard peerledger_sqlite3_enable_triggers(UnsafeMutableRawPointer(db.sqliteConnection), 0) == 0 else {
            throw DatabaseError(message: "SQLite did not switch the log's triggers off for a copy's batch")
        }
        defer {
            // The call SQLite has just accepted: only a connection already closed could refuse it.
            let on = peerledger_sqlite3_enable_triggers(UnsafeMutableRawPointer(db.sqliteConnection), 1)
            precondition(on == 1, "SQLite did not switch the log's triggers on again")
        }
        try body()
    }

    private static let insertCopied = WriteStatement(
        "INSERT INTO events (\(RecordedEvent.columns), previous_in_stream) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    private static let readHead = WriteStatement("SELECT version, position FROM stream_heads WHERE stream = ?")
    private static let moveHead = WriteStatement("""
        INSERT INTO stream_heads (stream, version, position) VALUES (?, ?, ?)
        ON CONFLICT (stream) DO UPDATE SET version = excluded.version, position = excluded.position
        """)

    /// How many secrets, and how many idempotent writes' first answers, the ledger keeps beside
    /// its log: what a backup carries and an export does not.
    static func keptApart(_ db: Database) throws -> (secrets: Int64, idempotencyAnswers: Int64) {
        let row = try Row.fetchOne(
            db, sql: "SELECT (SELECT COUNT(*) FROM secrets), (SELECT COUNT(*) FROM idempotency_keys)")
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    // MARK: Secrets

    /// Keeps `value` under `ref`, outside the log.
    static func storeSecret(_ db: Database, ref: String, value: String) throws {
        try db.cachedStatement(sql: "INSERT INTO secrets (ref, value) VALUES (?, ?)").execute(arguments: [ref, value])
    }

    /// The secret kept under `ref`, or nil.
    static func secret(_ db: Database, ref: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM secrets WHERE ref = ?"), arguments: [ref])
    }

    /// A LEFT JOIN that brings the secret kept under `ref` (a column of the query) as `alias.value`:
    /// for a query of a projection that answers with the secret (getSessions shows a session's
    /// password), one statement instead of a lookup per row.
    static func joinSecret(as alias: String, ref: String) -> String {
        "LEFT JOIN secrets \(alias) ON \(alias).ref = \(ref)"
    }

    /// Every secret, by ref, in ref order.
    static func allSecrets(_ db: Database) throws -> [(ref: String, value: String)] {
        try Row.fetchAll(db, sql: "SELECT ref, value FROM secrets ORDER BY ref").map { (ref: $0[0], value: $0[1]) }
    }

    /// Copies every secret of `source` into `target` (a point-in-time copy answers with the
    /// password then in force).
    static func copySecrets(from source: Database, to target: Database) throws {
        let secrets = try Row.fetchCursor(source, sql: "SELECT ref, value FROM secrets")
        while let row = try secrets.next() { try storeSecret(target, ref: row[0], value: row[1]) }
    }

    // MARK: Idempotency

    /// The fingerprint and first answer of the write `actor` made with idempotency key `key`.
    static func idempotencyRecord(_ db: Database, actor: String, key: String) throws -> (fingerprint: String, answer: String)? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT fingerprint, answer FROM idempotency_keys WHERE actor = ? AND key = ?"),
            arguments: [actor, key])
        else { return nil }
        return (row[0], row[1])
    }

    /// Records the first answer of a keyed write, in the write's own transaction.
    static func storeIdempotencyRecord(
        _ db: Database, actor: String, key: String, fingerprint: String, answer: String, position: Int64
    ) throws {
        try db.cachedStatement(
            sql: "INSERT INTO idempotency_keys (actor, key, fingerprint, answer, position) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [actor, key, fingerprint, answer, position])
    }
}
