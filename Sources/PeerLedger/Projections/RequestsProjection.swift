import GRDB
import PeerLedgerDomain

/// The `requests` table behind getRequests: one row per peering request, with the delivery's
/// progress (queued, retrying, delivered, failed) as the outbox worker recorded it. It also
/// writes the requests' lines in the peers' communications history (`Request sent to EMAIL`).
struct RequestsProjection: Projection {
    var name: String { "requests" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "requests", order: "id")] }
    var eventTypes: Set<String> {
        [
                PeeringRequestSent.type, PeeringRequestDelivered.type, PeeringRequestDeliveryFailed.type, PeeringRequestFailedPermanently.type,
            PeeringRequestAnswered.type,
        ]
    }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        // Computed only for the events this projection handles (most events are not).
        var time: String { RecordedTime.apiText(recorded.recordedAt) }
        switch event {
        case let .peeringRequestSent(e):
            try Self.sent.execute(
                db, e.requestID, e.publicID, e.sourceParticipantID, e.sourceASN, e.peerParticipantID, e.peerASN,
                e.peerName, e.emailType, e.emailFrom, e.emailTo, e.cc, e.bcc, e.subject, e.body, e.status,
                e.messageID, time, recorded.recordedAt, time)
            try PeerLog.write(
                db, position: recorded.position, participant: e.peerParticipantID, exchange: e.publicID,
                message: "Request sent to \(e.emailTo)", recordedAt: recorded.recordedAt, requestID: e.requestID)
        case let .peeringRequestDelivered(e):
            try Self.delivered.execute(db, e.attempt, e.reply, time, time, e.requestID)
        case let .peeringRequestDeliveryFailed(e):
            let next = Timestamp(parsing: e.nextAttemptAt)?.apiText ?? e.nextAttemptAt
            try Self.retrying.execute(db, e.attempt, e.reply, next, time, e.requestID)
        case let .peeringRequestFailedPermanently(e):
            try Self.failed.execute(db, e.attempts, e.reply, time, e.requestID)
        case let .peeringRequestAnswered(e):
            if let requestID = e.requestID {
                try Self.answered.execute(db, e.status, time, requestID)
            }
            try PeerLog.write(
                db, position: recorded.position, participant: e.peerParticipantID, exchange: e.publicID,
                message: "Request \(e.status)", recordedAt: recorded.recordedAt, requestID: e.requestID)
        default:
            break
        }
    }

    static let sent = WriteStatement("""
        INSERT INTO requests (id, public_id, source_participant_id, source_asn, peer_participant_id, peer_asn,
            peer_name, email_type, email_from, email_to, email_cc, email_bcc, subject, body, status, message_id,
            delivery_status, delivery_attempts, created, created_at, modified)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)
        """)
    static let delivered = WriteStatement("""
        UPDATE requests SET delivery_status = 'delivered', delivery_attempts = ?, delivery_reply = ?,
            next_attempt = NULL, delivered = ?, modified = ? WHERE id = ?
        """)
    static let retrying = WriteStatement("""
        UPDATE requests SET delivery_status = 'retrying', delivery_attempts = ?, delivery_reply = ?,
            next_attempt = ?, modified = ? WHERE id = ?
        """)
    static let failed = WriteStatement("""
        UPDATE requests SET delivery_status = 'failed', delivery_attempts = ?, delivery_reply = ?,
            next_attempt = NULL, modified = ? WHERE id = ?
        """)
    static let answered = WriteStatement("UPDATE requests SET status = ?, modified = ? WHERE id = ?")
}
