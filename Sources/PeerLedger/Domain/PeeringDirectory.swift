package import GRDB
public import PeerLedgerDomain

/// What the request actions need to know about exchanges and networks, which PeeringDB data
/// (its projections) provides. A protocol so the requests code does not depend on how that data
/// is stored; tests give a small fixed directory. Every method reads inside the command's own
/// transaction (`db`), so what is checked is what is committed against.
package protocol PeeringDirectory: Sendable {
    /// The exchange's name (`Equinix Ashburn` for public_id 1), nil when there is none.
    func exchangeName(publicID: Int64, in db: Database) throws -> String?
    /// A network by its participant id (PeeringDB net id), nil when there is none.
    func network(participantID: Int64, in db: Database) throws -> DirectoryNetwork?
    /// True when the network has a presence (a port) at the exchange.
    func isPresent(participantID: Int64, atExchange publicID: Int64, in db: Database) throws -> Bool
    /// The network's contacts (PeeringDB poc), any role.
    func contacts(participantID: Int64, in db: Database) throws -> [NetworkContact]
    /// The exchanges where both networks are present, with each one's addresses there.
    func commonExchanges(ours: Int64, theirs: Int64, in db: Database) throws -> [CommonExchange]
    /// The peer as sendRequest answers it (getPeers' shape, with its request_status and log).
    func peer(participantID: Int64, publicID: Int64, in db: Database) throws -> JSON?
    /// Our own network as the ledger records it (`peerledger self`), if it does.
    func ownParticipantID(in db: Database) throws -> Int64?
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
    package func ownParticipantID(in db: Database) throws -> Int64? { nil }

    /// A minimal peer until the peers projection answers: the network, its latest request status
    /// at the exchange, and its history there.
    package func peer(participantID: Int64, publicID: Int64, in db: Database) throws -> JSON? {
        guard let network = try network(participantID: participantID, in: db) else { return nil }
        let status = try String.fetchOne(
            db, sql: "SELECT status FROM requests WHERE peer_participant_id = ? AND public_id = ? ORDER BY id DESC LIMIT 1",
            arguments: [participantID, publicID])
        return .object([
            ("id", .numericString(participantID)),
            ("public_id", .numericString(publicID)),
            ("asn", .numericString(network.asn)),
            ("name", .string(network.name)),
            ("request_status", .string(status)),
            ("log_data", .array(try PeerLog.entries(db, participant: participantID, exchange: publicID))),
        ])
    }
}

/// The directory before PeeringDB data is wired in: it knows no exchange and no network, so
/// every request is refused with a message saying so.
public struct EmptyPeeringDirectory: PeeringDirectory {
    public init() {}
    package func exchangeName(publicID: Int64, in db: Database) throws -> String? { nil }
    package func network(participantID: Int64, in db: Database) throws -> DirectoryNetwork? { nil }
    package func isPresent(participantID: Int64, atExchange publicID: Int64, in db: Database) throws -> Bool { false }
    package func contacts(participantID: Int64, in db: Database) throws -> [NetworkContact] { [] }
    package func commonExchanges(ours: Int64, theirs: Int64, in db: Database) throws -> [CommonExchange] { [] }
}
