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

    /// The first network (by id) with `asn` and its name, or nil when PeeringDB has none.
    package func network(asn: Int64) throws -> (id: Int64, name: String)? {
        try Row.fetchOne(db, sql: "SELECT id, name FROM pdb_net WHERE asn = ? ORDER BY id LIMIT 1", arguments: [asn])
            .map { row in (row["id"], row["name"]) }
    }

    /// Network `id`'s PeeringDB fields as stored (canonical text), or nil when there is no such net.
    package func networkFields(_ id: Int64) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT fields FROM peeringdb_objects WHERE type = 'net' AND id = ?"), arguments: [id])
    }

    /// True when network `participant` has an address record at exchange `exchange`.
    package func isPresent(participant: Int64, atExchange exchange: Int64) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM pdb_netixlan WHERE net_id = ? AND ix_id = ? LIMIT 1"),
            arguments: [participant, exchange]) ?? false
    }

    /// The exchanges where networks `ours` and `theirs` are both present, with each side's
    /// addresses, by name.
    package func commonExchanges(ours: Int64, theirs: Int64) throws -> [CommonExchange] {
        try PeerDirectory.commonExchanges(db, ours: ours, theirs: theirs)
    }

    /// Every address record at the exchanges `1...lastExchange`, in PeeringDB's order: (exchange,
    /// network, IPv4, IPv6).
    package func exchangeAddresses(throughExchange lastExchange: Int64) throws
        -> [(exchange: Int64, network: Int64, ipv4: String?, ipv6: String?)]
    {
        var rows: [(exchange: Int64, network: Int64, ipv4: String?, ipv6: String?)] = []
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT ix_id, net_id, ipaddr4, ipaddr6 FROM pdb_netixlan WHERE ix_id <= ? ORDER BY id",
            arguments: [lastExchange])
        while let row = try cursor.next() {
            guard let exchange = row[0] as Int64?, let network = row[1] as Int64? else { continue }
            rows.append((exchange, network, row[2], row[3]))
        }
        return rows
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
