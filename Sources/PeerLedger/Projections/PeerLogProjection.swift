import GRDB

/// The communications history of each peer (a network at an exchange): what getCommunications
/// and `include_log_data` show, newest first.
struct PeerLogProjection: Projection {
    let name = "peer_log"
    let version = 1
    let tables = [(name: "peer_log", order: "peer_participant_id, public_id, position")]

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
        guard let session = try Self.labelFields(db, id: sessionID),
            let participant = session.int(.peer_participant_id), let exchange = session.int(.public_id)
        else { return }
        try PeerLog.write(
            db, position: recorded.position, participant: participant, exchange: exchange,
            message: "\(verb): \(session.label)", recordedAt: recorded.recordedAt, sessionID: sessionID)
    }

    /// The fields a history line needs (where the peer is, and the session's label), read with one
    /// narrow cached statement instead of the full `Session.fetch` with its joins.
    static let labelColumns: [SessionField] = [
        .peer_participant_id, .public_id, .peer_name, .source_asn, .source_ipaddr, .peer_asn, .peer_ipaddr,
    ]
    static let labelSQL = "SELECT " + labelColumns.map(\.column).joined(separator: ", ") + " FROM sessions WHERE id = ?"

    static func labelFields(_ db: Database, id: Int64) throws -> Session? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: labelSQL), arguments: [id]) else { return nil }
        var values: [SessionField: FieldValue] = [:]
        for (offset, field) in labelColumns.enumerated() {
            let dbValue: DatabaseValue = row[offset]
            switch dbValue.storage {
            case let .int64(value): values[field] = .int(value)
            case let .string(value): values[field] = .text(value)
            default: values[field] = .null
            }
        }
        return Session(id: id, version: 0, values: values, passwordRef: nil, resourceName: nil, publicName: nil)
    }
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
