import GRDB
import PeerLedgerDomain

/// Reading peers from the projections (never from the events table).
package enum PeerDirectory {
    /// The name of exchange `id`, or nil when PeeringDB has no such exchange.
    static func exchangeName(_ db: Database, _ id: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT name FROM pdb_ix WHERE id = ?"), arguments: [id])
    }

    static func networkExists(_ db: Database, _ id: Int64) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM peeringdb_objects WHERE type = 'net' AND id = ?"), arguments: [id]) ?? false
    }

    /// Every network present at `exchange` (one entry per network, however many addresses).
    /// `summary`: only the net's `name`, `asn` and `policy_general` (read by SQLite), which is all
    /// getCommunications shows or needs for `qualified`, instead of every field parsed in Swift.
    /// A whole exchange's members with their full nets are read by `ExchangeMembers` (the same
    /// peers, fewer JSON parses in SQLite) unless a record is not in its canonical shape.
    static func members(_ db: Database, exchange: Int64, participant: Int64? = nil, summary: Bool = false) throws -> [Peer] {
        let withSessions = try networksWithSessions(db, exchange: exchange)
        if participant == nil, !summary, let members = try ExchangeMembers.read(db, exchange: exchange, withSessions: withSessions) {
            return members
        }
        return try queriedMembers(db, exchange: exchange, participant: participant, summary: summary, withSessions: withSessions)
    }

    /// `members` through one general query (every shape of record SQLite's JSON functions read).
    static func queriedMembers(
        _ db: Database, exchange: Int64, participant: Int64? = nil, summary: Bool = false, withSessions: Set<Int64>? = nil
    ) throws -> [Peer] {
        let withSessions = try withSessions ?? networksWithSessions(db, exchange: exchange)
        let net =
            summary
            ? "json_extract(n.fields, '$.name'), json_extract(n.fields, '$.asn'), json_extract(n.fields, '$.policy_general')"
            : "n.fields, NULL, NULL"
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT n.id, m.v4, m.v6, ps.request_status, ps.qualified, COALESCE(ps.marked_peer, 0) AS marked_peer, ps.notes_private,
                           \(net)
                    FROM (SELECT net_id, MAX(ipaddr4 IS NOT NULL AND ipaddr4 <> '') AS v4,
                                 MAX(ipaddr6 IS NOT NULL AND ipaddr6 <> '') AS v6
                          FROM pdb_netixlan WHERE ix_id = :ix AND (:net IS NULL OR net_id = :net) GROUP BY net_id) m
                    JOIN peeringdb_objects n ON n.type = 'net' AND n.id = m.net_id
                    LEFT JOIN peer_status ps ON ps.participant_id = n.id AND ps.public_id = :ix
                    """), arguments: ["ix": exchange, "net": participant])
        var peers: [Peer] = []
        while let row = try rows.next() {
            peers.append(peer(row, exchange: exchange, withSessions: withSessions, summary: summary))
        }
        return peers
    }

    /// Every network in PeeringDB, without an exchange (getPeers without public_id).
    static func networks(_ db: Database, participant: Int64? = nil) throws -> [Peer] {
        let withSessions = try networksWithSessions(db, exchange: nil)
        return try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT n.id, 0 AS v4, 0 AS v6, NULL AS request_status, NULL AS qualified, 0 AS marked_peer,
                           NULL AS notes_private, n.fields
                    FROM peeringdb_objects n WHERE n.type = 'net' AND (:net IS NULL OR n.id = :net)
                    """), arguments: ["net": participant]
        ).map { peer($0, exchange: nil, withSessions: withSessions, summary: false) }
    }

    /// The networks we have a non-deleted session with at `exchange` (anywhere, without one): read
    /// once per call instead of a correlated EXISTS per network, which scanned the exchange's
    /// sessions once for each member (sessions are indexed by exchange, not by peer).
    static func networksWithSessions(_ db: Database, exchange: Int64?) throws -> Set<Int64> {
        let statement =
            if exchange != nil {
                try db.cachedStatement(
                    sql: "SELECT DISTINCT peer_participant_id FROM sessions WHERE public_id = ? AND deleted = 0 AND peer_participant_id IS NOT NULL")
            } else {
                try db.cachedStatement(
                    sql: "SELECT DISTINCT peer_participant_id FROM sessions WHERE deleted = 0 AND peer_participant_id IS NOT NULL")
            }
        return Set(try Int64.fetchAll(statement, arguments: exchange.map { [$0] } ?? []))
    }

    /// Columns by position: id, v4, v6, request_status, qualified, marked_peer, notes_private,
    /// then the net's canonical fields (or, for a summary, its name, asn and policy_general).
    private static func peer(_ row: Row, exchange: Int64?, withSessions: Set<Int64>, summary: Bool) -> Peer {
        let id: Int64 = row[0]
        let net: ParsedNet
        if summary {
            var fields: PeeringDBFields = [:]
            if let name: String = row[7] { fields["name"] = .text(name) }
            if let asn: Int64 = row[8] { fields["asn"] = .int(asn) }
            if let policy: String = row[9] { fields["policy_general"] = .text(policy) }
            net = ParsedNet(fields: fields)
        } else {
            var text: String = row[7]
            net = text.withUTF8 { ParsedNetCache.shared.net(id: id, text: UnsafeRawBufferPointer($0)) }
        }
        return Peer(
            netID: id, parsedNet: net, exchange: exchange, requestStatus: row[3], qualifiedOverride: row[4], markedPeer: row[5],
            notesPrivate: row[6], hasSession: withSessions.contains(id), hasIPv4: row[1], hasIPv6: row[2])
    }

    /// The network's addresses at the exchange (everywhere, without one), IPv4 before IPv6.
    static func publicIPs(_ db: Database, participant: Int64, exchange: Int64?) throws -> [PublicAddress] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT ix_id, ipaddr4, ipaddr6 FROM pdb_netixlan WHERE net_id = ? AND (? IS NULL OR ix_id = ?) ORDER BY ix_id, id
                """, arguments: [participant, exchange, exchange]
        ).flatMap { row -> [PublicAddress] in
            [("ipv4", row["ipaddr4"] as String?), ("ipv6", row["ipaddr6"] as String?)].compactMap { type, address in
                guard let address, !address.isEmpty else { return nil }
                return PublicAddress(publicID: row["ix_id"], ipType: type, address: address)
            }
        }
    }

    /// PeeringDB contacts (poc) visible to the public or to PeeringDB users; private ones never.
    static func contacts(_ db: Database, participant: Int64) throws -> [PeerContact] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT role, name, email, phone FROM pdb_poc WHERE net_id = ? AND visible IN ('Public', 'Users') ORDER BY id
                """, arguments: [participant]
        ).map { row in PeerContact(role: row["role"], name: row["name"], email: row["email"], phone: row["phone"]) }
    }

    /// The communications history of the network at the exchange (at every exchange, without one).
    static func log(_ db: Database, participant: Int64, exchange: Int64?) throws -> [PeerLogEntry] {
        if let exchange { return try logEntries(db, participant: participant, exchange: exchange) }
        return try Row.fetchAll(
            db, sql: """
                SELECT message, time, request_id, session_id, public_id FROM peer_log
                WHERE peer_participant_id = ? ORDER BY position DESC
                """, arguments: [participant]
        ).map { row in
            PeerLogEntry(
                message: row["message"], time: row["time"], requestID: row["request_id"], sessionID: row["session_id"],
                publicID: row["public_id"])
        }
    }

    /// A peer's history at one exchange, newest first, read through a cursor by column position:
    /// getCommunications reads it for every member (40 lines each at the big exchange of the 1M
    /// world), and GRDB's lookups by column name were a good part of that.
    static func logEntries(_ db: Database, participant: Int64, exchange: Int64) throws -> [PeerLogEntry] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: """
                SELECT message, time, request_id, session_id, public_id FROM peer_log
                WHERE peer_participant_id = ? AND public_id = ? ORDER BY position DESC
                """), arguments: [participant, exchange])
        var entries: [PeerLogEntry] = []
        while let row = try rows.next() {
            entries.append(PeerLogEntry(message: row[0], time: row[1], requestID: row[2], sessionID: row[3], publicID: row[4]))
        }
        return entries
    }

    /// Peers in the API's order: by name, byte order (`tw telecom` after `Zayo`), then id.
    package static func sorted(_ peers: [Peer]) -> [Peer] {
        // Each name's bytes are taken once per parse (`ParsedNet.nameBytes`), not per comparison.
        peers.sorted { a, b in
            let left = a.parsedNet.nameBytes, right = b.parsedNet.nameBytes
            return left == right ? a.netID < b.netID : left.lexicographicallyPrecedes(right)
        }
    }
}
