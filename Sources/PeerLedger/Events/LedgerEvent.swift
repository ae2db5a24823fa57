/// Every kind of event the ledger knows, decoded once from the log so projections can `switch`.
public enum LedgerEvent: Sendable, Equatable {
    case sessionAdded(SessionAdded)
    case sessionUpdated(SessionUpdated)
    case sessionDeleted(SessionDeleted)
    case apiKeyCreated(APIKeyCreated)
    case apiKeyRevoked(APIKeyRevoked)
    case peeringRequestSent(PeeringRequestSent)
    case peeringRequestDelivered(PeeringRequestDelivered)
    case peeringRequestDeliveryFailed(PeeringRequestDeliveryFailed)
    case peeringRequestFailedPermanently(PeeringRequestFailedPermanently)
    case peeringRequestAnswered(PeeringRequestAnswered)

    /// The payload's type name and schema version, and its canonical JSON.
    func encoded() throws -> (type: String, schemaVersion: Int, payload: String) {
        func pack<P: EventPayload>(_ payload: P) throws -> (String, Int, String) {
            (P.type, P.schemaVersion, try CanonicalJSON.encode(payload))
        }
        switch self {
        case let .sessionAdded(p): return try pack(p)
        case let .sessionUpdated(p): return try pack(p)
        case let .sessionDeleted(p): return try pack(p)
        case let .apiKeyCreated(p): return try pack(p)
        case let .apiKeyRevoked(p): return try pack(p)
        case let .peeringRequestSent(p): return try pack(p)
        case let .peeringRequestDelivered(p): return try pack(p)
        case let .peeringRequestDeliveryFailed(p): return try pack(p)
        case let .peeringRequestFailedPermanently(p): return try pack(p)
        case let .peeringRequestAnswered(p): return try pack(p)
        }
    }

    /// Reads a stored event. Older schema versions are upcast here, in one place.
    public init(_ event: RecordedEvent) throws {
        func unpack<P: EventPayload>(_ type: P.Type) throws -> P {
            guard event.schemaVersion <= P.schemaVersion else {
                throw LedgerError.unreadableEvent(
                    position: event.position,
                    reason: "\(event.type) schema version \(event.schemaVersion) is newer than this build's \(P.schemaVersion)")
            }
            do {
                return try CanonicalJSON.decode(P.self, from: event.payload)
            } catch {
                throw LedgerError.unreadableEvent(position: event.position, reason: "\(event.type) payload: \(error)")
            }
        }
        switch event.type {
        case SessionAdded.type: self = .sessionAdded(try unpack(SessionAdded.self))
        case SessionUpdated.type: self = .sessionUpdated(try unpack(SessionUpdated.self))
        case SessionDeleted.type: self = .sessionDeleted(try unpack(SessionDeleted.self))
        case APIKeyCreated.type: self = .apiKeyCreated(try unpack(APIKeyCreated.self))
        case APIKeyRevoked.type: self = .apiKeyRevoked(try unpack(APIKeyRevoked.self))
        case PeeringRequestSent.type: self = .peeringRequestSent(try unpack(PeeringRequestSent.self))
        case PeeringRequestDelivered.type: self = .peeringRequestDelivered(try unpack(PeeringRequestDelivered.self))
        case PeeringRequestDeliveryFailed.type: self = .peeringRequestDeliveryFailed(try unpack(PeeringRequestDeliveryFailed.self))
        case PeeringRequestFailedPermanently.type:
            self = .peeringRequestFailedPermanently(try unpack(PeeringRequestFailedPermanently.self))
        case PeeringRequestAnswered.type: self = .peeringRequestAnswered(try unpack(PeeringRequestAnswered.self))
        default:
            throw LedgerError.unreadableEvent(position: event.position, reason: "unknown event type \(event.type)")
        }
    }
}
