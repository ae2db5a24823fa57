/// A PeeringDB object appeared upstream (or was first imported): every tracked field's value.
public struct PeeringDBObjectCreated: EventPayload {
    public static let type = "PeeringDBObjectCreated"
    public static let schemaVersion = 1
    public var objectType: PeeringDBObjectType
    public var objectID: Int64
    public var fields: PeeringDBFields

    enum CodingKeys: String, CodingKey {
        case objectType = "object_type", objectID = "object_id", fields
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
    }

    public var objectType: PeeringDBObjectType
    public var objectID: Int64
    public var changes: [String: Change]

    enum CodingKeys: String, CodingKey {
        case objectType = "object_type", objectID = "object_id", changes
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

    enum CodingKeys: String, CodingKey {
        case objectType = "object_type", objectID = "object_id", updated
    }
}
