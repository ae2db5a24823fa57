import PeerLedgerDomain

/// The `PeeringDirectory` the request actions use in production: the PeeringDB projections
/// (exchanges, networks, addresses, contacts) and the peers projection, read inside the
/// command's own transaction.
public struct ProjectedPeeringDirectory: PeeringDirectory {
    public init() {}

    package var isPeeringDBProjection: Bool { true }

    package func ownParticipantID(in reader: LedgerReader) throws -> Int64? {
        try reader.ownNetwork()?.netID
    }

    package func exchangeName(publicID: Int64, in reader: LedgerReader) throws -> String? {
        try reader.exchangeName(publicID)
    }

    package func network(participantID: Int64, in reader: LedgerReader) throws -> DirectoryNetwork? {
        guard let text = try reader.networkFields(participantID) else { return nil }
        let fields = PeeringDBFields.parsingCanonical(text)
        guard case let .int(asn)? = fields["asn"] else { return nil }
        return DirectoryNetwork(
            participantID: participantID, asn: asn, name: fields["name"]?.text ?? "AS\(asn)",
            peeringDBURL: "https://www.peeringdb.com/net/\(participantID)")
    }

    package func isPresent(participantID: Int64, atExchange publicID: Int64, in reader: LedgerReader) throws -> Bool {
        try reader.isPresent(participant: participantID, atExchange: publicID)
    }

    /// Public and users-visible contacts with an email address (private ones are never used).
    package func contacts(participantID: Int64, in reader: LedgerReader) throws -> [NetworkContact] {
        try reader.contacts(participant: participantID).compactMap { contact in
            guard let role = contact.role, let email = contact.email, !email.isEmpty else { return nil }
            return NetworkContact(role: role, name: contact.name, email: email)
        }
    }

    package func commonExchanges(ours: Int64, theirs: Int64, in reader: LedgerReader) throws -> [CommonExchange] {
        try reader.commonExchanges(ours: ours, theirs: theirs)
    }
}
