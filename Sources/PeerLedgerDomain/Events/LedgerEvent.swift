/// Every kind of event the ledger knows, decoded once from the log so projections can `switch`.
public enum LedgerEvent: Sendable, Equatable {
    case sessionAdded(SessionAdded)
    case sessionUpdated(SessionUpdated)
    case sessionDeleted(SessionDeleted)
    case apiKeyCreated(APIKeyCreated)
    case apiKeyRevoked(APIKeyRevoked)
    case peeringDBObjectCreated(PeeringDBObjectCreated)
    case peeringDBObjectChanged(PeeringDBObjectChanged)
    case peeringDBObjectRemoved(PeeringDBObjectRemoved)
    case ownNetworkSet(OwnNetworkSet)
    case peerStatusReset(PeerStatusReset)
    case peerUpdated(PeerUpdated)
    case routerAdded(RouterAdded)
    case routerRemoved(RouterRemoved)
    case sessionConfigurationRequested(SessionConfigurationRequested)
    case sessionConfigurationApplied(SessionConfigurationApplied)
    case sessionConfigurationFailed(SessionConfigurationFailed)
    case sessionStateObserved(SessionStateObserved)
    case peeringRequestSent(PeeringRequestSent)
    case peeringRequestDelivered(PeeringRequestDelivered)
    case peeringRequestDeliveryFailed(PeeringRequestDeliveryFailed)
    case peeringRequestFailedPermanently(PeeringRequestFailedPermanently)
    case peeringRequestAnswered(PeeringRequestAnswered)
    case webhookSubscribed(WebhookSubscribed)
    case webhookUnsubscribed(WebhookUnsubscribed)
    case webhookDisabled(WebhookDisabled)
    case userCreated(UserCreated)
    case userDisabled(UserDisabled)
    case userPasswordChanged(UserPasswordChanged)
    case routerDriftObserved(RouterDriftObserved)
    case logVerified(LogVerified)

    /// The type name of every kind of event, as the log spells it (`SessionAdded`).
    public static let typeNames: [String] = [
        SessionAdded.type, SessionUpdated.type, SessionDeleted.type, APIKeyCreated.type, APIKeyRevoked.type,
        PeeringDBObjectCreated.type, PeeringDBObjectChanged.type, PeeringDBObjectRemoved.type, OwnNetworkSet.type,
        PeerStatusReset.type, PeerUpdated.type, RouterAdded.type, RouterRemoved.type, SessionConfigurationRequested.type,
        SessionConfigurationApplied.type, SessionConfigurationFailed.type, SessionStateObserved.type, PeeringRequestSent.type,
        PeeringRequestDelivered.type, PeeringRequestDeliveryFailed.type, PeeringRequestFailedPermanently.type,
        PeeringRequestAnswered.type, WebhookSubscribed.type, WebhookUnsubscribed.type, WebhookDisabled.type, UserCreated.type,
        UserDisabled.type, UserPasswordChanged.type, RouterDriftObserved.type, LogVerified.type,
    ]

    /// The payload's type name and schema version, and its canonical JSON.
    public func encoded() throws -> (type: String, schemaVersion: Int, payload: String) {
        /// `fast` is a hand codec's text (`EventPayloadCodecs`); nil leaves the payload to `CanonicalJSON.encode`.
        func pack<P: EventPayload>(_ payload: P, fast: String? = nil) throws -> (String, Int, String) {
            (P.type, P.schemaVersion, try fast ?? CanonicalJSON.encode(payload))
        }
        switch self {
        case let .sessionAdded(p):
            if let fast = SessionPayloadCodec.encode(p) { return (SessionAdded.type, SessionAdded.schemaVersion, fast) }
            return try pack(p)
        case let .sessionUpdated(p):
            if let fast = SessionPayloadCodec.encode(p) { return (SessionUpdated.type, SessionUpdated.schemaVersion, fast) }
            return try pack(p)
        case let .sessionDeleted(p): return try pack(p)
        case let .apiKeyCreated(p): return try pack(p)
        case let .apiKeyRevoked(p): return try pack(p)
        case let .peeringDBObjectCreated(p): return try pack(p, fast: EventPayloadCodecs.encode(p))
        case let .peeringDBObjectChanged(p): return try pack(p)
        case let .peeringDBObjectRemoved(p): return try pack(p)
        case let .ownNetworkSet(p): return try pack(p)
        case let .peerStatusReset(p): return try pack(p, fast: EventPayloadCodecs.encode(p))
        case let .peerUpdated(p): return try pack(p, fast: EventPayloadCodecs.encode(p))
        case let .routerAdded(p): return try pack(p)
        case let .routerRemoved(p): return try pack(p)
        case let .sessionConfigurationRequested(p): return try pack(p)
        case let .sessionConfigurationApplied(p): return try pack(p)
        case let .sessionConfigurationFailed(p): return try pack(p)
        case let .sessionStateObserved(p): return try pack(p, fast: EventPayloadCodecs.encode(p))
        case let .peeringRequestSent(p): return try pack(p)
        case let .peeringRequestDelivered(p): return try pack(p, fast: EventPayloadCodecs.encode(p))
        case let .peeringRequestDeliveryFailed(p): return try pack(p)
        case let .peeringRequestFailedPermanently(p): return try pack(p)
        case let .peeringRequestAnswered(p): return try pack(p, fast: EventPayloadCodecs.encode(p))
        case let .webhookSubscribed(p): return try pack(p)
        case let .webhookUnsubscribed(p): return try pack(p)
        case let .webhookDisabled(p): return try pack(p)
        case let .userCreated(p): return try pack(p)
        case let .userDisabled(p): return try pack(p)
        case let .userPasswordChanged(p): return try pack(p)
        case let .routerDriftObserved(p): return try pack(p)
        case let .logVerified(p): return try pack(p)
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
        /// `fast` (a hand reader) first, for the current schema version; nil from it leaves the
        /// payload to `JSONDecoder`, whose value or error is the reference.
        func unpack<P: EventPayload>(_ type: P.Type, fast: (String) -> P?) throws -> P {
            if event.schemaVersion == P.schemaVersion, let value = fast(event.payload) { return value }
            return try unpack(type)
        }
        switch event.type {
        // The most frequent types of a live network's log first: the cases are tried in order.
        case SessionStateObserved.type:
            self = .sessionStateObserved(
                try unpack(SessionStateObserved.self) { EventPayloadCodecs.sessionStateObserved($0) ?? PayloadReader.sessionStateObserved($0) })
        case SessionUpdated.type:
            if event.schemaVersion == SessionUpdated.schemaVersion, let fast = SessionPayloadCodec.decodeSessionUpdated(event.payload) {
                self = .sessionUpdated(fast)
            } else {
                self = .sessionUpdated(try unpack(SessionUpdated.self))
            }
        case PeeringDBObjectCreated.type:
            if event.schemaVersion == PeeringDBObjectCreated.schemaVersion, let fast = PayloadReader.peeringDBObjectCreated(event.payload) {
                self = .peeringDBObjectCreated(fast)
            } else {
                self = .peeringDBObjectCreated(try unpack(PeeringDBObjectCreated.self))
            }
        case PeerUpdated.type: self = .peerUpdated(try unpack(PeerUpdated.self, fast: EventPayloadCodecs.peerUpdated))
        case PeerStatusReset.type: self = .peerStatusReset(try unpack(PeerStatusReset.self, fast: EventPayloadCodecs.peerStatusReset))
        case SessionAdded.type:
            if event.schemaVersion == SessionAdded.schemaVersion, let fast = SessionPayloadCodec.decodeSessionAdded(event.payload) {
                self = .sessionAdded(fast)
            } else {
                self = .sessionAdded(try unpack(SessionAdded.self))
            }
        case SessionDeleted.type: self = .sessionDeleted(try unpack(SessionDeleted.self))
        case APIKeyCreated.type: self = .apiKeyCreated(try unpack(APIKeyCreated.self))
        case APIKeyRevoked.type: self = .apiKeyRevoked(try unpack(APIKeyRevoked.self))
        case PeeringDBObjectChanged.type: self = .peeringDBObjectChanged(try unpack(PeeringDBObjectChanged.self))
        case PeeringDBObjectRemoved.type: self = .peeringDBObjectRemoved(try unpack(PeeringDBObjectRemoved.self))
        case OwnNetworkSet.type: self = .ownNetworkSet(try unpack(OwnNetworkSet.self))
        case RouterAdded.type: self = .routerAdded(try unpack(RouterAdded.self))
        case RouterRemoved.type: self = .routerRemoved(try unpack(RouterRemoved.self))
        case SessionConfigurationRequested.type: self = .sessionConfigurationRequested(try unpack(SessionConfigurationRequested.self))
        case SessionConfigurationApplied.type: self = .sessionConfigurationApplied(try unpack(SessionConfigurationApplied.self))
        case SessionConfigurationFailed.type: self = .sessionConfigurationFailed(try unpack(SessionConfigurationFailed.self))
        case PeeringRequestSent.type: self = .peeringRequestSent(try unpack(PeeringRequestSent.self))
        case PeeringRequestDelivered.type:
            self = .peeringRequestDelivered(try unpack(PeeringRequestDelivered.self, fast: EventPayloadCodecs.peeringRequestDelivered))
        case PeeringRequestDeliveryFailed.type: self = .peeringRequestDeliveryFailed(try unpack(PeeringRequestDeliveryFailed.self))
        case PeeringRequestFailedPermanently.type:
            self = .peeringRequestFailedPermanently(try unpack(PeeringRequestFailedPermanently.self))
        case PeeringRequestAnswered.type:
            self = .peeringRequestAnswered(try unpack(PeeringRequestAnswered.self, fast: EventPayloadCodecs.peeringRequestAnswered))
        case WebhookSubscribed.type: self = .webhookSubscribed(try unpack(WebhookSubscribed.self))
        case WebhookUnsubscribed.type: self = .webhookUnsubscribed(try unpack(WebhookUnsubscribed.self))
        case WebhookDisabled.type: self = .webhookDisabled(try unpack(WebhookDisabled.self))
        case UserCreated.type: self = .userCreated(try unpack(UserCreated.self))
        case UserDisabled.type: self = .userDisabled(try unpack(UserDisabled.self))
        case UserPasswordChanged.type: self = .userPasswordChanged(try unpack(UserPasswordChanged.self))
        case RouterDriftObserved.type: self = .routerDriftObserved(try unpack(RouterDriftObserved.self))
        case LogVerified.type: self = .logVerified(try unpack(LogVerified.self))
        default:
            throw LedgerError.unreadableEvent(position: event.position, reason: "unknown event type \(event.type)")
        }
    }
}
