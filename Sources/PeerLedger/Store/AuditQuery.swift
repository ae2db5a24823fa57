package import GRDB
public import PeerLedgerDomain

/// Questions asked of the log itself: who changed what, and when.
public struct AuditQuery: Sendable, Equatable {
    public var stream: String?
    /// Events of any of these streams (beside `stream`, when both are given).
    public var streams: [String] = []
    /// Events of any stream whose name begins with one of these (`peer-262@`: one network's
    /// status at every exchange).
    public var streamPrefixes: [String] = []
    public var actor: String?
    public var type: String?
    public var since: Timestamp?
    public var until: Timestamp?
    public var afterPosition: Int64?
    public var limit: Int?

    public init(
        stream: String? = nil, actor: String? = nil, type: String? = nil, since: Timestamp? = nil, until: Timestamp? = nil,
        afterPosition: Int64? = nil, limit: Int? = nil
    ) {
        self.stream = stream
        self.actor = actor
        self.type = type
        self.since = since
        self.until = until
        self.afterPosition = afterPosition
        self.limit = limit
    }

    /// The matching events in log order.
    package func events(_ db: Database) throws -> [RecordedEvent] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        var sql = ""
        var heads: [String] = []
        for name in (stream.map { [$0] } ?? []) + streams {
            heads.append("stream = ?")
            arguments.append(name)
        }
        for prefix in streamPrefixes {
            // A range of the heads' key, so the prefix is found through its index.
            heads.append("(stream >= ? AND stream < ?)")
            arguments.append(prefix)
            arguments.append(Self.upperBound(of: prefix))
        }
        if !heads.isEmpty {
            // The log has no index by stream: a stream's events are found by walking back from
            // its head, one position to the one before (`previous_in_stream`).
            sql = """
                WITH RECURSIVE chain(position) AS (
                    SELECT position FROM stream_heads WHERE \(heads.joined(separator: " OR "))
                    UNION
                    SELECT events.previous_in_stream FROM events JOIN chain USING (position)
                    WHERE events.previous_in_stream IS NOT NULL
                )

                """
            clauses.append("position IN chain")
        }
        if let actor { clauses.append("json_extract(metadata, '$.actor') = ?"); arguments.append(actor) }
        if let type { clauses.append("type = ?"); arguments.append(type) }
        if let since { clauses.append("recorded_at >= ?"); arguments.append(since.iso8601) }
        if let until { clauses.append("recorded_at <= ?"); arguments.append(until.iso8601) }
        if let afterPosition { clauses.append("position > ?"); arguments.append(afterPosition) }
        sql += "SELECT \(RecordedEvent.columns) FROM events"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY position"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(RecordedEvent.init(row:))
    }

    /// The first text after every text beginning with `prefix` (its last character moved one up).
    static func upperBound(of prefix: String) -> String {
        var scalars = Array(prefix.unicodeScalars)
        guard let last = scalars.popLast(), let next = Unicode.Scalar(last.value + 1) else { return prefix + "\u{10FFFF}" }
        scalars.append(next)
        return String(String.UnicodeScalarView(scalars))
    }
}
