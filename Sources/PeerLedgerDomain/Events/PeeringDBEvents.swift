/// A PeeringDB object appeared upstream (or was first imported): every tracked field's value.
public struct PeeringDBObjectCreated: EventPayload {
    public static let type = "PeeringDBObjectCreated"
    public static let schemaVersion = 1
    public var objectType: PeeringDBObjectType
    public var objectID: Int64
    public var fields: PeeringDBFields

    public enum CodingKeys: String, CodingKey {
        case objectType = "object_type", objectID = "object_id", fields
    }

    public init(objectType: PeeringDBObjectType, objectID: Int64, fields: PeeringDBFields) {
        self.objectType = objectType
        self.objectID = objectID
        self.fields = fields
    }
}

/// Tracked fields of a PeeringDB object changed upstream: each one from what, to what, so audit can
/// answer "when did AS X change its policy?".
public struct PeeringDBObjectChanged: EventPayload {
    public static let type = "PeeringDBObjectChanged"
    public static let schemaVersion = 1

    /// One field's change.
    public struct Change: Codable, Sendable, Equatable {
        public var from: PeeringDBValue
        public var to: PeeringDBValue

        public init(from: PeeringDBValue, to: PeeringDBValue) {
            self.from = from
            self.to = to
        }
    }

    public var objectType: PeeringDBObjectType
    public var objectID: Int64
    public var changes: [String: Change]

    public enum CodingKeys: String, CodingKey {
        case objectType = "object_type", objectID = "object_id", changes
    }

    public init(objectType: PeeringDBObjectType, objectID: Int64, changes: [String: Change]) {
        self.objectType = objectType
        self.objectID = objectID
        self.changes = changes
    }
}

/// A PeeringDB object was deleted upstream (`"status":"deleted"`, or absent from a full snapshot).
public struct PeeringDBObjectRemoved: EventPayload {
    public static let type = "PeeringDBObjectRemoved"
    public static let schemaVersion = 1
    public var objectType: PeeringDBObjectType
    public var objectID: Int64
    /// Upstream's `updated` of the deletion, when it said (it moves the sync's high-water mark).
    public var updated: String?

    public enum CodingKeys: String, CodingKey {
        case objectType = "object_type", objectID = "object_id", updated
    }

    public init(objectType: PeeringDBObjectType, objectID: Int64, updated: String? = nil) {
        self.objectType = objectType
        self.objectID = objectID
        self.updated = updated
    }
}
