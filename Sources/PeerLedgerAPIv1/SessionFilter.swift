import PeerLedger
import PeerLedgerDomain

/// Criteria over session fields, from the parameters of getSessions or deleteSession: each given
/// field parsed as its kind, matched exactly (ids, ASNs, addresses in canonical form, text as
/// written); `created` and `modified` also match a whole day when given as `YYYY-MM-DD`.
struct SessionFilter {
    private(set) var criteria = SessionCriteria()

    var isEmpty: Bool { criteria.isEmpty }

    init(_ parameters: Parameters) throws(Refusal) {
        for field in SessionField.allCases {
            guard let text = parameters.nonEmpty(field.rawValue) else { continue }
            if field.kind == .timestamp, Timestamp.isDay(text) {
                criteria.require(field, onDay: text)
            } else {
                criteria.require(field, equals: try field.parse(text))
            }
        }
    }

    /// The matching sessions, ordered by id. Without a `deleted` criterion, deleted sessions are
    /// left out.
    func fetch(_ reader: LedgerReader, includeDeletedByDefault: Bool = false) throws -> [Session] {
        try reader.sessions(matching: criteria, includeDeletedByDefault: includeDeletedByDefault)
    }
}
