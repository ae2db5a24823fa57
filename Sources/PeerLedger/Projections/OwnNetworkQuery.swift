import GRDB
import PeerLedgerDomain

extension OwnNetwork {
    /// Our own network as the peers projection records it, with the address families we have at
    /// each exchange (from PeeringDB's netixlan records); nil until `peerledger self` sets it.
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
