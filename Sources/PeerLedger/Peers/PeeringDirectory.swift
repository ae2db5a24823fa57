import PeerLedgerDomain

/// What the request actions need to know about exchanges and networks, which PeeringDB data
/// (its projections) provides. A protocol so the requests code does not depend on how that data
/// is stored; tests give a small fixed directory. Every method reads inside the command's own
/// transaction (`reader`), so what is checked is what is committed against.
package protocol PeeringDirectory: Sendable {
    /// The exchange's name (`Equinix Ashburn` for public_id 1), nil when there is none.
    func exchangeName(publicID: Int64, in reader: LedgerReader) throws -> String?
    /// A network by its participant id (PeeringDB net id), nil when there is none.
    func network(participantID: Int64, in reader: LedgerReader) throws -> DirectoryNetwork?
    /// True when the network has a presence (a port) at the exchange.
    func isPresent(participantID: Int64, atExchange publicID: Int64, in reader: LedgerReader) throws -> Bool
    /// The network's contacts (PeeringDB poc), any role.
    func contacts(participantID: Int64, in reader: LedgerReader) throws -> [NetworkContact]
    /// The exchanges where both networks are present, with each one's addresses there.
    func commonExchanges(ours: Int64, theirs: Int64, in reader: LedgerReader) throws -> [CommonExchange]
    /// True when the directory is the PeeringDB projections, so the peers projection knows every
    /// network it names (sendRequest then answers with the peer as getPeers shows it).
    var isPeeringDBProjection: Bool { get }
    /// Our own network as the ledger records it (`peerledger self`), if it does.
    func ownParticipantID(in reader: LedgerReader) throws -> Int64?
}

/// A network as the directory knows it.
public struct DirectoryNetwork: Sendable, Equatable {
    public var participantID: Int64
    public var asn: Int64
    public var name: String
    /// e.g. `https://www.peeringdb.com/net/2335`.
    public var peeringDBURL: String?

    public init(participantID: Int64, asn: Int64, name: String, peeringDBURL: String? = nil) {
        self.participantID = participantID
        self.asn = asn
        self.name = name
        self.peeringDBURL = peeringDBURL
    }
}

/// One of a network's points of contact: its role (`Policy`, `Technical`, `NOC`, ...) and email.
public struct NetworkContact: Sendable, Equatable {
    public var role: String
    public var name: String?
    public var email: String

    public init(role: String, name: String? = nil, email: String) {
        self.role = role
        self.name = name
        self.email = email
    }
}

/// An exchange where both networks are: its name and each side's addresses (IPv4 and IPv6).
public struct CommonExchange: Sendable, Equatable {
    public var publicID: Int64
    public var name: String
    public var ourAddresses: [String]
    public var theirAddresses: [String]

    public init(publicID: Int64, name: String, ourAddresses: [String], theirAddresses: [String]) {
        self.publicID = publicID
        self.name = name
        self.ourAddresses = ourAddresses
        self.theirAddresses = theirAddresses
    }
}

extension PeeringDirectory {
    package func ownParticipantID(in reader: LedgerReader) throws -> Int64? { nil }
    package var isPeeringDBProjection: Bool { false }
}

/// The directory before PeeringDB data is wired in: it knows no exchange and no network, so
/// every request is refused with a message saying so.
public struct EmptyPeeringDirectory: PeeringDirectory {
    public init() {}
    package func exchangeName(publicID: Int64, in reader: LedgerReader) throws -> String? { nil }
    package func network(participantID: Int64, in reader: LedgerReader) throws -> DirectoryNetwork? { nil }
    package func isPresent(participantID: Int64, atExchange publicID: Int64, in reader: LedgerReader) throws -> Bool { false }
    package func contacts(participantID: Int64, in reader: LedgerReader) throws -> [NetworkContact] { [] }
    package func commonExchanges(ours: Int64, theirs: Int64, in reader: LedgerReader) throws -> [CommonExchange] { [] }
}
