import GRDB
import PeerLedgerDomain

/// Our own network (`own_network`) and each peer's local status (`peer_status`), with a
/// communications-history line for every status change.
struct PeersProjection: Projection {
    var name: String { "peers" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "own_network", order: "singleton"), (name: "peer_status", order: "participant_id, public_id")] }
    var eventTypes: Set<String> { [OwnNetworkSet.type, PeerStatusReset.type, PeerUpdated.type, PeeringRequestSent.type, PeeringRequestAnswered.type] }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        switch event {
        case let .ownNetworkSet(own):
            try Self.ownNetwork.execute(
                db, own.netID, own.asn, own.name, JSON.array(own.qualifiedPolicies.map(JSON.string)).serialized())
        case let .peerStatusReset(reset):
            try Self.reset.execute(db, reset.participantID, reset.publicID, recorded.streamVersion)
            try PeerLog.write(
                db, position: recorded.position, participant: reset.participantID, exchange: reset.publicID,
                message: "Peer status reset", recordedAt: recorded.recordedAt)
        case let .peerUpdated(updated):
            try upsert(updated.participantID, updated.publicID, recorded.streamVersion, db)
            for (field, change) in updated.changes.sorted(by: { $0.key < $1.key }) {
                guard let statement = PeerLocalField(rawValue: field).flatMap({ Self.setField[$0] }) else {
                    throw LedgerError.unreadableEvent(position: recorded.position, reason: "unknown peer field '\(field)'")
                }
                let value: DatabaseValue =
                    switch change.to {
                    case .null: .null
                    case let .bool(flag): (flag ? 1 : 0).databaseValue
                    case let .int(number): number.databaseValue
                    case let .text(text): text.databaseValue
                    }
                try statement.execute(db, value, updated.participantID, updated.publicID)
            }
            try PeerLog.write(
                db, position: recorded.position, participant: updated.participantID, exchange: updated.publicID,
                message: "Peer updated: " + PeerLocalField.describe(updated.changes), recordedAt: recorded.recordedAt)
        case let .peeringRequestSent(sent):
            try setRequestStatus(sent.status, participant: sent.peerParticipantID, exchange: sent.publicID, db)
        case let .peeringRequestAnswered(answered):
            try setRequestStatus(answered.status, participant: answered.peerParticipantID, exchange: answered.publicID, db)
        default:
            break
        }
    }

    /// A request sent or answered sets the peer's request_status (its history line is written by
    /// the requests projection). The peer's own stream version is left as it is.
    private func setRequestStatus(_ status: String, participant: Int64, exchange: Int64, _ db: Database) throws {
        try Self.requestStatus.execute(db, participant, exchange, status)
    }

    private func upsert(_ participant: Int64, _ exchange: Int64, _ version: Int64, _ db: Database) throws {
        try Self.upsert.execute(db, participant, exchange, version)
    }

    static let ownNetwork = WriteStatement("""
        INSERT OR REPLACE INTO own_network (singleton, net_id, asn, name, qualified_policies)
        VALUES (1, ?, ?, ?, ?)
        """)
    /// One upsert: a new row starts reset, a known one is reset and takes the version.
    static let reset = WriteStatement("""
        INSERT INTO peer_status (participant_id, public_id, version, request_status, qualified, marked_peer)
        VALUES (?, ?, ?, 'none', NULL, 0)
        ON CONFLICT (participant_id, public_id) DO UPDATE SET version = excluded.version, request_status = 'none',
            qualified = NULL, marked_peer = 0
        """)
    /// One statement per field updatePeer may set (its column name is SQL text, so it is fixed).
    static let setField = Dictionary(
        uniqueKeysWithValues: PeerLocalField.allCases.map { field in
            (field, WriteStatement("UPDATE peer_status SET \(field.column) = ? WHERE participant_id = ? AND public_id = ?"))
        })
    static let requestStatus = WriteStatement("""
        INSERT INTO peer_status (participant_id, public_id, version, request_status) VALUES (?, ?, 0, ?)
        ON CONFLICT (participant_id, public_id) DO UPDATE SET request_status = excluded.request_status
        """)
    static let upsert = WriteStatement("""
        INSERT INTO peer_status (participant_id, public_id, version) VALUES (?, ?, ?)
        ON CONFLICT (participant_id, public_id) DO UPDATE SET version = excluded.version
        """)
}

