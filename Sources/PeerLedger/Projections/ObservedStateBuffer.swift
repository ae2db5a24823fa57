import GRDB

/// A replay's observed BGP states (a rebuild's, or `as_of`'s after its snapshot), held back per
/// session so that each session's run of observations is written once, as its last one left the
/// rows, instead of once per event.
///
/// `SessionStateObserved` is the most frequent event of a live network's log (more than half of
/// the realistic world's) and each costs two row writes: the session's `session_router_state` row
/// and its `sessions` row. Every one of those writes is last-write-wins, except that a session in
/// "not configured" stays so, which `merge` keeps exactly. A run of observations of one session
/// therefore leaves the same rows as its merge written once.
///
/// A run ends, and is written, before any other event of that session is applied
/// (`LedgerEvent.sessionID`), with two exceptions: an update that leaves `state` alone, and a
/// deletion. Those write only other columns of the session's row, and its version and modified
/// time; their history lines read only the session's label. The run then stays held, and writes
/// the version and time only if an observation follows them (`Run.movesVersion`). Only events
/// of a session write its two rows (the projections' switch statements say so), so nothing else
/// can see a held-back observation. At most `limit` sessions' runs are held; a new one past that
/// writes them all first, which bounds a replay's memory whatever the log holds.
final class ObservedStateBuffer {
    /// A session's observations since its rows were last written, merged.
    struct Run {
        /// The router of the run's first observation: the row's router when the run creates it
        /// (an existing row keeps its router, as the upsert of each observation did).
        var routerID: Int64
        /// The last observed BGP state (the router state row's).
        var bgpState: String
        /// What the observations leave in the session's `state`: the last one's, unless one of
        /// them was "not configured" (see `merge`).
        var sessionState: String
        var prefixesReceived: Int64?
        var lastError: String?
        var streamVersion: Int64
        var recordedAt: String
        /// False once a later event of the session set its version and modified time, until
        /// another observation is merged.
        var movesVersion = true
    }

    /// How many sessions' runs are held at most unless told (50,000 runs are a few megabytes).
    static let defaultLimit = 50_000
    let limit: Int
    private(set) var runs: [Int64: Run] = [:]

    init(limit: Int = defaultLimit) {
        self.limit = max(limit, 1)
    }

    /// Holds `observed` back, merged into the session's run.
    func hold(_ observed: SessionStateObserved, _ recorded: RecordedEvent, _ db: Database) throws {
        if var run = runs[observed.sessionID] {
            run.merge(observed, recorded)
            runs[observed.sessionID] = run
            return
        }
        if runs.count >= limit { try flushAll(db) }
        runs[observed.sessionID] = Run(
            routerID: observed.routerID, bgpState: observed.state, sessionState: observed.state,
            prefixesReceived: observed.prefixesReceived, lastError: observed.lastError, streamVersion: recorded.streamVersion,
            recordedAt: recorded.recordedAt)
    }

    /// Before `event`, another event of a session than an observed state, applies: writes the
    /// session's run, or, for an event that `passesHeldRun`, keeps it and leaves the session's
    /// version and modified time to that event.
    func prepare(for event: LedgerEvent, session: Int64, _ db: Database) throws {
        if event.passesHeldRun {
            runs[session]?.movesVersion = false
        } else {
            try flush(session: session, db)
        }
    }

    /// Writes the run of `session`, if one is held.
    func flush(session: Int64, _ db: Database) throws {
        guard let run = runs.removeValue(forKey: session) else { return }
        try write(run, session: session, db)
    }

    /// Writes every held run, in session order (neighbouring rows share pages).
    func flushAll(_ db: Database) throws {
        for (session, run) in runs.sorted(by: { $0.key < $1.key }) {
            try write(run, session: session, db)
        }
        runs.removeAll(keepingCapacity: true)
    }

    private func write(_ run: Run, session: Int64, _ db: Database) throws {
        try SessionRouterStateProjection.writeObserved(
            db, session: session, router: run.routerID, state: run.bgpState, sessionState: run.sessionState,
            prefixesReceived: run.prefixesReceived, lastError: run.lastError, streamVersion: run.streamVersion,
            time: RecordedTime.apiText(run.recordedAt), movesVersion: run.movesVersion)
    }
}

extension ObservedStateBuffer.Run {
    /// The run followed by `observed`: its last values win, except that once a step left the
    /// session "not configured" it stays so (the `CASE` of `SessionRouterStateProjection.observedSession`).
    mutating func merge(_ observed: SessionStateObserved, _ recorded: RecordedEvent) {
        bgpState = observed.state
        if sessionState != SessionState.notConfigured.rawValue { sessionState = observed.state }
        prefixesReceived = observed.prefixesReceived
        lastError = observed.lastError
        streamVersion = recorded.streamVersion
        recordedAt = recorded.recordedAt
        movesVersion = true
    }
}

extension LedgerEvent {
    /// True for the session events a held run of observed states may stay held across: they
    /// neither read nor write what the run will write (`state`, `prfx_received`, the router state
    /// row), only the version and modified time, which the run then leaves to them.
    var passesHeldRun: Bool {
        switch self {
        case let .sessionUpdated(updated): updated.changes["state"] == nil && updated.changes["prfx_received"] == nil
        case .sessionDeleted: true
        default: false
        }
    }

    /// The session whose rows this event's projections write or read, if any. Exhaustive on
    /// purpose: a new event type has to say whether it touches a session.
    var sessionID: Int64? {
        switch self {
        case let .sessionAdded(e): e.sessionID
        case let .sessionUpdated(e): e.sessionID
        case let .sessionDeleted(e): e.sessionID
        case let .sessionConfigurationRequested(e): e.sessionID
        case let .sessionConfigurationApplied(e): e.sessionID
        case let .sessionConfigurationFailed(e): e.sessionID
        case let .sessionStateObserved(e): e.sessionID
        case .apiKeyCreated, .apiKeyRevoked, .peeringDBObjectCreated, .peeringDBObjectChanged, .peeringDBObjectRemoved,
            .ownNetworkSet, .peerStatusReset, .peerUpdated, .routerAdded, .routerRemoved, .peeringRequestSent,
            .peeringRequestDelivered, .peeringRequestDeliveryFailed, .peeringRequestFailedPermanently, .peeringRequestAnswered:
            nil
        }
    }
}
