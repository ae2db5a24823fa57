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
        let verb: String
        let sessionID: Int64
        switch event {
        case let .sessionAdded(e): (verb, sessionID) = ("Session added", e.sessionID)
        case let .sessionUpdated(e): (verb, sessionID) = ("Session updated", e.sessionID)
        case let .sessionDeleted(e): (verb, sessionID) = ("Session deleted", e.sessionID)
        default: return
        }
        // The sessions projection has already applied this event: the row is the session after it.
        guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.labelSQL), arguments: [sessionID]),
            let participant = row[0] as Int64?, let exchange = row[1] as Int64?
        else { return }
        try PeerLog.write(
            db, position: recorded.position, participant: participant, exchange: exchange,
            message: "\(verb): \(row[2] as String)", recordedAt: recorded.recordedAt, sessionID: sessionID)
    }

    /// Where the peer is and the session's label (`Session.label`), read with one narrow cached
    /// statement instead of the full `Session.fetch` with its joins. The columns are STRICT
    /// (integers are integers, text is text), so SQLite's concatenation gives `label`'s exact text.
    static let labelSQL = """
        SELECT peer_participant_id, public_id,
            COALESCE(peer_name, '') || ' (AS' || COALESCE(source_asn, '') || 'V' || COALESCE(source_ipaddr, '')
            || ') - (AS' || COALESCE(peer_asn, '') || 'V' || COALESCE(peer_ipaddr, '') || ')'
        FROM sessions WHERE id = ?
        """
}

/// Writing and reading communications-history lines.
public enum PeerLog {
    static func write(
        _ db: Database, position: Int64, participant: Int64, exchange: Int64, message: String, recordedAt: String,
        requestID: Int64? = nil, sessionID: Int64? = nil
    ) throws {
        let time = RecordedTime.apiText(recordedAt)
        try db.cachedStatement(sql: """
            INSERT INTO peer_log (position, peer_participant_id, public_id, message, time, request_id, session_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [position, participant, exchange, message, time, requestID, sessionID])
    }

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
