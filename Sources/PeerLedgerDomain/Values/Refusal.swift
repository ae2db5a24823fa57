/// A request the ledger will not carry out, with a message for the caller that names what was
/// wrong. Refusals change nothing: they are thrown before anything is appended, or roll it back.
public struct Refusal: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// Which rule refused, as a stable name a program can branch on, when the rule has one; the
    /// message's wording may change, the code does not. Callers of APIv1 see the message only.
    public let code: Code?

    public init(_ message: String, code: Code? = nil) {
        self.message = message
        self.code = code
    }

    public var description: String { message }

    /// The stable name of a rule (`session.deletion-without-criteria`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }
}

extension Refusal.Code {
    /// addSession without one of the fields a session must have.
    public static let sessionMissingField = Refusal.Code("session.missing-field")
    /// A change to a session that was deleted.
    public static let sessionDeleted = Refusal.Code("session.deleted")
    /// A field a session must have, set to nothing.
    public static let sessionFieldEmpty = Refusal.Code("session.field-empty")
    /// Addresses of different families in one session (peer and source, or peer and ip_type).
    public static let sessionAddressFamilyMismatch = Refusal.Code("session.address-family-mismatch")
    /// A peer address that another live session already holds on the same router and exchange.
    public static let sessionAddressTaken = Refusal.Code("session.address-taken")
    /// deleteSession without a criterion, which would delete every session.
    public static let sessionDeletionWithoutCriteria = Refusal.Code("session.deletion-without-criteria")
    /// deleteSession whose criteria match no live session.
    public static let sessionDeletionFoundNothing = Refusal.Code("session.deletion-found-nothing")
    /// Deleting a session (APIv2) whose neighbor is still configured on its router.
    public static let sessionOnRouter = Refusal.Code("session.on-router")
    /// Configuring a session that names no router (`resource_id`).
    public static let sessionNoRouter = Refusal.Code("session.no-router")
    /// Configuring a session whose `resource_id` is not a registered router.
    public static let routerUnknown = Refusal.Code("router.unknown")
    /// Configuring a session that lacks a field its router configuration needs (`source_asn`).
    public static let configurationFieldMissing = Refusal.Code("configuration.field-missing")
    /// A session's peer group that would share its router-safe name with another session's group.
    public static let configurationGroupShared = Refusal.Code("configuration.group-shared")
    /// A registered router whose platform this build does not know (recorded by a newer build).
    public static let routerPlatformUnknown = Refusal.Code("router.platform-unknown")
    /// A push to a router whose platform PeerLedger renders for but does not push to.
    public static let routerPlatformUnsupported = Refusal.Code("router.platform-unsupported")
    /// A router that could not be reached (no route, no daemon, timeout).
    public static let routerUnreachable = Refusal.Code("router.unreachable")
    /// A router that refused our credentials.
    public static let routerAuthenticationFailed = Refusal.Code("router.authentication-failed")
    /// A router that was reached and refused a command of the configuration.
    public static let routerRejected = Refusal.Code("router.rejected")
    /// A router that took the configuration but did not save it.
    public static let routerNotSaved = Refusal.Code("router.not-saved")
    /// A repeated push (same `Idempotency-Key`) whose first attempt has no outcome yet.
    public static let routerPushInProgress = Refusal.Code("router.push-in-progress")
    /// A peer write for a network that is not at the exchange.
    public static let peerNotFound = Refusal.Code("peer.not-found")
    /// updatePeer given both notes and notes_private, which name one field.
    public static let peerNotesTwice = Refusal.Code("peer.notes-twice")
    /// updatePeer with a request_status that is not one of the four.
    public static let peerRequestStatusUnknown = Refusal.Code("peer.request-status-unknown")
    /// A request naming an exchange the directory does not know.
    public static let requestUnknownExchange = Refusal.Code("request.unknown-exchange")
    /// A request naming a network the directory does not know (peer or source).
    public static let requestUnknownNetwork = Refusal.Code("request.unknown-network")
    /// A request whose ASN is not the network's (peer or source).
    public static let requestASNMismatch = Refusal.Code("request.asn-mismatch")
    /// A request to a network that is not at the exchange.
    public static let requestPeerAbsent = Refusal.Code("request.peer-absent")
    /// A second request to a network within the quiet period.
    public static let requestWithinQuietPeriod = Refusal.Code("request.within-quiet-period")
    /// Unsubscribing a webhook subscription that has already ended.
    public static let webhookUnsubscribed = Refusal.Code("webhook.unsubscribed")
    /// A parameter, header or body field whose value cannot be read as its kind.
    public static let parameterInvalid = Refusal.Code("parameter.invalid")
    /// A parameter, header or body that must be given and was not.
    public static let parameterMissing = Refusal.Code("parameter.missing")
}
