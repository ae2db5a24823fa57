import GRDB
import PeerLedgerDomain

/// A webhook subscription as the ledger knows it (never with its secret).
public struct Webhook: Sendable, Equatable {
    public var id: Int64
    public var url: String
    public var eventTypes: [String]
    /// `active`, `disabled` (by the delivery worker, after failing too long) or `unsubscribed`.
    public var status: String
    /// The position of its `WebhookSubscribed` event: events after it are delivered.
    public var position: Int64
    /// When it was made (RFC 3339).
    public var created: String
    public var disabledReason: String?
    public var failingSince: String?
    /// When it was disabled or unsubscribed (RFC 3339).
    public var ended: String?

    /// The stream of subscription `id`'s events.
    public static func stream(_ id: Int64) -> String { "webhook-\(id)" }
}

/// The `webhooks` table: every subscription by id, from the `Webhook*` events.
struct WebhooksProjection: Projection {
    var name: String { "webhooks" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "webhooks", order: "id")] }
    var eventTypes: Set<String> { [WebhookSubscribed.type, WebhookUnsubscribed.type, WebhookDisabled.type] }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        switch event {
        case let .webhookSubscribed(subscribed):
            let types = JSON.array(subscribed.eventTypes.map(JSON.string)).serialized()
            try Self.subscribed.execute(
                db, subscribed.webhookID, subscribed.url, types, subscribed.secretRef, recorded.position,
                Self.time(recorded.recordedAt))
        case let .webhookUnsubscribed(unsubscribed):
            try Self.unsubscribed.execute(db, Self.time(recorded.recordedAt), unsubscribed.webhookID)
        case let .webhookDisabled(disabled):
            try Self.disabled.execute(db, disabled.reason, disabled.failingSince, Self.time(recorded.recordedAt), disabled.webhookID)
        default:
            break
        }
    }

    static func time(_ recordedAt: String) -> String { Timestamp(parsing: recordedAt)?.iso8601 ?? recordedAt }

    static let subscribed = WriteStatement("""
        INSERT INTO webhooks (id, url, event_types, secret_ref, status, position, created) VALUES (?, ?, ?, ?, 'active', ?, ?)
        ON CONFLICT (id) DO UPDATE SET url = excluded.url, event_types = excluded.event_types, secret_ref = excluded.secret_ref,
            status = 'active', position = excluded.position, created = excluded.created,
            disabled_reason = NULL, failing_since = NULL, ended = NULL
        """)
    static let unsubscribed = WriteStatement("UPDATE webhooks SET status = 'unsubscribed', ended = ? WHERE id = ?")
    static let disabled = WriteStatement(
        "UPDATE webhooks SET status = 'disabled', disabled_reason = ?, failing_since = ?, ended = ? WHERE id = ?")

    static func webhook(_ row: Row) -> Webhook {
        let types = (try? JSON.parse(row["event_types"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
        return Webhook(
            id: row["id"], url: row["url"], eventTypes: types, status: row["status"], position: row["position"],
            created: row["created"], disabledReason: row["disabled_reason"], failingSince: row["failing_since"], ended: row["ended"])
    }
}

extension LedgerReader {
    /// Subscriptions in id order, after id `afterID`, at most `limit`.
    package func webhooks(afterID: Int64? = nil, limit: Int = Int.max) throws -> [Webhook] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM webhooks WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID ?? 0, Int64(clamping: limit)]
        ).map(WebhooksProjection.webhook)
    }

    /// Subscription `id`, or nil.
    package func webhook(id: Int64) throws -> Webhook? {
        try Row.fetchOne(db, sql: "SELECT * FROM webhooks WHERE id = ?", arguments: [id]).map(WebhooksProjection.webhook)
    }
}
