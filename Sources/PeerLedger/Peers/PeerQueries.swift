import GRDB
import PeerLedgerDomain

/// One of a network's addresses at an exchange (PeeringDB netixlan).
package struct PublicAddress: Sendable, Equatable {
    package var publicID: Int64?
    /// `ipv4` or `ipv6`.
    package var ipType: String
    package var address: String
}

/// One of a network's PeeringDB contacts (poc), as PeeringDB publishes it.
package struct PeerContact: Sendable, Equatable {
    package var role: String?
    package var name: String?
    package var email: String?
    package var phone: String?
}

/// One line of the communications history with a network at an exchange.
package struct PeerLogEntry: Sendable, Equatable {
    package var message: String
    /// As the API shows it (`2014-04-23 10:31:33`).
    package var time: String
    package var requestID: Int64?
    package var sessionID: Int64?
    package var publicID: Int64?
}

/// The peer reads a face makes: exchanges, networks and our status with each, from the PeeringDB
/// and peers projections.
extension LedgerReader {
    /// The name of exchange `id`, or nil when PeeringDB has no such exchange.
    package func exchangeName(_ id: Int64) throws -> String? { try PeerDirectory.exchangeName(db, id) }

    /// True when PeeringDB has network `id`.
    package func networkExists(_ id: Int64) throws -> Bool { try PeerDirectory.networkExists(db, id) }

    /// The id of the network with `asn`, or nil when PeeringDB has none.
    package func networkID(asn: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM pdb_net WHERE asn = ?"), arguments: [asn])
    }

    /// Every network present at `exchange`, or only `participant` there; `summary` reads only
    /// what getCommunications shows.
    package func members(exchange: Int64, participant: Int64? = nil, summary: Bool = false) throws -> [Peer] {
        try PeerDirectory.members(db, exchange: exchange, participant: participant, summary: summary)
    }

    /// Every network in PeeringDB (or only `participant`), without an exchange.
    package func networks(participant: Int64? = nil) throws -> [Peer] {
        try PeerDirectory.networks(db, participant: participant)
    }

    /// Our own network (`peerledger self`) and where it is present, when the ledger records it.
    package func ownNetwork() throws -> OwnNetwork? { try OwnNetwork.fetch(db) }

    /// The network's addresses at the exchange (everywhere, without one).
    package func publicIPs(participant: Int64, exchange: Int64?) throws -> [PublicAddress] {
        try PeerDirectory.publicIPs(db, participant: participant, exchange: exchange)
    }

    /// The network's public and users-visible PeeringDB contacts.
    package func contacts(participant: Int64) throws -> [PeerContact] { try PeerDirectory.contacts(db, participant: participant) }

    /// The communications history with the network at the exchange (at every exchange, without
    /// one), newest first.
    package func peerLog(participant: Int64, exchange: Int64?) throws -> [PeerLogEntry] {
        try PeerDirectory.log(db, participant: participant, exchange: exchange)
    }

    /// The history at one exchange, read for every member of a list (getCommunications).
    package func peerLogEntries(participant: Int64, exchange: Int64) throws -> [PeerLogEntry] {
        try PeerDirectory.logEntries(db, participant: participant, exchange: exchange)
    }
}
