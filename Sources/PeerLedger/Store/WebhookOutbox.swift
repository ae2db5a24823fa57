import Foundation
import GRDB
public import PeerLedgerDomain

/// One attempt at delivering an event to a webhook, as the delivery log keeps it.
public struct WebhookDelivery: Sendable, Equatable {
    public var id: Int64
    public var webhookID: Int64
    /// The event's log position.
    public var position: Int64
    /// 1 for the first attempt at this event.
    public var attempt: Int64
    /// The receiver's HTTP status; nil when none came (refused, timed out).
    public var status: Int64?
    public var error: String?
    public var delivered: Bool
    /// RFC 3339.
    public var attemptedAt: String
}

/// An event owed to a subscription, claimed by one delivery worker: where it goes, the secret
/// that signs it, and the cursor it was claimed at.
package struct WebhookJob: Sendable {
    package var webhookID: Int64
    package var url: String
    /// The signing secret (`whsec_...`): never logged, never recorded.
    package var secret: String
    /// The event to deliver, the first matching one after the cursor.
    package var event: RecordedEvent
    /// The cursor when claimed: the last position delivered or passed over.
    package var cursor: Int64
    /// Failed attempts at this event so far.
    package var attempts: Int64
    /// The first failed attempt since the last success, if one failed.
    package var failingSince: Timestamp?
}

/// The webhook delivery side tables (`webhook_cursors`, `webhook_deliveries`): the only code that
/// reads or writes them. Like the mail outbox they are not rebuilt from the log nor exported.
enum WebhookOutbox {
    /// The cursor row of a new subscription: it starts after the subscription's own event.
    static func start(_ db: Database, webhookID: Int64, after position: Int64, now: Timestamp) throws {
        try db.execute(
            sql: """
                INSERT INTO webhook_cursors (webhook_id, position, attempts, next_attempt_at) VALUES (?, ?, 0, ?)
                ON CONFLICT (webhook_id) DO NOTHING
                """,
            arguments: [webhookID, position, now.iso8601])
    }

    /// A subscription made through another node, as a ledger that follows a log of record copies
    /// its event in (`Ledger.copyIn`): its cursor starts after that event, as on the node that
    /// made it, so the node leading the deliveries skips none of the events since.
    static func copyIn(_ db: Database, _ event: RecordedEvent) throws {
        guard event.type == WebhookSubscribed.type, case let .webhookSubscribed(subscribed) = try LedgerEvent(event),
            let at = Timestamp(parsing: event.recordedAt)
        else { return }
        try start(db, webhookID: subscribed.webhookID, after: event.position, now: at)
    }

    /// Whether any active subscription may have an event due at `now`: one without a cursor, or
    /// whose cursor is behind the head, due and not held. A read, so that a pass woken by a
    /// commit takes the write lock only when there is something to claim.
    static func anyDue(_ db: Database, now: Timestamp) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (
                    SELECT 1 FROM webhooks w LEFT JOIN webhook_cursors c ON c.webhook_id = w.id
                    WHERE w.status = 'active' AND (c.webhook_id IS NULL OR (
                        c.position < (SELECT COALESCE(MAX(position), 0) FROM events) AND c.next_attempt_at <= ?
                        AND (c.claimed_until IS NULL OR c.claimed_until <= ?))))
                """,
            arguments: [now.iso8601, now.iso8601]) ?? false
    }

    /// Claims, for each active subscription due at `now` and held by no live worker, the first event
    /// of its types after its cursor, until `until`. A subscription without a cursor (a ledger
    /// restored from an export, which carries no side table) starts at the log's head. A cursor with
    /// nothing to deliver moves to the head, past the events that do not match.
    static func claimDue(_ db: Database, now: Timestamp, until: Timestamp, limit: Int) throws -> [WebhookJob] {
        let head = try SQLiteLog.headPosition(db)
        try db.execute(
            sql: """
                INSERT INTO webhook_cursors (webhook_id, position, attempts, next_attempt_at)
                SELECT id, ?, 0, ? FROM webhooks WHERE status = 'active' AND id NOT IN (SELECT webhook_id FROM webhook_cursors)
                """,
            arguments: [head, now.iso8601])
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT w.id, w.url, w.event_types, w.secret_ref, c.position, c.attempts, c.failing_since
                FROM webhooks w JOIN webhook_cursors c ON c.webhook_id = w.id
                WHERE w.status = 'active' AND c.position < ? AND c.next_attempt_at <= ?
                    AND (c.claimed_until IS NULL OR c.claimed_until <= ?)
                ORDER BY c.next_attempt_at, w.id
                """,
            arguments: [head, now.iso8601, now.iso8601])
        var jobs: [WebhookJob] = []
        for row in rows where jobs.count < limit {
            let id: Int64 = row["id"]
            let cursor: Int64 = row["position"]
            let types = (try? JSON.parse(row["event_types"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !types.isEmpty, let event = try nextEvent(db, after: cursor, types: types) else {
                try db.execute(sql: "UPDATE webhook_cursors SET position = ? WHERE webhook_id = ?", arguments: [head, id])
                continue
            }
            // A ledger restored from an export has no secrets: its attempts fail, unsent and
            // recorded (`the signing secret ... cannot be read`), until the subscription is disabled.
            let secret = try SQLiteLog.secret(db, ref: row["secret_ref"]) ?? ""
            try db.execute(sql: "UPDATE webhook_cursors SET claimed_until = ? WHERE webhook_id = ?", arguments: [until.iso8601, id])
            jobs.append(
                WebhookJob(
                    webhookID: id, url: row["url"], secret: secret, event: event, cursor: cursor, attempts: row["attempts"],
                    failingSince: (row["failing_since"] as String?).flatMap(Timestamp.init(parsing:))))
        }
        return jobs
    }

    /// Moves this node's cursors up to the positions the nodes share (`LogOfRecord.webhookCursors`),
    /// where another node delivered further: the events up to there are not sent again. A cursor
    /// moved keeps no failed attempts (they were at an event already delivered).
    static func adopt(_ db: Database, _ shared: [Int64: Int64]) throws {
        for (webhookID, position) in shared {
            try db.execute(
                sql: """
                    UPDATE webhook_cursors SET position = ?, attempts = 0, failing_since = NULL, claimed_until = NULL
                    WHERE webhook_id = ? AND position < ?
                    """,
                arguments: [position, webhookID, position])
        }
    }

    /// The first event after `position` whose type is one of `types`.
    static func nextEvent(_ db: Database, after position: Int64, types: [String]) throws -> RecordedEvent? {
        let marks = Array(repeating: "?", count: types.count).joined(separator: ", ")
        var arguments: StatementArguments = [position]
        arguments += StatementArguments(types)
        return try Row.fetchOne(
            db,
            sql: "SELECT \(RecordedEvent.columns) FROM events WHERE position > ? AND type IN (\(marks)) ORDER BY position LIMIT 1",
            arguments: arguments
        ).map(RecordedEvent.init(row:))
    }

    /// The cursor of `webhookID`: its position and failed attempts, or nil.
    static func cursor(_ db: Database, webhookID: Int64) throws -> (position: Int64, attempts: Int64)? {
        try Row.fetchOne(db, sql: "SELECT position, attempts FROM webhook_cursors WHERE webhook_id = ?", arguments: [webhookID]).map {
            ($0["position"], $0["attempts"])
        }
    }

    /// Records one attempt in the delivery log and moves the cursor in the same transaction: past
    /// the event when it was delivered, else to its next attempt at `nextAttempt`.
    static func record(
        _ db: Database, webhookID: Int64, position: Int64, attempt: Int64, status: Int64?, error: String?, delivered: Bool,
        now: Timestamp, nextAttempt: Timestamp
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO webhook_deliveries (webhook_id, position, attempt, status, error, delivered, attempted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [webhookID, position, attempt, status, error, delivered ? 1 : 0, now.iso8601])
        if delivered {
            try db.execute(
                sql: """
                    UPDATE webhook_cursors SET position = ?, attempts = 0, failing_since = NULL, next_attempt_at = ?,
                        claimed_until = NULL WHERE webhook_id = ?
                    """,
                arguments: [position, now.iso8601, webhookID])
        } else {
            try db.execute(
                sql: """
                    UPDATE webhook_cursors SET attempts = ?, failing_since = COALESCE(failing_since, ?), next_attempt_at = ?,
                        claimed_until = NULL WHERE webhook_id = ?
                    """,
                arguments: [attempt, now.iso8601, nextAttempt.iso8601, webhookID])
        }
    }

    /// Subscriptions by state, for metrics: `active`, `failing` (active, and the last attempt at
    /// its next event failed) and `disabled`.
    static func counts(_ db: Database) throws -> [String: Int64] {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT
                    (SELECT COUNT(*) FROM webhooks WHERE status = 'active'),
                    (SELECT COUNT(*) FROM webhooks w JOIN webhook_cursors c ON c.webhook_id = w.id
                        WHERE w.status = 'active' AND c.attempts > 0),
                    (SELECT COUNT(*) FROM webhooks WHERE status = 'disabled')
                """)
        return ["active": row?[0] ?? 0, "failing": row?[1] ?? 0, "disabled": row?[2] ?? 0]
    }

    /// `until`: only the attempts made at or before that moment (`as_of`).
    static func deliveries(
        _ db: Database, webhookID: Int64, afterID: Int64, until: Timestamp? = nil, limit: Int
    ) throws -> [WebhookDelivery] {
        // Attempt times are written as `Timestamp.iso8601`, so text order is time order.
        let (moment, arguments): (String, StatementArguments) =
            if let until {
                ("AND attempted_at <= ?", [webhookID, afterID, until.iso8601, Int64(clamping: limit)])
            } else {
                ("", [webhookID, afterID, Int64(clamping: limit)])
            }
        return try Row.fetchAll(
            db, sql: "SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND id > ? \(moment) ORDER BY id LIMIT ?",
            arguments: arguments
        ).map { row in
            WebhookDelivery(
                id: row["id"], webhookID: row["webhook_id"], position: row["position"], attempt: row["attempt"],
                status: row["status"], error: row["error"], delivered: (row["delivered"] as Int64) == 1,
                attemptedAt: row["attempted_at"])
        }
    }
}

extension Ledger {
    /// Subscribes `url` to the events of `eventTypes` appended from now on: a `WebhookSubscribed`
    /// event (with the ref of a new signing secret kept apart from the log) and the subscription's
    /// delivery cursor, in one transaction. Returns the subscription and its secret, which is shown
    /// only now. A bad URL or event type is refused with a message naming the field.
    public func subscribeWebhook(url: String, eventTypes: [String], metadata: EventMetadata) async throws -> (webhook: Webhook, secret: String) {
        let url = try Self.webhookField("url") { () throws(Refusal) in try WebhookDecisions.url(url) }
        let types = try Self.webhookField("event_types") { () throws(Refusal) in try WebhookDecisions.eventTypes(eventTypes) }
        let secret = WebhookSignature.newSecret()
        let webhook = try await write(metadata) { tx -> Webhook in
            let last = try Int64.fetchOne(tx.db, sql: "SELECT COALESCE(MAX(id), 0) FROM webhooks") ?? 0
            let (id, overflow) = last.addingReportingOverflow(1)
            guard !overflow else { throw Refusal("no webhook id is left") }
            let ref = try tx.storeSecret(secret)
            let recorded = try tx.append(
                .webhookSubscribed(WebhookSubscribed(webhookID: id, url: url, eventTypes: types, secretRef: ref)),
                to: Webhook.stream(id), expecting: .noStream)
            try WebhookOutbox.start(tx.db, webhookID: id, after: recorded.position, now: tx.recordedAt)
            guard let webhook = try tx.reader.webhook(id: id) else { throw Refusal("webhook \(id) was not recorded") }
            return webhook
        }
        return (webhook, secret)
    }

    /// Ends subscription `id` with a `WebhookUnsubscribed` event; nil when there is no such
    /// subscription, refused (`webhook.unsubscribed`) when it has already ended.
    public func unsubscribeWebhook(id: Int64, metadata: EventMetadata) async throws -> Webhook? {
        try await write(metadata) { tx -> Webhook? in
            guard let current = try tx.reader.webhook(id: id) else { return nil }
            guard current.status != "unsubscribed" else {
                throw Refusal("webhook \(id) is already unsubscribed", code: .webhookUnsubscribed)
            }
            let stream = Webhook.stream(id)
            try tx.append(
                .webhookUnsubscribed(WebhookUnsubscribed(webhookID: id)), to: stream,
                expecting: .exactly(try tx.version(of: stream) ?? 0))
            return try tx.reader.webhook(id: id)
        }
    }

    /// Runs a webhook rule; its refusal names `field`.
    static func webhookField<T>(_ field: String, _ rule: () throws(Refusal) -> T) throws(Refusal) -> T {
        do {
            return try rule()
        } catch {
            throw Refusal("\(field): \(error.message)", code: .parameterInvalid)
        }
    }

    /// Claims up to `limit` subscriptions with an event due at `now`, until `until`, in a
    /// transaction of their own (see `WebhookOutbox.claimDue`), taken only when a read found one
    /// may be due (`WebhookOutbox.anyDue`).
    /// With `adoptingShared`, on a node following a log of record, the cursors the nodes share
    /// are adopted first (`WebhookOutbox.adopt`): a node that takes over delivering starts where
    /// the last one stopped. The worker asks for that once per pass, not once per event: within
    /// a pass its own cursors are the ones that move.
    package func claimDueWebhooks(now: Timestamp, until: Timestamp, limit: Int, adoptingShared: Bool = true) async throws
        -> [WebhookJob]
    {
        guard try await read({ db in try WebhookOutbox.anyDue(db, now: now) }) else { return [] }
        let shared = adoptingShared ? try await logOfRecord?.webhookCursors() ?? [:] : [:]
        return try await database.write { db in
            try WebhookOutbox.adopt(db, shared)
            return try WebhookOutbox.claimDue(db, now: now, until: until, limit: limit)
        }
    }
}

extension Ledger {
    /// Webhook subscriptions by state (`active`, `failing`, `disabled`): for metrics.
    package func webhookCounts() async throws -> [String: Int64] {
        try await read { db in try WebhookOutbox.counts(db) }
    }
}

extension LedgerTransaction {
    /// The delivery cursor of subscription `webhookID` as this command sees it, or nil.
    package func webhookCursor(_ webhookID: Int64) throws -> (position: Int64, attempts: Int64)? {
        try WebhookOutbox.cursor(db, webhookID: webhookID)
    }

    /// Records a delivery attempt in the delivery log and moves the subscription's cursor, in this
    /// command's transaction (see `WebhookOutbox.record`).
    package func recordWebhookAttempt(
        webhookID: Int64, position: Int64, attempt: Int64, status: Int64?, error: String?, delivered: Bool, nextAttempt: Timestamp
    ) throws {
        try WebhookOutbox.record(
            db, webhookID: webhookID, position: position, attempt: attempt, status: status, error: error, delivered: delivered,
            now: recordedAt, nextAttempt: nextAttempt)
        // Following a log of record: the nodes share how far deliveries went, committed with this.
        if delivered, record != nil { forRecord.webhookCursors.append((webhookID, position)) }
    }
}

extension LedgerReader {
    /// Subscription `webhookID`'s delivery attempts in order, after attempt id `afterID`.
    package func webhookDeliveries(
        webhookID: Int64, afterID: Int64? = nil, until: Timestamp? = nil, limit: Int = Int.max
    ) throws -> [WebhookDelivery] {
        try WebhookOutbox.deliveries(db, webhookID: webhookID, afterID: afterID ?? 0, until: until, limit: limit)
    }
}

extension RecordedEvent {
    /// The event as APIv2's `/events` answers it, as JSON text with sorted keys: what a webhook
    /// delivers.
    public func apiJSON() throws -> String {
        let json = JSON.object([
            ("hash", .string(hash)), ("metadata", try JSON.parse(metadata)), ("payload", try JSON.parse(payload)),
            ("position", .int(position)), ("prev_hash", .string(prevHash)),
            ("recorded_at", .string(Timestamp(parsing: recordedAt)?.iso8601 ?? recordedAt)),
            ("schema_version", .int(Int64(schemaVersion))), ("stream", .string(stream)), ("stream_version", .int(streamVersion)),
            ("type", .string(type)),
        ])
        return json.serialized(sortedKeys: true)
    }
}
