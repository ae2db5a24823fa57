import GRDB
import PeerLedgerDomain

/// A network as seen at one exchange (or, without an exchange, the network alone): its PeeringDB
/// fields and our local status for it. What getPeers, getCommunications and the peer writes show.
struct Peer: Sendable {
    var netID: Int64
    /// The PeeringDB net, parsed (shared with every read of the same stored text).
    var parsedNet: ParsedNet
    var exchange: Int64?
    var requestStatus: String?
    /// Set by updatePeer; nil means the default rule decides.
    var qualifiedOverride: Bool?
    var markedPeer: Bool
    var notesPrivate: String?
    /// A non-deleted session with this network exists at this exchange (anywhere, without one).
    var hasSession: Bool
    /// The network has an IPv4 / IPv6 address at the exchange.
    var hasIPv4: Bool
    var hasIPv6: Bool

    /// The PeeringDB net's tracked fields (v2 names).
    var net: PeeringDBFields { parsedNet.fields }
    var name: String { parsedNet.name }
    var asn: Int64? { parsedNet.asn }
    var isPeer: Bool { hasSession || markedPeer }

    static func stream(participant: Int64, exchange: Int64) -> String { peerStream(participant: participant, exchange: exchange) }

    /// `qualified`: what updatePeer set, else the default rule (see `OwnNetwork.qualifies`), else
    /// null when our own network is not configured (nothing to judge against).
    func qualified(own: OwnNetwork?) -> Bool? {
        if let qualifiedOverride { return qualifiedOverride }
        guard let own else { return nil }
        return own.qualifies(self)
    }
}
