import PeerLedgerDomain

/// Our own network (`peerledger self`) and where it is present, for the `qualified` rule and the
/// "common exchanges" with a peer.
package struct OwnNetwork: Sendable {
    package var netID: Int64
    package var asn: Int64
    package var name: String
    package var qualifiedPolicies: [String]
    /// Per exchange we are at: whether we have IPv4 and IPv6 addresses there.
    package var families: [Int64: (ipv4: Bool, ipv6: Bool)]

    /// The default rule: a peer is qualified when its `policy_general` is one of the configured
    /// policies (default Open, Selective), it is not our own network, and, at an exchange, it is
    /// present there in an address family we also have there.
    package func qualifies(_ peer: Peer) -> Bool {
        guard peer.netID != netID, let policy = peer.parsedNet.policyGeneral, qualifiedPolicies.contains(policy)
        else { return false }
        guard let exchange = peer.exchange else { return true }
        guard let ours = families[exchange] else { return false }
        return (ours.ipv4 && peer.hasIPv4) || (ours.ipv6 && peer.hasIPv6)
    }

    package static let defaultPolicies = ["Open", "Selective"]
}
