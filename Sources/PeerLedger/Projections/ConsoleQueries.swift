import GRDB

/// The console's summaries: the dashboard's counts and short lists, and each network's latest
/// request at an exchange, each one query over the projections rather than every live session
/// and request loaded and counted in memory.
///
/// A session's state is what its router last reported (`session_router_state.bgp_state`, for a
/// router not removed), else the session's own `state` field.
extension LedgerReader {
    private static let effectiveState = """
        COALESCE(
            (SELECT r.bgp_state FROM session_router_state r JOIN routers ON routers.id = r.router_id AND routers.removed = 0
             WHERE r.session_id = sessions.id),
            sessions.state)
        """

    /// Live sessions counted by their state, in the state's order.
    package func liveSessionCountsByState() throws -> [(state: String, count: Int)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.effectiveState) AS effective, COUNT(*) AS n FROM sessions WHERE deleted = 0
                GROUP BY effective ORDER BY effective
                """
        ).map { (state: $0["effective"] as String, count: $0["n"] as Int) }
    }

    /// The live sessions whose state is one of `states`: how many, and the first `limit` by id
    /// with their state.
    package func liveSessions(inStates states: Set<String>, limit: Int) throws -> (total: Int, first: [(session: Session, state: String)]) {
        guard !states.isEmpty else { return (0, []) }
        let marks = states.map { _ in "?" }.joined(separator: ", ")
        let sorted = states.sorted()
        let total = try Int.fetchOne(
            db,
            sql: "SELECT COUNT(*) FROM sessions WHERE deleted = 0 AND \(Self.effectiveState) IN (\(marks))",
            arguments: StatementArguments(sorted)) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, \(Self.effectiveState) AS effective FROM sessions
                WHERE deleted = 0 AND effective IN (\(marks)) ORDER BY id LIMIT ?
                """,
            arguments: StatementArguments(sorted) + [max(0, limit)])
        var first: [(session: Session, state: String)] = []
        for row in rows {
            if let session = try session(id: row["id"]) { first.append((session, row["effective"])) }
        }
        return (total, first)
    }

    /// Requests still waiting for an answer (status `sent`): how many, and the oldest `limit`.
    package func requestsWaitingForAnswer(limit: Int) throws -> (total: Int, oldest: [RequestRecord]) {
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests WHERE status = 'sent'") ?? 0
        let oldest = try Row.fetchAll(
            db, sql: "SELECT * FROM requests WHERE status = 'sent' ORDER BY created, id LIMIT ?", arguments: [max(0, limit)]
        ).map(RequestRecord.init(row:))
        return (total, oldest)
    }

    /// The latest peering request to each network at exchange `exchange`, by PeeringDB net id:
    /// when it was sent and its status (sent, accepted, rejected).
    package func latestRequests(exchange: Int64) throws -> [Int64: (created: String, status: String)] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT peer_participant_id, created, status FROM requests r
                WHERE public_id = ? AND id = (
                    SELECT MAX(id) FROM requests WHERE public_id = r.public_id AND peer_participant_id = r.peer_participant_id)
                """,
            arguments: [exchange])
        var latest: [Int64: (created: String, status: String)] = [:]
        for row in rows { latest[row["peer_participant_id"]] = (row["created"], row["status"]) }
        return latest
    }
}
