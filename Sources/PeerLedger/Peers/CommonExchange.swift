import GRDB

/// One exchange where both we and a peer are present, with the peer's addresses there: what a
/// peering request lists ("Equinix Ashburn - 206.126.236.68").
public struct CommonExchange: Sendable, Equatable {
    public var exchangeID: Int64
    public var name: String
    public var peerAddresses: [String]
    public var ourAddresses: [String]
}

extension PeerDirectory {
    /// The exchanges where our network and `participant` are both present, by name (byte order).
    /// Empty when our network is not configured.
    static func commonExchanges(_ db: Database, participant: Int64) throws -> [CommonExchange] {
        guard let own = try OwnNetwork.fetch(db) else { return [] }
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
        let ours = try addresses(own.netID)
        let theirs = try addresses(participant)
        var common: [CommonExchange] = []
        for (exchange, peerAddresses) in theirs where ours[exchange] != nil {
            guard let name = try exchangeName(db, exchange) else { continue }
            common.append(CommonExchange(exchangeID: exchange, name: name, peerAddresses: peerAddresses, ourAddresses: ours[exchange] ?? []))
        }
        return common.sorted { a, b in
            a.name == b.name ? a.exchangeID < b.exchangeID : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }
}

extension Ledger {
    /// The exchanges we share with network `participant` (PeeringDB net id).
    public func commonExchanges(with participant: Int64) throws -> [CommonExchange] {
        try readNow { db in try PeerDirectory.commonExchanges(db, participant: participant) }
    }
}
