/// A value of one session field as events carry it: text, an integer, or cleared.
public enum FieldValue: Codable, Sendable, Hashable {
    case null
    case int(Int64)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .int(value): try container.encode(value)
        case let .text(value): try container.encode(value)
        }
    }

    public var intValue: Int64? { if case let .int(v) = self { return v } else { return nil } }
    public var textValue: String? { if case let .text(v) = self { return v } else { return nil } }
}

/// A BGP session was recorded. `fields` holds every stored column that has a value, by column
/// name (`password_ref`, never the password).
public struct SessionAdded: EventPayload {
    public static let type = "SessionAdded"
    public static let schemaVersion = 1
    public var sessionID: Int64
    public var fields: [String: FieldValue]

    public init(sessionID: Int64, fields: [String: FieldValue]) {
        self.sessionID = sessionID
        self.fields = fields
    }

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case fields
    }
}

/// Some fields of a session changed: only those, each from its old value to its new one.
public struct SessionUpdated: EventPayload {
    public static let type = "SessionUpdated"
    public static let schemaVersion = 1
    public var sessionID: Int64
    public var changes: [String: FieldChange]

    public struct FieldChange: Codable, Sendable, Equatable {
        public var from: FieldValue
        public var to: FieldValue

        public init(from: FieldValue, to: FieldValue) {
            self.from = from
            self.to = to
        }
    }

    public init(sessionID: Int64, changes: [String: FieldChange]) {
        self.sessionID = sessionID
        self.changes = changes
    }

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case changes
    }
}

/// A session was deleted. The row stays (soft delete) with `deleted` = 1.
public struct SessionDeleted: EventPayload {
    public static let type = "SessionDeleted"
    public static let schemaVersion = 1
    public var sessionID: Int64

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
    }

    public init(sessionID: Int64) {
        self.sessionID = sessionID
    }
}

/// An API key was created or revoked. The secret is never in the event.
public struct APIKeyCreated: EventPayload {
    public static let type = "APIKeyCreated"
    public static let schemaVersion = 1
    public var apiKey: String
    public var name: String
    public var readOnly: Bool
    /// The key's scope (`read`, `write` or `admin`). Absent in events written before keys had
    /// scopes: their scope follows from `read_only`, and their bytes (and hashes) stay as written.
    public var scope: String?
    /// The refs of the key's HMAC secret and of its bearer token's SHA-256, kept apart as secrets,
    /// when the key was made on a ledger that follows a log of record (several nodes): every node
    /// builds the key's row from them. Absent otherwise, where the key's row holds both.
    public var secretRef: String?
    public var tokenRef: String?

    public enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case name
        case readOnly = "read_only"
        case scope
        case secretRef = "secret_ref"
        case tokenRef = "token_ref"
    }

    public init(apiKey: String, name: String, readOnly: Bool, scope: String? = nil, secretRef: String? = nil, tokenRef: String? = nil) {
        self.apiKey = apiKey
        self.name = name
        self.readOnly = readOnly
        self.scope = scope
        self.secretRef = secretRef
        self.tokenRef = tokenRef
    }
}

public struct APIKeyRevoked: EventPayload {
    public static let type = "APIKeyRevoked"
    public static let schemaVersion = 1
    public var apiKey: String
    public var name: String

    public enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case name
    }

    public init(apiKey: String, name: String) {
        self.apiKey = apiKey
        self.name = name
    }
}
