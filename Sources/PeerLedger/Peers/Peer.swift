import GRDB
package import PeerLedgerDomain

/// A network as seen at one exchange (or, without an exchange, the network alone): its PeeringDB
/// fields and our local status for it. What getPeers, getCommunications and the peer writes show.
package struct Peer: Sendable {
    package var netID: Int64
    /// The PeeringDB net, parsed (shared with every read of the same stored text).
    package var parsedNet: ParsedNet
    package var exchange: Int64?
    package var requestStatus: String?
    /// Set by updatePeer; nil means the default rule decides.
    package var qualifiedOverride: Bool?
    package var markedPeer: Bool
    package var notesPrivate: String?
    /// A non-deleted session with this network exists at this exchange (anywhere, without one).
    package var hasSession: Bool
    /// The network has an IPv4 / IPv6 address at the exchange.
    package var hasIPv4: Bool
    package var hasIPv6: Bool

    /// The PeeringDB net's tracked fields (v2 names).
    package var net: PeeringDBFields { parsedNet.fields }
    package var name: String { parsedNet.name }
    package var asn: Int64? { parsedNet.asn }
    package var isPeer: Bool { hasSession || markedPeer }

    package static func stream(participant: Int64, exchange: Int64) -> String { peerStream(participant: participant, exchange: exchange) }

    /// `qualified`: what updatePeer set, else the default rule (see `OwnNetwork.qualifies`), else
    /// null when our own network is not configured (nothing to judge against).
    package func qualified(own: OwnNetwork?) -> Bool? {
        if let qualifiedOverride { return qualifiedOverride }
        guard let own else { return nil }
        return own.qualifies(self)
    }
}
