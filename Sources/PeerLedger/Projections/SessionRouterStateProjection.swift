package import GRDB
import PeerLedgerDomain

/// What the routers did with each session: whether its neighbor is on the router, the last push,
/// and the last observed BGP state. It also moves the session's own `state` and `prfx_received`
/// (a session leaves "not configured" only when a push was applied), so it runs after the
/// sessions projection.
struct SessionRouterStateProjection: Projection {
    var name: String { "session_router_state" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "session_router_state", order: "session_id")] }
    var eventTypes: Set<String> {
        [
            SessionConfigurationRequested.type, SessionConfigurationApplied.type, SessionConfigurationFailed.type, SessionStateObserved.type,
        ]
    }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        // The time is computed once, and only for the events this projection handles (most are not).
        switch event {
        case let .sessionConfigurationRequested(requested):
            try ensureRow(db, session: requested.sessionID, router: requested.routerID)
            try touchSession(db, requested.sessionID, recorded, RecordedTime.apiText(recorded.recordedAt))
        case let .sessionConfigurationApplied(applied):
            let time = RecordedTime.apiText(recorded.recordedAt)
            try ensureRow(db, session: applied.sessionID, router: applied.routerID)
            let onRouter = applied.operation == .configure ? 1 : 0
            try Self.applied.execute(db, applied.routerID, onRouter, time, applied.sessionID)
            try touchSession(db, applied.sessionID, recorded, time)
            if applied.operation == .configure {
                try Self.configured.execute(
                    db, SessionState.configured.rawValue, applied.sessionID, SessionState.notConfigured.rawValue)
            }
        case let .sessionConfigurationFailed(failed):
            let time = RecordedTime.apiText(recorded.recordedAt)
            try ensureRow(db, session: failed.sessionID, router: failed.routerID)
            try Self.failed.execute(db, "failed: \(failed.reason)", time, failed.sessionID)
            try touchSession(db, failed.sessionID, recorded, time)
        case let .sessionStateObserved(observed):
            try Self.writeObserved(
                db, session: observed.sessionID, router: observed.routerID, state: observed.state, sessionState: observed.state,
                prefixesReceived: observed.prefixesReceived, lastError: observed.lastError, streamVersion: recorded.streamVersion,
                time: RecordedTime.apiText(recorded.recordedAt))
        default:
            break
        }
    }

    /// An observed state's two writes (also a replay's merged run of them, `SessionChangeBuffer`):
    /// `state` is the router's BGP state, `sessionState` what the session's `state` becomes unless
    /// it is "not configured" (one observation: the same). `streamVersion` nil leaves the
    /// session's version and modified time to the caller (a run writes them once for all its events).
    static func writeObserved(
        _ db: Database, session: Int64, router: Int64, state: String, sessionState: String, prefixesReceived: Int64?,
        lastError: String?, streamVersion: Int64? = nil, time: String
    ) throws {
        // One upsert rather than "ensure the row" then "update it": the most frequent event of
        // a live network's log pays one statement less (a new row starts off the router).
        try observed.execute(db, session, router, state, prefixesReceived, lastError, time)
        // A session leaves "not configured" only through a push that was applied.
        if let streamVersion {
            try observedSession.execute(
                db, SessionState.notConfigured.rawValue, sessionState, prefixesReceived, streamVersion, time, session)
        } else {
            try observedSessionState.execute(db, SessionState.notConfigured.rawValue, sessionState, prefixesReceived, session)
        }
    }

    private func ensureRow(_ db: Database, session: Int64, router: Int64) throws {
        try Self.ensureRow.execute(db, session, router)
    }

    /// Events in a session's stream move its version, so updateSession's expected_version stays exact.
    private func touchSession(_ db: Database, _ id: Int64, _ recorded: RecordedEvent, _ time: String) throws {
        try Self.touchSession.execute(db, recorded.streamVersion, time, id)
    }

    static let applied = WriteStatement("""
        UPDATE session_router_state SET router_id = ?, on_router = ?, last_push = 'applied', last_push_at = ?
        WHERE session_id = ?
        """)
    static let configured = WriteStatement("UPDATE sessions SET state = ? WHERE id = ? AND state = ?")
    static let failed = WriteStatement(
        "UPDATE session_router_state SET last_push = ?, last_push_at = ? WHERE session_id = ?")
    static let observed = WriteStatement("""
        INSERT INTO session_router_state (session_id, router_id, on_router, bgp_state, prfx_received, last_error, observed_at)
        VALUES (?, ?, 0, ?, ?, ?, ?)
        ON CONFLICT (session_id) DO UPDATE SET bgp_state = excluded.bgp_state, prfx_received = excluded.prfx_received,
            last_error = excluded.last_error, observed_at = excluded.observed_at
        """)
    static let observedSession = WriteStatement("""
        UPDATE sessions SET state = CASE WHEN state = ? THEN state ELSE ? END, prfx_received = ?, version = ?,
            modified = ?
        WHERE id = ?
        """)
    static let observedSessionState = WriteStatement(
        "UPDATE sessions SET state = CASE WHEN state = ? THEN state ELSE ? END, prfx_received = ? WHERE id = ?")
    static let ensureRow = WriteStatement(
        "INSERT INTO session_router_state (session_id, router_id, on_router) VALUES (?, ?, 0) ON CONFLICT DO NOTHING")
    static let touchSession = WriteStatement("UPDATE sessions SET version = ?, modified = ? WHERE id = ?")
}

/// What the ledger last saw of a session on its router.
public struct SessionRouterState: Sendable, Equatable {
    public var sessionID: Int64
    public var routerID: Int64
    public var onRouter: Bool
    public var lastPush: String?
    public var bgpState: String?
    public var prefixesReceived: Int64?
    public var lastError: String?

    package static func fetch(_ db: Database, session: Int64) throws -> SessionRouterState? {
        try Row.fetchOne(db, sql: "SELECT * FROM session_router_state WHERE session_id = ?", arguments: [session]).map(Self.init(row:))
    }

    /// Every session's state on one router, by session id.
    package static func all(_ db: Database, router: Int64) throws -> [Int64: SessionRouterState] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM session_router_state WHERE router_id = ?", arguments: [router])
        return Dictionary(rows.map { (($0["session_id"] as Int64), Self(row: $0)) }, uniquingKeysWith: { a, _ in a })
    }

    init(row: Row) {
        sessionID = row["session_id"]
        routerID = row["router_id"]
        onRouter = (row["on_router"] as Int64) == 1
        lastPush = row["last_push"]
        bgpState = row["bgp_state"]
        prefixesReceived = row["prfx_received"]
        lastError = row["last_error"]
    }
}
