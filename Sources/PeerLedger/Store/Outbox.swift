import Foundation
package import GRDB
package import PeerLedgerDomain

/// The transactional outbox: each request's message is stored by the command that records the
/// request, in the same transaction, so a request is never recorded without its message nor its
/// message sent without the record. The delivery worker claims due rows, sends them, and records
/// each outcome as an event in the transaction that updates the row.
public enum Outbox {
    /// One message owed to a mail server.
    public struct Item: Sendable, Equatable {
        public var requestID: Int64
        public var messageID: String
        public var mail: OutgoingMail
        /// Attempts made before this one.
        public var attempts: Int
    }

    /// Queues `mail` for request `requestID`, due at once.
    static func enqueue(_ db: Database, requestID: Int64, messageID: String, mail: OutgoingMail, now: Timestamp) throws {
        let recipients = JSON.array(mail.recipients.map(JSON.string)).serialized()
        try db.execute(
            sql: """
                INSERT INTO outbox (request_id, message_id, sender, recipients, message, state, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)
                """,
            arguments: [requestID, messageID, mail.sender, recipients, mail.message, now.iso8601, now.iso8601])
    }

    /// Claims the pending rows due at `now` that no live worker holds, until `until`: a second
    /// worker (a `peerledger outbox deliver` beside `serve`) skips them, and a worker that died
    /// mid-send leaves them to be retried once the claim lapses.
    static func claimDue(_ db: Database, now: Timestamp, until: Timestamp, limit: Int) throws -> [Item] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT request_id, message_id, sender, recipients, message, attempts FROM outbox
                WHERE state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY next_attempt_at, request_id LIMIT ?
                """,
            arguments: [now.iso8601, now.iso8601, limit])
        var items: [Item] = []
        for row in rows {
            let recipients = (try? JSON.parse(row["recipients"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
            let item = Item(
                requestID: row["request_id"], messageID: row["message_id"],
                mail: OutgoingMail(sender: row["sender"], recipients: recipients, message: row["message"]),
                attempts: row["attempts"])
            try db.execute(
                sql: "UPDATE outbox SET claimed_until = ? WHERE request_id = ?", arguments: [until.iso8601, item.requestID])
            items.append(item)
        }
        return items
    }

    /// The row's state, or nil when there is none.
    static func state(_ db: Database, requestID: Int64) throws -> String? {
        try String.fetchOne(db, sql: "SELECT state FROM outbox WHERE request_id = ?", arguments: [requestID])
    }

    static func update(
        _ db: Database, requestID: Int64, state: String, attempts: Int, reply: String, nextAttempt: Timestamp?
    ) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET state = ?, attempts = ?, last_reply = ?, claimed_until = NULL,
                    next_attempt_at = COALESCE(?, next_attempt_at) WHERE request_id = ?
                """,
            arguments: [state, attempts, reply, nextAttempt?.iso8601, requestID])
    }

    /// A message queued through another node, as a ledger that follows a log of record copies it
    /// in (`Ledger.copyIn`): pending from when it was queued, unless the row is here already.
    static func copyIn(_ db: Database, _ queued: QueuedMail) throws {
        let recipients = JSON.array(queued.mail.recipients.map(JSON.string)).serialized()
        try db.execute(
            sql: """
                INSERT INTO outbox (request_id, message_id, sender, recipients, message, state, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (request_id) DO NOTHING
                """,
            arguments: [queued.requestID, queued.messageID, queued.mail.sender, recipients, queued.mail.message, queued.queuedAt, queued.queuedAt])
    }

    /// A delivery attempt made by another node, as a ledger that follows a log of record copies
    /// its event in: the row settled as that node settled its own, so no node sends it again.
    static func copyIn(_ db: Database, _ event: RecordedEvent) throws {
        switch event.type {
        case PeeringRequestDelivered.type:
            guard case let .peeringRequestDelivered(done) = try LedgerEvent(event) else { return }
            try update(db, requestID: done.requestID, state: "delivered", attempts: done.attempt, reply: done.reply, nextAttempt: nil)
        case PeeringRequestFailedPermanently.type:
            guard case let .peeringRequestFailedPermanently(failed) = try LedgerEvent(event) else { return }
            try update(db, requestID: failed.requestID, state: "failed", attempts: failed.attempts, reply: failed.reply, nextAttempt: nil)
        case PeeringRequestDeliveryFailed.type:
            guard case let .peeringRequestDeliveryFailed(failed) = try LedgerEvent(event) else { return }
            try update(
                db, requestID: failed.requestID, state: "pending", attempts: failed.attempt, reply: failed.reply,
                nextAttempt: Timestamp(parsing: failed.nextAttemptAt))
        default: return
        }
    }

    /// Counts by state, for `outbox status` and tests.
    package static func counts(_ db: Database) throws -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").map {
                ($0["state"] as String, $0["n"] as Int)
            })
    }
}

extension LedgerTransaction {
    /// Queues `mail` for request `requestID`, due at once, in this command's transaction: it is
    /// sent only if the command commits.
    package func enqueueMail(requestID: Int64, messageID: String, mail: OutgoingMail) throws {
        try Outbox.enqueue(db, requestID: requestID, messageID: messageID, mail: mail, now: recordedAt)
        // On a ledger that follows a log of record, the message goes there too, for every node.
        if record != nil {
            forRecord.mail.append(QueuedMail(requestID: requestID, messageID: messageID, mail: mail, queuedAt: recordedAt.iso8601))
        }
    }

    /// The outbox row's state for request `requestID` (`pending`, `delivered`, `failed`), or nil
    /// when there is none.
    package func mailState(requestID: Int64) throws -> String? { try Outbox.state(db, requestID: requestID) }

    /// Records a delivery attempt's outcome on the outbox row, in the transaction that appends its
    /// event: the row's state and attempts, the server's reply, the claim released, and for a
    /// retry the next attempt's time.
    package func settleMail(requestID: Int64, state: String, attempts: Int, reply: String, nextAttempt: Timestamp?) throws {
        try Outbox.update(db, requestID: requestID, state: state, attempts: attempts, reply: reply, nextAttempt: nextAttempt)
    }
}

extension Ledger {
    /// Claims up to `limit` messages due at `now` for one delivery pass, until `until`, in a
    /// transaction of their own (see `Outbox.claimDue`).
    package func claimDueMail(now: Timestamp, until: Timestamp, limit: Int) async throws -> [Outbox.Item] {
        try await database.write { db in try Outbox.claimDue(db, now: now, until: until, limit: limit) }
    }
}

extension Ledger {
    /// The outbox's messages by state (`pending`, `delivered`, `failed`): what `outbox status`
    /// prints, for metrics.
    package func outboxCounts() async throws -> [String: Int] {
        try await read { db in try Outbox.counts(db) }
    }
}
