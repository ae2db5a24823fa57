import GRDB
import PeerLedgerDomain

/// An exchange as PeeringDB describes it, with how many of our sessions are live there.
package struct ExchangeSummary: Sendable, Equatable {
    package var id: Int64
    package var name: String?
    package var city: String?
    package var country: String?
    /// Our live sessions at the exchange (the sessions projection).
    package var liveSessions: Int64
}

extension LedgerReader {
    /// One page of the exchanges PeeringDB knows, ordered by id: those with an id above
    /// `afterID`, at most `limit`; or the one exchange `id` when given.
    package func exchanges(afterID: Int64? = nil, id: Int64? = nil, limit: Int? = nil) throws -> [ExchangeSummary] {
        var sql = """
            SELECT o.id, json_extract(o.fields, '$.name'), json_extract(o.fields, '$.city'), json_extract(o.fields, '$.country'),
                   (SELECT COUNT(*) FROM sessions s WHERE s.public_id = o.id AND s.deleted = 0)
            FROM peeringdb_objects o WHERE o.type = 'ix'
            """
        var arguments: [any DatabaseValueConvertible] = []
        if let afterID {
            sql += " AND o.id > ?"
            arguments.append(afterID)
        }
        if let id {
            sql += " AND o.id = ?"
            arguments.append(id)
        }
        sql += " ORDER BY o.id"
        if let limit {
            sql += " LIMIT ?"
            arguments.append(max(0, limit))
        }
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            ExchangeSummary(id: row[0], name: row[1], city: row[2], country: row[3], liveSessions: row[4])
        }
    }
}
