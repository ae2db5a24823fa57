import GRDB
import PeerLedgerDomain

/// A replay's changes to sessions (a rebuild's, a catch-up's, or `as_of`'s after its snapshot),
/// held back per session so that each session's run of changes is written once, as its last
/// event left the rows, instead of once per event.
///
/// Most of a live network's log is observed BGP states (more than half of the realistic
/// world's events) and session updates (most of the rest). Each observation writes the session's
/// `session_router_state` row and its `sessions` row; each update and deletion its `sessions` row.
/// Every one of those writes is last-write-wins per column, except that a session in "not
/// configured" stays so whatever is observed, which `Run.merge` keeps exactly. A run of such
/// events therefore leaves the same rows as its merge written once.
///
/// What may join a run (`LedgerEvent.joinsHeldRun`): an observed state, a deletion, and an update
/// that leaves alone `state` and the columns a history line reads (`lineColumns`). The line each
/// update or deletion writes says the session's label, which the run does not change: it is read
/// from the row once (`label`) and kept until an event that may change it applies. Any other
/// event of the session (`LedgerEvent.sessionID`: its addition, a push, an update of those
/// columns) writes the run first. Only events of a session write its two rows (the projections'
/// switch statements say so), so nothing else can see a held change. At most `limit` sessions'
/// runs are held; a new one past that writes them all first, which bounds a replay's memory
/// whatever the log holds.
final class SessionChangeBuffer {
    /// A session's held changes, merged.
    struct Run {
        /// The observed part: present once an observation joined the run.
        var observed: Observed?
        /// Columns set by updates (and `deleted` by a deletion), the last value of each.
        var columns: [String: DatabaseValue] = [:]
        /// The session's version and modified time as the run's last event left them.
        var streamVersion: Int64
        var recordedAt: String
    }

    /// The observations of a run, merged.
    struct Observed {
        /// The router of the run's first observation: the row's router when the run creates it
        /// (an existing row keeps its router, as the upsert of each observation did).
        var routerID: Int64
        /// The last observed BGP state (the router state row's).
        var bgpState: String
        /// What the observations leave in the session's `state`: the last one's, unless one of
        /// them was "not configured" (see `Run.merge`).
        var sessionState: String
        var prefixesReceived: Int64?
        var lastError: String?
        /// The last observation's time (the router state row's `observed_at`).
        var recordedAt: String
    }

    /// The columns a session's history line reads (its label, and whether it has a peer and an
    /// exchange); an update of one of them, or of `state`, writes the run before it applies.
    static let lineColumns: Set<String> = [
        "peer_name", "source_asn", "source_ipaddr", "peer_asn", "peer_ipaddr", "peer_participant_id", "public_id", "state",
    ]

    /// What a session's history line says of it, as its row gives it: where its peer is and its
    /// label (`PeerLogProjection.labelExpression`).
    struct LineLabel {
        var participant: Int64
        var exchange: Int64
        var text: String
    }

    /// How many sessions' runs (and labels) are held at most unless told (50,000 runs are a few
    /// megabytes).
    static let defaultLimit = 50_000
    let limit: Int
    private(set) var runs: [Int64: Run] = [:]
    /// Labels read during the replay; nil for a session that gets no line (no row, or no peer or
    /// exchange). Forgotten whenever an event that may change them applies (`forgetLabel`).
    private var labels: [Int64: LineLabel?] = [:]

    init(limit: Int = defaultLimit) {
        self.limit = max(limit, 1)
    }

    /// Holds `event` (one that `joinsHeldRun`) back, merged into its session's run. An update
    /// naming a column the sessions projection does not know is refused here, as applying it would.
    func hold(_ event: LedgerEvent, session: Int64, _ recorded: RecordedEvent, _ db: Database) throws {
        if case let .sessionUpdated(updated) = event { try SessionsProjection.checkColumns(updated.changes.keys, at: recorded) }
        // Merged where it is held: a run copied out and stored back cost a retain and a release
        // of each of its strings and its columns per event.
        if let index = runs.index(forKey: session) {
            runs.values[index].merge(event, recorded)
            return
        }
        if runs.count >= limit { try flushAll(db) }
        var run = Run(streamVersion: recorded.streamVersion, recordedAt: recorded.recordedAt)
        run.merge(event, recorded)
        runs[session] = run
    }

    /// The label of `session` for the history line of a held update or deletion: the row's, read
    /// once and kept until `forgetLabel`. The run never changes the columns it comes from.
    func label(of session: Int64, _ db: Database) throws -> LineLabel? {
        if let known = labels[session] { return known }
        let label = try PeerLogProjection.label(of: session, db)
        if labels.count >= limit { labels.removeAll(keepingCapacity: true) }
        labels[session] = label
        return label
    }

    /// Forgets the label of `session`: an event that may change it (its addition, an update of a
    /// line's column) is about to apply.
    func forgetLabel(of session: Int64) {
        labels.removeValue(forKey: session)
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
        if let observed = run.observed {
            // A run that sets no column and ends at the observations' time (most runs): the
            // observation's own statement moves the version and time too, one statement fewer.
            let observationsEndIt = run.columns.isEmpty && observed.recordedAt == run.recordedAt
            try SessionRouterStateProjection.writeObserved(
                db, session: session, router: observed.routerID, state: observed.bgpState, sessionState: observed.sessionState,
                prefixesReceived: observed.prefixesReceived, lastError: observed.lastError,
                streamVersion: observationsEndIt ? run.streamVersion : nil, time: RecordedTime.apiText(observed.recordedAt))
            if observationsEndIt { return }
        }
        try SessionsProjection.update(
            db, session: session, columns: run.columns.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            version: run.streamVersion, time: RecordedTime.apiText(run.recordedAt))
    }
}

extension SessionChangeBuffer.Run {
    /// Adds `event` to the run: the last value of each column wins, except that once an
    /// observation left the session "not configured" it stays so (the `CASE` of
    /// `SessionRouterStateProjection.observedSessionState`); the router is the first observation's.
    mutating func merge(_ event: LedgerEvent, _ recorded: RecordedEvent) {
        streamVersion = recorded.streamVersion
        recordedAt = recorded.recordedAt
        switch event {
        case let .sessionStateObserved(observation):
            // Moved out and back (`take`), so the strings are not copied.
            var merged =
                observed.take()
                ?? SessionChangeBuffer.Observed(
                    routerID: observation.routerID, bgpState: observation.state, sessionState: observation.state,
                    prefixesReceived: nil, lastError: nil, recordedAt: recorded.recordedAt)
            merged.bgpState = observation.state
            if merged.sessionState != SessionState.notConfigured.rawValue { merged.sessionState = observation.state }
            merged.prefixesReceived = observation.prefixesReceived
            merged.lastError = observation.lastError
            merged.recordedAt = recorded.recordedAt
            observed = merged
        case let .sessionUpdated(updated):
            for (name, change) in updated.changes { columns[name] = change.to.databaseValue }
        case .sessionDeleted:
            columns["deleted"] = 1.databaseValue
        default:
            break
        }
    }
}

extension LedgerEvent {
    /// True for the session events that may join a held run (see `SessionChangeBuffer`).
    var joinsHeldRun: Bool {
        switch self {
        case .sessionStateObserved, .sessionDeleted: true
        case let .sessionUpdated(updated): updated.changes.keys.allSatisfy { !SessionChangeBuffer.lineColumns.contains($0) }
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
            .peeringRequestDelivered, .peeringRequestDeliveryFailed, .peeringRequestFailedPermanently, .peeringRequestAnswered,
            .webhookSubscribed, .webhookUnsubscribed, .webhookDisabled, .userCreated, .userDisabled, .userPasswordChanged,
            .routerDriftObserved, .logVerified:
            nil
        }
    }
}
