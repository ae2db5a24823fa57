package import GRDB
public import PeerLedgerDomain

/// The `PeeringDirectory` the request actions use in production: the PeeringDB projections
/// (exchanges, networks, addresses, contacts) and the peers projection, read inside the
/// command's own transaction.
public struct ProjectedPeeringDirectory: PeeringDirectory {
    public init() {}

    package func ownParticipantID(in db: Database) throws -> Int64? {
        try OwnNetwork.fetch(db)?.netID
    }

    package func exchangeName(publicID: Int64, in db: Database) throws -> String? {
        try PeerDirectory.exchangeName(db, publicID)
    }

    package func network(participantID: Int64, in db: Database) throws -> DirectoryNetwork? {
        guard
            let text = try String.fetchOne(
                db.cachedStatement(sql: "SELECT fields FROM peeringdb_objects WHERE type = 'net' AND id = ?"),
                arguments: [participantID])
        else { return nil }
        let fields = PeeringDBFields.parsingCanonical(text)
        guard case let .int(asn)? = fields["asn"] else { return nil }
        return DirectoryNetwork(
            participantID: participantID, asn: asn, name: fields["name"]?.text ?? "AS\(asn)",
            peeringDBURL: "https://www.peeringdb.com/net/\(participantID)")
    }

    package func isPresent(participantID: Int64, atExchange publicID: Int64, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM pdb_netixlan WHERE net_id = ? AND ix_id = ? LIMIT 1"),
            arguments: [participantID, publicID]) ?? false
    }

    /// Public and users-visible contacts with an email address (private ones are never used).
    package func contacts(participantID: Int64, in db: Database) throws -> [NetworkContact] {
        try PeerDirectory.contacts(db, participant: participantID).compactMap { contact in
            guard let role = contact["role"]?.stringValue, let email = contact["email"]?.stringValue, !email.isEmpty else {
                return nil
            }
            return NetworkContact(role: role, name: contact["name"]?.stringValue, email: email)
        }
    }

    package func commonExchanges(ours: Int64, theirs: Int64, in db: Database) throws -> [CommonExchange] {
        try PeerDirectory.commonExchanges(db, ours: ours, theirs: theirs)
    }

    /// The peer in getPeers' shape, with its history, as resetPeerStatus answers it.
    package func peer(participantID: Int64, publicID: Int64, in db: Database) throws -> JSON? {
        do {
            return try PeerActions.answer(db, participant: participantID, exchange: publicID)
        } catch is Refusal {
            return nil
        }
    }
}
