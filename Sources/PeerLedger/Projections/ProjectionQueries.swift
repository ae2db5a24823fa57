import GRDB
package import PeerLedgerDomain

/// Typed reads of projection tables that integrations and faces need, so a router poller, the
/// PeeringDB import or APIv1 reads through a query (values out) instead of naming projection
/// tables itself.
/// A live session on a router, as a poll matches it to a neighbor: its id, peer address and
/// state.
package struct SessionOnRouter: Sendable, Equatable {
    package var id: Int64
    package var peerAddress: String
    package var state: String
}

enum SessionQueries {
    /// A live session on a router, as a poll matches it to a neighbor: its id, peer address and
    /// state.
    typealias OnRouter = SessionOnRouter

    /// Every live session of `router`.
    static func live(onRouter router: Int64, _ db: Database) throws -> [OnRouter] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, peer_ipaddr, state FROM sessions WHERE resource_id = ? AND deleted = 0"),
            arguments: [router]
        ).map { row in OnRouter(id: row[0], peerAddress: row[1], state: row[2]) }
    }
}

enum PeeringDBQueries {
    /// Every stored object of `type`: its id and canonical fields text.
    static func storedFields(of type: PeeringDBObjectType, _ db: Database) throws -> [Int64: String] {
        var rows: [Int64: String] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, fields FROM peeringdb_objects WHERE type = ?", arguments: [type.rawValue])
        while let row = try cursor.next() { rows[row[0]] = row[1] }
        return rows
    }

    /// The ids of every stored object of `type`.
    static func ids(of type: PeeringDBObjectType, _ db: Database) throws -> Set<Int64> {
        Set(try Int64.fetchAll(db, sql: "SELECT id FROM peeringdb_objects WHERE type = ?", arguments: [type.rawValue]))
    }

    /// Per type, the newest `updated` time seen, as the projection stores it.
    static func storedSyncMarks(_ db: Database) throws -> [(type: String, updated: String)] {
        try Row.fetchAll(db, sql: "SELECT type, updated FROM peeringdb_sync").map { row in (row["type"], row["updated"]) }
    }
}

enum RouterQueries {
    /// The id of the live router named `name`, if one is registered.
    static func liveRouter(named name: String, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM routers WHERE name = ? AND removed = 0", arguments: [name])
    }
}

/// Criteria over session fields, as getSessions and deleteSession give them: each matched
/// exactly (ids, ASNs, addresses in canonical form, text as written), `created` and `modified`
/// also by a whole day. The values are bound into the query, never spliced into SQL.
package struct SessionCriteria: Sendable {
    private(set) var clauses: [String] = []
    private(set) var arguments: [DatabaseValue] = []
    private(set) var mentionsDeleted = false

    package init() {}

    package var isEmpty: Bool { clauses.isEmpty }

    /// Sessions whose `field` holds `value` (for the password, its stored value).
    package mutating func require(_ field: SessionField, equals value: FieldValue) {
        clauses.append(field == .password ? "sec.value = ?" : "s.\(field.column) = ?")
        arguments.append(value.databaseValue)
        if field == .deleted { mentionsDeleted = true }
    }

    /// Sessions whose timestamp `field` falls on `day` (`YYYY-MM-DD`).
    package mutating func require(_ field: SessionField, onDay day: String) {
        clauses.append("substr(s.\(field.column), 1, 10) = ?")
        arguments.append(day.databaseValue)
    }
}

extension LedgerReader {
    /// The sessions matching `criteria`, ordered by id. Without a `deleted` criterion, deleted
    /// sessions are left out unless `includeDeletedByDefault`.
    package func sessions(matching criteria: SessionCriteria, includeDeletedByDefault: Bool = false) throws -> [Session] {
        try sessions(matching: criteria, includeDeletedByDefault: includeDeletedByDefault, afterID: nil, limit: nil)
    }

    /// One page of the sessions matching `criteria`, ordered by id: those with an id above
    /// `afterID`, at most `limit` of them (a keyset page: one seek, however deep).
    package func sessions(
        matching criteria: SessionCriteria, includeDeletedByDefault: Bool = false, afterID: Int64?, limit: Int?
    ) throws -> [Session] {
        var clauses = criteria.clauses
        var arguments = criteria.arguments
        if !criteria.mentionsDeleted && !includeDeletedByDefault { clauses.append("s.deleted = 0") }
        if let afterID {
            clauses.append("s.id > ?")
            arguments.append(afterID.databaseValue)
        }
        let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        var sql = Session.selectSQL + whereClause + " ORDER BY s.id"
        if let limit {
            sql += " LIMIT ?"
            arguments.append(max(0, limit).databaseValue)
        }
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { try Session(row: $0) }
    }

    /// One session by id, deleted ones included, or nil.
    package func session(id: Int64) throws -> Session? { try Session.fetch(db, id: id) }

    /// The highest session id ever given, or nil before the first session.
    package func lastSessionID() throws -> Int64? { try SessionQueries.lastID.int64(db) }

    /// The live session holding `slot` (an address at an exchange, on a router), other than
    /// `excluded`: one seek in `sessions_by_exchange`, not a scan of the exchange.
    package func liveSession(holding slot: SessionDecisions.AddressSlot, excluding excluded: Int64?) throws -> Int64? {
        try SessionQueries.holder.int64(db, slot.exchange, slot.address, slot.router, excluded)
    }

    /// The peer groups of the router's other live sessions, by session id.
    package func peerGroups(onRouter router: Int64, except session: Int64) throws -> [(session: Int64, group: String)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, peer_group FROM sessions
                WHERE resource_id = ? AND deleted = 0 AND id != ? AND peer_group IS NOT NULL AND peer_group != ''
                ORDER BY id
                """,
            arguments: [router, session]
        ).map { row in (row["id"], row["peer_group"]) }
    }
}

extension SessionQueries {
    static let lastID = WriteStatement("SELECT MAX(id) FROM sessions")

    static let holder = WriteStatement("""
        SELECT id FROM sessions
        WHERE public_id = ? AND deleted = 0 AND peer_ipaddr = ? AND resource_id IS ? AND id IS NOT ?
        """)
}

/// A peering request as the `requests` projection holds it, with its delivery's progress.
package struct RequestRecord: Sendable, Equatable {
    package var id: Int64
    package var publicID: Int64?
    package var sourceParticipantID: Int64?
    package var sourceASN: Int64?
    package var peerParticipantID: Int64?
    package var peerASN: Int64?
    package var peerName: String?
    package var emailType: String?
    package var emailFrom: String?
    package var emailTo: String?
    package var subject: String?
    package var body: String?
    package var status: String?
    package var created: String?
    package var modified: String?
    package var deliveryStatus: String?
    package var deliveryAttempts: Int64?
    package var deliveryReply: String?
    package var nextAttempt: String?
    package var delivered: String?

    init(row: Row) {
        id = row["id"]
        publicID = row["public_id"]
        sourceParticipantID = row["source_participant_id"]
        sourceASN = row["source_asn"]
        peerParticipantID = row["peer_participant_id"]
        peerASN = row["peer_asn"]
        peerName = row["peer_name"]
        emailType = row["email_type"]
        emailFrom = row["email_from"]
        emailTo = row["email_to"]
        subject = row["subject"]
        body = row["body"]
        status = row["status"]
        created = row["created"]
        modified = row["modified"]
        deliveryStatus = row["delivery_status"]
        deliveryAttempts = row["delivery_attempts"]
        deliveryReply = row["delivery_reply"]
        nextAttempt = row["next_attempt"]
        delivered = row["delivered"]
    }
}

/// The last request to a network that still counts for the quiet period.
package struct LatestRequest: Sendable, Equatable {
    package var id: Int64
    /// As the API shows it (`2014-04-23 10:31:33`).
    package var created: String
    package var createdAt: Timestamp?
}

extension LedgerReader {
    /// Every request, newest first, or only those to `peerParticipantID`.
    package func requests(toPeer peerParticipantID: Int64? = nil) throws -> [RequestRecord] {
        var sql = "SELECT * FROM requests"
        var arguments: StatementArguments = []
        if let peerParticipantID {
            sql += " WHERE peer_participant_id = ?"
            arguments = [peerParticipantID]
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY id DESC", arguments: arguments).map(RequestRecord.init(row:))
    }

    /// One page of requests in id order: those after `afterID` (all when nil), to
    /// `peerParticipantID` only when given, at most `limit`.
    package func requests(toPeer peerParticipantID: Int64?, afterID: Int64?, limit: Int) throws -> [RequestRecord] {
        try Row.fetchAll(
            db,
            sql: "SELECT * FROM requests WHERE (?1 IS NULL OR peer_participant_id = ?1) AND id > ?2 ORDER BY id LIMIT ?3",
            arguments: [peerParticipantID, afterID ?? 0, max(0, limit)]
        ).map(RequestRecord.init(row:))
    }

    /// The request with `id`, or nil.
    package func request(id: Int64) throws -> RequestRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM requests WHERE id = ?", arguments: [id]).map(RequestRecord.init(row:))
    }

    /// The highest request id ever given, or nil before the first request.
    package func lastRequestID() throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM requests")
    }

    /// The newest request to the network whose delivery has not failed for good.
    package func latestUnfailedRequest(toPeer peerParticipantID: Int64) throws -> LatestRequest? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT id, created, created_at FROM requests
                WHERE peer_participant_id = ? AND delivery_status <> 'failed' ORDER BY id DESC LIMIT 1
                """,
            arguments: [peerParticipantID]
        ).map { row in
            LatestRequest(id: row["id"], created: row["created"], createdAt: Timestamp(parsing: row["created_at"] as String))
        }
    }

    /// The status of the newest request to the network at the exchange, or nil.
    package func latestRequestStatus(toPeer peerParticipantID: Int64, at publicID: Int64) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT status FROM requests WHERE peer_participant_id = ? AND public_id = ? ORDER BY id DESC LIMIT 1",
            arguments: [peerParticipantID, publicID])
    }
}
