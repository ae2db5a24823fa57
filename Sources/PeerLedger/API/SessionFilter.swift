import GRDB
import PeerLedgerDomain

/// Criteria over session fields, from the parameters of getSessions or deleteSession, turned into
/// a parameterized WHERE clause (values are bound, never spliced into SQL).
///
/// Matching is exact for every field (ids, ASNs, addresses in canonical form, text as written);
/// `created` and `modified` also match a whole day when given as `YYYY-MM-DD`.
struct SessionFilter {
    private(set) var clauses: [String] = []
    private(set) var arguments: [any DatabaseValueConvertible] = []
    private(set) var mentionsDeleted = false

    var isEmpty: Bool { clauses.isEmpty }

    init(_ parameters: Parameters) throws(Refusal) {
        for field in SessionField.allCases {
            guard let text = parameters.nonEmpty(field.rawValue) else { continue }
            if field.kind == .timestamp, Timestamp.isDay(text) {
                clauses.append("substr(s.\(field.column), 1, 10) = ?")
                arguments.append(text)
                continue
            }
            let value = try field.parse(text)
            if field == .password {
                clauses.append("sec.value = ?")
            } else {
                clauses.append("s.\(field.column) = ?")
            }
            arguments.append(value.databaseValue)
            if field == .deleted { mentionsDeleted = true }
        }
    }

    /// The matching sessions, ordered by id. Without a `deleted` criterion, deleted sessions are
    /// left out.
    func fetch(_ db: Database, includeDeletedByDefault: Bool = false) throws -> [Session] {
        var clauses = self.clauses
        if !mentionsDeleted && !includeDeletedByDefault { clauses.append("s.deleted = 0") }
        let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return try Row.fetchAll(
            db, sql: Session.selectSQL + whereClause + " ORDER BY s.id", arguments: StatementArguments(arguments)
        ).map { try Session(row: $0) }
    }
}
