import GRDB
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

    static func fetch(_ db: Database) throws -> OwnNetwork? {
        // Cached statements: every list read asks (compiling the view's JSON query was most of it).
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM own_network WHERE singleton = 1")) else { return nil }
        let policies = (try? JSON.parse(row["qualified_policies"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
        var own = OwnNetwork(netID: row["net_id"], asn: row["asn"], name: row["name"], qualifiedPolicies: policies, families: [:])
        for family in try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT ix_id, MAX(ipaddr4 IS NOT NULL AND ipaddr4 <> '') AS v4, MAX(ipaddr6 IS NOT NULL AND ipaddr6 <> '') AS v6
                    FROM pdb_netixlan WHERE net_id = ? GROUP BY ix_id
                    """), arguments: [own.netID])
        {
            own.families[family["ix_id"]] = (family["v4"] as Bool, family["v6"] as Bool)
        }
        return own
    }
}
