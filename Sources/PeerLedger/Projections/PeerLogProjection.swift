import GRDB

/// The communications history of each peer (a network at an exchange): what getCommunications
/// and `include_log_data` show, newest first.
struct PeerLogProjection: Projection {
    let name = "peer_log"
    let version = 1
    let tables = [(name: "peer_log", order: "peer_participant_id, public_id, position")]
    /// Lines are only ever inserted, each with its event's position.
    let isAppendOnly = true

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        guard let (verb, sessionID) = Self.sessionLine(of: event) else { return }
        // The sessions projection has already applied this event: the row is the session after it.
        // One INSERT ... SELECT writes the line from that row (no line when the session or its
        // peer is unknown), instead of reading the label into Swift and inserting it back.
        try (PeerLog.isStaging ? Self.stagedLine : Self.line).execute(
            db, recorded.position, verb, RecordedTime.apiText(recorded.recordedAt), sessionID)
    }

    /// The verb of a session event's history line, and its session; nil for other events.
    static func sessionLine(of event: LedgerEvent) -> (verb: String, session: Int64)? {
        switch event {
        case let .sessionAdded(e): ("Session added", e.sessionID)
        case let .sessionUpdated(e): ("Session updated", e.sessionID)
        case let .sessionDeleted(e): ("Session deleted", e.sessionID)
        default: nil
        }
    }

    /// The same line as `apply` writes, from a label already read (`SessionChangeBuffer.label`):
    /// a replay's held updates and deletions leave the label as it was.
    static func writeSessionLine(
        _ db: Database, verb: String, session: Int64, label: SessionChangeBuffer.LineLabel, _ recorded: RecordedEvent
    ) throws {
        try PeerLog.write(
            db, position: recorded.position, participant: label.participant, exchange: label.exchange,
            message: verb + ": " + label.text, recordedAt: recorded.recordedAt, sessionID: session)
    }

    /// The history line of a session event, built by SQLite from the session's row.
    static func lineSQL(into table: String) -> String {
        """
        INSERT INTO \(table) (position, peer_participant_id, public_id, message, time, request_id, session_id)
        SELECT ?1, peer_participant_id, public_id, ?2 || ': ' || \(labelExpression), ?3, NULL, id
        FROM sessions WHERE id = ?4 AND peer_participant_id IS NOT NULL AND public_id IS NOT NULL
        """
    }

    static let line = WriteStatement(lineSQL(into: "peer_log"))
    static let stagedLine = WriteStatement(lineSQL(into: "temp.peer_log_staged"))

    /// `Session.label`'s text from the STRICT columns (integers are integers, text is text), so
    /// SQLite's concatenation gives exactly what Swift would.
    static let labelExpression = """
        COALESCE(peer_name, '') || ' (AS' || COALESCE(source_asn, '') || 'V' || COALESCE(source_ipaddr, '')
            || ') - (AS' || COALESCE(peer_asn, '') || 'V' || COALESCE(peer_ipaddr, '') || ')'
        """

    /// Where the peer is and the session's label (`Session.label`), in one narrow statement.
    static let labelSQL = "SELECT peer_participant_id, public_id, \(labelExpression) FROM sessions WHERE id = ?"
}

/// Writing and reading communications-history lines.
public enum PeerLog {
    /// True while a rebuild or a catch-up replays the log: lines then go to
    /// `temp.peer_log_staged` in log order (appends at the end of a rowid table) and enter
    /// `peer_log`, a WITHOUT ROWID table keyed by peer, once at the end, sorted by that key,
    /// instead of one random-key insert per event.
    @TaskLocal static var isStaging = false

    /// Runs `body` (a rebuild's or a catch-up's replay, inside its transaction) with history lines
    /// staged, then moves them into `peer_log` in key order. No projection reads `peer_log` while
    /// it applies an event, so nothing misses the staged lines.
    static func staging<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS peer_log_staged (
                position INTEGER NOT NULL, peer_participant_id INTEGER NOT NULL, public_id INTEGER NOT NULL,
                message TEXT NOT NULL, time TEXT NOT NULL, request_id INTEGER, session_id INTEGER)
            """)
        try db.execute(sql: "DELETE FROM temp.peer_log_staged")
        let result = try $isStaging.withValue(true) { try body() }
        try db.execute(sql: """
            INSERT INTO peer_log (position, peer_participant_id, public_id, message, time, request_id, session_id)
            SELECT position, peer_participant_id, public_id, message, time, request_id, session_id
            FROM temp.peer_log_staged ORDER BY peer_participant_id, public_id, position
            """)
        try db.execute(sql: "DROP TABLE temp.peer_log_staged")
        return result
    }

    static func write(
        _ db: Database, position: Int64, participant: Int64, exchange: Int64, message: String, recordedAt: String,
        requestID: Int64? = nil, sessionID: Int64? = nil
    ) throws {
        let time = RecordedTime.apiText(recordedAt)
        try (isStaging ? stagedInsert : insert).execute(db, position, participant, exchange, message, time, requestID, sessionID)
    }

    static let insert = WriteStatement("""
        INSERT INTO peer_log (position, peer_participant_id, public_id, message, time, request_id, session_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
    static let stagedInsert = WriteStatement("""
        INSERT INTO temp.peer_log_staged (position, peer_participant_id, public_id, message, time, request_id, session_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)

    /// A peer's history at one exchange, newest first, in the seed's `log_data` shape.
    public static func entries(_ db: Database, participant: Int64, exchange: Int64) throws -> [JSON] {
        try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT message, time, request_id, session_id, public_id FROM peer_log
                WHERE peer_participant_id = ? AND public_id = ? ORDER BY position DESC
                """), arguments: [participant, exchange]
        ).map { row in
            .object([
                ("message", .string(row["message"] as String)),
                ("time", .string(row["time"] as String)),
                ("request_id", .numericString(row["request_id"])),
                ("session_id", .numericString(row["session_id"])),
                ("public_id", .numericString(row["public_id"])),
            ])
        }
    }
}
