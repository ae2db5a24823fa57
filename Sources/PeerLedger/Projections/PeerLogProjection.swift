import GRDB
import PeerLedgerDomain

/// The communications history of each peer (a network at an exchange): what getCommunications
/// and `include_log_data` show, newest first.
struct PeerLogProjection: Projection {
    var name: String { "peer_log" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "peer_log", order: "peer_participant_id, public_id, position")] }
    var eventTypes: Set<String> { [SessionAdded.type, SessionUpdated.type, SessionDeleted.type] }
    /// Lines are only ever inserted, each with its event's position.
    var isAppendOnly: Bool { true }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        guard let (verb, sessionID) = Self.sessionLine(of: event) else { return }
        // The sessions projection has already applied this event: the row is the session after it.
        // One INSERT ... SELECT writes the line from that row (no line when the session or its
        // peer is unknown), instead of reading the label into Swift and inserting it back.
        guard PeerLog.staged != nil else {
            return try Self.line.execute(db, recorded.position, verb, RecordedTime.apiText(recorded.recordedAt), sessionID)
        }
        // A replay holds its lines (`StagedHistory`): the same line, from the same label read alone.
        guard let label = try Self.label(of: sessionID, db) else { return }
        try Self.writeSessionLine(db, verb: verb, session: sessionID, label: label, recorded)
    }

    /// Where the session's peer is and its label, as its row gives them (`labelSQL`); nil when
    /// the session is unknown or has no peer or exchange (it then gets no line).
    static func label(of session: Int64, _ db: Database) throws -> SessionChangeBuffer.LineLabel? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: labelSQL), arguments: [session]),
            let participant = row[0] as Int64?, let exchange = row[1] as Int64?, let text = row[2] as String?
        else { return nil }
        return SessionChangeBuffer.LineLabel(participant: participant, exchange: exchange, text: text)
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
    static let lineSQL = """
        INSERT INTO peer_log (position, peer_participant_id, public_id, message, time, request_id, session_id)
        SELECT ?1, peer_participant_id, public_id, ?2 || ': ' || \(labelExpression), ?3, NULL, id
        FROM sessions WHERE id = ?4 AND peer_participant_id IS NOT NULL AND public_id IS NOT NULL
        """

    static let line = WriteStatement(lineSQL)

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
    /// The lines of the replay (a rebuild or a catch-up) running on this task, if any: they are
    /// held there and enter `peer_log` sorted by its key (`StagedHistory`) instead of one
    /// random-key insert per event.
    @TaskLocal static var staged: StagedHistory?

    /// Runs `body` (a rebuild's or a catch-up's replay, inside its transaction) with history lines
    /// held (`StagedHistory`, at most `limitBytes` at a time), then writes the last of them. No
    /// projection reads `peer_log` while it applies an event, so nothing misses a held line.
    static func staging<T>(_ db: Database, limitBytes: Int = StagedHistory.defaultLimit, _ body: () throws -> T) throws -> T {
        let staged = StagedHistory(limitBytes: limitBytes)
        let result = try $staged.withValue(staged) { try body() }
        try staged.flush(db)
        return result
    }

    static func write(
        _ db: Database, position: Int64, participant: Int64, exchange: Int64, message: String, recordedAt: String,
        requestID: Int64? = nil, sessionID: Int64? = nil
    ) throws {
        let time = RecordedTime.apiText(recordedAt)
        if let staged {
            return try staged.append(
                db, position: position, participant: participant, exchange: exchange, message: message, time: time,
                requestID: requestID, sessionID: sessionID)
        }
        try insert.execute(db, position, participant, exchange, message, time, requestID, sessionID)
    }

    static let insert = WriteStatement("""
        INSERT INTO peer_log (position, peer_participant_id, public_id, message, time, request_id, session_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
}
