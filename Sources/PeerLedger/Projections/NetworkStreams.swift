import GRDB
import PeerLedgerDomain

/// The streams whose events are about one network (an AS number): its PeeringDB objects, our
/// status with it at each exchange, the peering requests to it and the sessions with it. A
/// network's history is these streams' events in log order (`AuditQuery.streams`,
/// `AuditQuery.streamPrefixes`).
package struct NetworkStreams: Sendable, Equatable {
    /// `pdb-net-N`, its `pdb-netixlan-N` and `pdb-poc-N`, `request-N`, `session-N`.
    package var streams: [String]
    /// `peer-N@`: the network's status streams at every exchange.
    package var prefixes: [String]

    /// Nothing in the ledger names the network.
    package var isEmpty: Bool { streams.isEmpty && prefixes.isEmpty }

    /// The audit query for these streams' events.
    package var query: AuditQuery {
        var query = AuditQuery()
        query.streams = streams
        query.streamPrefixes = prefixes
        return query
    }

    static func load(asn: Int64, _ db: Database) throws -> NetworkStreams {
        let nets = try Int64.fetchAll(
            db, sql: "SELECT id FROM peeringdb_objects WHERE type = 'net' AND json_extract(fields, '$.asn') = ? ORDER BY id",
            arguments: [asn])
        var streams = nets.map { PeeringDBObjectType.net.stream($0) }
        for net in nets {
            for type in [PeeringDBObjectType.netixlan, .poc] {
                let ids = try Int64.fetchAll(
                    db, sql: "SELECT id FROM peeringdb_objects WHERE type = ? AND json_extract(fields, '$.net_id') = ? ORDER BY id",
                    arguments: [type.rawValue, net])
                streams += ids.map { type.stream($0) }
            }
        }
        var participants = Set(nets)
        let requests = try Row.fetchAll(
            db, sql: "SELECT id, peer_participant_id FROM requests WHERE peer_asn = ? ORDER BY id", arguments: [asn])
        for row in requests {
            streams.append(PeeringRequest.stream(row[0]))
            participants.insert(row[1])
        }
        let sessions = try Row.fetchAll(
            db, sql: "SELECT id, peer_participant_id FROM sessions WHERE peer_asn = ? ORDER BY id", arguments: [asn])
        for row in sessions {
            streams.append(Session.stream(row[0]))
            if let participant: Int64 = row[1] { participants.insert(participant) }
        }
        return NetworkStreams(streams: streams, prefixes: participants.sorted().map { peerStreamPrefix(participant: $0) })
    }
}

extension LedgerReader {
    /// The streams whose events are about the network `asn` (PeeringDB's objects for it, our
    /// status with it, requests to it, sessions with it, deleted ones included).
    package func networkStreams(asn: Int64) throws -> NetworkStreams { try NetworkStreams.load(asn: asn, db) }
}
