public import PeerLedger
public import PeerLedgerDomain
/// Talking to one router: push a configuration, read its running configuration, read its BGP
/// neighbors. The ledger decides and records; implementations only carry text there and back,
/// so tests can stand in for a router with plain values.
public protocol RouterConnection: Sendable {
    /// Applies `configuration`; throws `RouterAccessError` saying why it could not.
    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError)
    /// The router's running configuration, as text.
    func runningConfiguration() async throws(RouterAccessError) -> String
    /// Every BGP neighbor the router has, with its state.
    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor]
}

/// Opens connections to registered routers. The server uses `ProcessRouterConnector` (vtysh,
/// birdc, ssh); tests pass their own.
public protocol RouterConnector: Sendable {
    /// A connection to `router`; `credentials` (configureSession's `username`/`password`)
    /// override the stored SSH login when given; `storedPassword` is the one kept in `secrets`.
    func connection(to router: BGPRouter, credentials: RouterCredentials?, storedPassword: String?) -> any RouterConnection
}

/// A login given with a call (configureSession's `username` and `password`).
public struct RouterCredentials: Sendable, Equatable {
    public var username: String?
    public var password: String?

    public init(username: String?, password: String?) {
        self.username = username
        self.password = password
    }
}

/// Why a router could not be used, in the four ways an operator must tell apart.
public enum RouterAccessError: Error, Equatable, CustomStringConvertible {
    /// The router refused our credentials.
    case authentication(String)
    /// The router could not be reached (no route, no daemon, timeout).
    case unreachable(String)
    /// The router was reached and refused a command; the text is its own message.
    case rejected(String)
    /// The router took every command but did not save them: it runs the change and would lose
    /// it at its next restart. The text says what the saved configuration lacks and why.
    case notSaved(String)

    public var reason: String {
        switch self {
        case .authentication: return "authentication"
        case .unreachable: return "unreachable"
        case .rejected: return "rejected"
        case .notSaved: return "not_saved"
        }
    }

    public var message: String {
        switch self {
        case let .authentication(text), let .unreachable(text), let .rejected(text), let .notSaved(text): return text
        }
    }

    public var description: String { "\(reason): \(message)" }
}

/// One BGP neighbor as a router reports it.
public struct ObservedNeighbor: Sendable, Equatable {
    public var address: String
    public var remoteASN: Int64?
    /// idle, connect, active, opensent, openconfirm or established.
    public var state: SessionState
    public var prefixesReceived: Int64?
    public var lastError: String?

    /// The prefix counts a router's output may report (a session's maximum-prefix limit has the
    /// same range, `prfx_max`).
    static let prefixCounts: ClosedRange<Int64> = 0...4_294_967_295

    public init(address: String, remoteASN: Int64?, state: SessionState, prefixesReceived: Int64?, lastError: String?) {
        self.address = address
        self.remoteASN = remoteASN
        self.state = state
        self.prefixesReceived = prefixesReceived
        self.lastError = lastError
    }

    /// Reads a BGP FSM state name as FRR and BIRD print it (`Established`, `OpenSent`, ...).
    static func state(named text: String) -> SessionState? {
        switch text.lowercased().replacingAll(" ", with: "") {
        case "idle", "down": return .idle
        case "connect": return .connect
        case "active": return .active
        case "opensent": return .opensent
        case "openconfirm": return .openconfirm
        case "established": return .established
        default: return nil
        }
    }
}
