/// A webhook subscription was made: every event of `event_types` appended after this one is
/// POSTed to `url`, signed with a secret the log never holds (only its ref in `secrets`).
public struct WebhookSubscribed: EventPayload {
    public static let type = "WebhookSubscribed"
    public static let schemaVersion = 1
    public var webhookID: Int64
    public var url: String
    public var eventTypes: [String]
    /// Where the signing secret is kept, outside the log.
    public var secretRef: String

    public enum CodingKeys: String, CodingKey {
        case webhookID = "id"
        case url
        case eventTypes = "event_types"
        case secretRef = "secret_ref"
    }

    public init(webhookID: Int64, url: String, eventTypes: [String], secretRef: String) {
        self.webhookID = webhookID
        self.url = url
        self.eventTypes = eventTypes
        self.secretRef = secretRef
    }
}

/// A webhook subscription was removed: nothing more is delivered to it.
public struct WebhookUnsubscribed: EventPayload {
    public static let type = "WebhookUnsubscribed"
    public static let schemaVersion = 1
    public var webhookID: Int64

    public enum CodingKeys: String, CodingKey {
        case webhookID = "id"
    }

    public init(webhookID: Int64) { self.webhookID = webhookID }
}

/// A webhook subscription was disabled by the delivery worker: its receiver failed every attempt
/// since `failing_since` (RFC 3339), for longer than the ledger allows.
public struct WebhookDisabled: EventPayload {
    public static let type = "WebhookDisabled"
    public static let schemaVersion = 1
    public var webhookID: Int64
    public var reason: String
    public var failingSince: String

    public enum CodingKeys: String, CodingKey {
        case webhookID = "id"
        case reason
        case failingSince = "failing_since"
    }

    public init(webhookID: Int64, reason: String, failingSince: String) {
        self.webhookID = webhookID
        self.reason = reason
        self.failingSince = failingSince
    }
}
