import GRDB
import PeerLedgerDomain

extension PeerDirectory {
    /// The exchanges where our network and `participant` are both present, by name (byte order).
    /// Empty when our network is not configured.
    static func commonExchanges(_ db: Database, participant: Int64) throws -> [CommonExchange] {
        guard let own = try OwnNetwork.fetch(db) else { return [] }
        return try commonExchanges(db, ours: own.netID, theirs: participant)
    }

    /// The exchanges where networks `ours` and `theirs` are both present, with each side's addresses.
    static func commonExchanges(_ db: Database, ours ourNet: Int64, theirs participant: Int64) throws -> [CommonExchange] {
        func addresses(_ net: Int64) throws -> [Int64: [String]] {
            var byExchange: [Int64: [String]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT ix_id, ipaddr4, ipaddr6 FROM pdb_netixlan WHERE net_id = ? ORDER BY id", arguments: [net])
            {
                let found = [row["ipaddr4"] as String?, row["ipaddr6"] as String?].compactMap { $0 }.filter { !$0.isEmpty }
                byExchange[row["ix_id"], default: []] += found
            }
            return byExchange
        }
        let ours = try addresses(ourNet)
        let theirs = try addresses(participant)
        var common: [CommonExchange] = []
        for (exchange, peerAddresses) in theirs where ours[exchange] != nil {
            guard let name = try exchangeName(db, exchange) else { continue }
            common.append(CommonExchange(publicID: exchange, name: name, ourAddresses: ours[exchange] ?? [], theirAddresses: peerAddresses))
        }
        return common.sorted { a, b in
            a.name == b.name ? a.publicID < b.publicID : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }
}

extension Ledger {
    /// The exchanges we share with network `participant` (PeeringDB net id).
    public func commonExchanges(with participant: Int64) throws -> [CommonExchange] {
        try readNow { db in try PeerDirectory.commonExchanges(db, participant: participant) }
    }
}
