import GRDB
public import PeerLedgerDomain

/// The `PeeringDirectory` the request actions use in production: the PeeringDB projections
/// (exchanges, networks, addresses, contacts) and the peers projection, read inside the
/// command's own transaction.
public struct ProjectedPeeringDirectory: PeeringDirectory {
    public init() {}

    package var isPeeringDBProjection: Bool { true }

    package func ownParticipantID(in reader: LedgerReader) throws -> Int64? {
        try OwnNetwork.fetch(reader.db)?.netID
    }

    package func exchangeName(publicID: Int64, in reader: LedgerReader) throws -> String? {
        try PeerDirectory.exchangeName(reader.db, publicID)
    }

    package func network(participantID: Int64, in reader: LedgerReader) throws -> DirectoryNetwork? {
        guard
            let text = try String.fetchOne(
                reader.db.cachedStatement(sql: "SELECT fields FROM peeringdb_objects WHERE type = 'net' AND id = ?"),
                arguments: [participantID])
        else { return nil }
        let fields = PeeringDBFields.parsingCanonical(text)
        guard case let .int(asn)? = fields["asn"] else { return nil }
        return DirectoryNetwork(
            participantID: participantID, asn: asn, name: fields["name"]?.text ?? "AS\(asn)",
            peeringDBURL: "https://www.peeringdb.com/net/\(participantID)")
    }

    package func isPresent(participantID: Int64, atExchange publicID: Int64, in reader: LedgerReader) throws -> Bool {
        try Bool.fetchOne(
            reader.db.cachedStatement(sql: "SELECT 1 FROM pdb_netixlan WHERE net_id = ? AND ix_id = ? LIMIT 1"),
            arguments: [participantID, publicID]) ?? false
    }

    /// Public and users-visible contacts with an email address (private ones are never used).
    package func contacts(participantID: Int64, in reader: LedgerReader) throws -> [NetworkContact] {
        try PeerDirectory.contacts(reader.db, participant: participantID).compactMap { contact in
            guard let role = contact.role, let email = contact.email, !email.isEmpty else { return nil }
            return NetworkContact(role: role, name: contact.name, email: email)
        }
    }

    package func commonExchanges(ours: Int64, theirs: Int64, in reader: LedgerReader) throws -> [CommonExchange] {
        try PeerDirectory.commonExchanges(reader.db, ours: ours, theirs: theirs)
    }
}
