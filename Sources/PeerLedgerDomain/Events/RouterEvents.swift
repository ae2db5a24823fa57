/// A router was registered: `resource_id` and `resource_name` in the API, its platform, and how
/// to reach it (an SSH password only by its ref in `secrets`).
public struct RouterAdded: EventPayload {
    public static let type = "RouterAdded"
    public static let schemaVersion = 1
    public var routerID: Int64
    public var name: String
    public var platform: RouterPlatform
    public var access: RouterAccess

    public enum CodingKeys: String, CodingKey {
        case routerID = "router_id"
        case name, platform, access
    }

    public init(routerID: Int64, name: String, platform: RouterPlatform, access: RouterAccess) {
        self.routerID = routerID
        self.name = name
        self.platform = platform
        self.access = access
    }
}

/// A router was unregistered. Its sessions keep their `resource_id`.
public struct RouterRemoved: EventPayload {
    public static let type = "RouterRemoved"
    public static let schemaVersion = 1
    public var routerID: Int64
    public var name: String

    public enum CodingKeys: String, CodingKey {
        case routerID = "router_id"
        case name
    }

    public init(routerID: Int64, name: String) {
        self.routerID = routerID
        self.name = name
    }
}

/// What a push does to a session's neighbor on its router.
public enum ConfigurationOperation: String, Codable, Sendable {
    /// configureSession: create or update the neighbor.
    case configure
    /// deleteSession: remove the neighbor.
    case remove
}

/// A configuration was about to be pushed for a session: who asked (in the metadata), which
/// router, and the text with every password replaced by `<redacted>`.
public struct SessionConfigurationRequested: EventPayload {
    public static let type = "SessionConfigurationRequested"
    public static let schemaVersion = 1
    public var sessionID: Int64
    public var routerID: Int64
    public var operation: ConfigurationOperation
    /// True when the caller gave the text (`config`), false when PeerLedger rendered it.
    public var givenByCaller: Bool
    public var configuration: String
    /// The peer group the neighbor is configured in, as named on the router: the router-safe
    /// form of the session's `peer_group` (`group a` becomes `group-a` on FRR). Absent when the
    /// configuration names no group, and in events written before this field existed.
    public var routerPeerGroup: String?

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case routerID = "router_id"
        case operation
        case givenByCaller = "given_by_caller"
        case configuration
        case routerPeerGroup = "router_peer_group"
    }

    public init(sessionID: Int64, routerID: Int64, operation: ConfigurationOperation, givenByCaller: Bool, configuration: String, routerPeerGroup: String? = nil) {
        self.sessionID = sessionID
        self.routerID = routerID
        self.operation = operation
        self.givenByCaller = givenByCaller
        self.configuration = configuration
        self.routerPeerGroup = routerPeerGroup
    }
}

/// The router accepted a push.
public struct SessionConfigurationApplied: EventPayload {
    public static let type = "SessionConfigurationApplied"
    public static let schemaVersion = 1
    public var sessionID: Int64
    public var routerID: Int64
    public var operation: ConfigurationOperation

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case routerID = "router_id"
        case operation
    }

    public init(sessionID: Int64, routerID: Int64, operation: ConfigurationOperation) {
        self.sessionID = sessionID
        self.routerID = routerID
        self.operation = operation
    }
}

/// A push did not happen or the router refused it, with the router's own message.
public struct SessionConfigurationFailed: EventPayload {
    public static let type = "SessionConfigurationFailed"
    public static let schemaVersion = 1
    public var sessionID: Int64
    public var routerID: Int64
    public var operation: ConfigurationOperation
    /// `authentication`, `unreachable`, `rejected` or `not_saved` (the router runs the change but
    /// did not save it).
    public var reason: String
    public var message: String

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case routerID = "router_id"
        case operation, reason, message
    }

    public init(sessionID: Int64, routerID: Int64, operation: ConfigurationOperation, reason: String, message: String) {
        self.sessionID = sessionID
        self.routerID = routerID
        self.operation = operation
        self.reason = reason
        self.message = message
    }
}

/// The router reported a change in a session's BGP state, received prefixes or last error.
/// Appended only when one of them differs from what the ledger last observed.
public struct SessionStateObserved: EventPayload {
    public static let type = "SessionStateObserved"
    public static let schemaVersion = 1
    public var sessionID: Int64
    public var routerID: Int64
    /// idle, connect, active, opensent, openconfirm or established.
    public var state: String
    public var prefixesReceived: Int64?
    public var lastError: String?

    public enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case routerID = "router_id"
        case state
        case prefixesReceived = "prfx_received"
        case lastError = "last_error"
    }

    public init(sessionID: Int64, routerID: Int64, state: String, prefixesReceived: Int64? = nil, lastError: String? = nil) {
        self.sessionID = sessionID
        self.routerID = routerID
        self.state = state
        self.prefixesReceived = prefixesReceived
        self.lastError = lastError
    }
}

/// A neighbor a router has that no live session of that router has: its address and, when the
/// router reports it, its AS. Its BGP state is left out, so a flapping stranger is one drift.
public struct DriftNeighbor: Codable, Sendable, Equatable, Comparable {
    public var address: String
    public var remoteASN: Int64?

    public enum CodingKeys: String, CodingKey {
        case address
        case remoteASN = "remote_asn"
    }

    public init(address: String, remoteASN: Int64?) {
        self.address = address
        self.remoteASN = remoteASN
    }

    public static func < (lhs: DriftNeighbor, rhs: DriftNeighbor) -> Bool {
        (lhs.address, lhs.remoteASN ?? -1) < (rhs.address, rhs.remoteASN ?? -1)
    }
}

/// A poll found a router's drift from the ledger other than the ledger last recorded: neighbors
/// in no session, sessions pushed to it that it lacks, sessions on it PeerLedger never pushed
/// (configured by hand). Appended only when the drift changed; all three lists empty says the
/// drift seen before is gone. Each list is sorted, so the same drift is the same payload.
public struct RouterDriftObserved: EventPayload {
    public static let type = "RouterDriftObserved"
    public static let schemaVersion = 1
    public var routerID: Int64
    public var unknownNeighbors: [DriftNeighbor]
    public var missingSessions: [Int64]
    public var unpushedSessions: [Int64]

    public enum CodingKeys: String, CodingKey {
        case routerID = "router_id"
        case unknownNeighbors = "unknown_neighbors"
        case missingSessions = "missing_sessions"
        case unpushedSessions = "unpushed_sessions"
    }

    public init(routerID: Int64, unknownNeighbors: [DriftNeighbor], missingSessions: [Int64], unpushedSessions: [Int64]) {
        self.routerID = routerID
        self.unknownNeighbors = unknownNeighbors.sorted()
        self.missingSessions = missingSessions.sorted()
        self.unpushedSessions = unpushedSessions.sorted()
    }

    /// Whether the router showed no drift at all.
    public var isEmpty: Bool { unknownNeighbors.isEmpty && missingSessions.isEmpty && unpushedSessions.isEmpty }
}
