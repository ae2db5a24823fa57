public import PeerLedger
public import PeerLedgerDomain

/// Reads each router's BGP neighbors and records what changed: one SessionStateObserved per
/// session whose state, received prefixes or last error differ from the last observation, and
/// nothing at all when nothing changed. Neighbors the ledger does not know, sessions pushed to a
/// router that no longer has them and sessions on it PeerLedger never pushed are reported as
/// drift, and recorded (RouterDriftObserved) whenever the drift differs from the last recorded.
public struct RouterPoller: Sendable {
    public let ledger: Ledger
    public let connector: any RouterConnector
    public var metadata = EventMetadata(actor: "routers-poll")

    public init(ledger: Ledger, connector: any RouterConnector = ProcessRouterConnector()) {
        self.ledger = ledger
        self.connector = connector
    }

    /// What one poll of one router found.
    public struct Report: Sendable {
        public var router: BGPRouter
        public var error: RouterAccessError?
        public var neighbors = 0
        /// One line per event appended: `session 41 (206.126.236.102): established, 10 prefixes`.
        public var changes: [String] = []
        /// Neighbors on the router that no live session of this router has.
        public var unknownNeighbors: [ObservedNeighbor] = []
        /// Sessions pushed to this router that it does not report.
        public var missingSessions: [Int64] = []
        /// Sessions whose neighbor is on the router though PeerLedger never pushed it (configured
        /// by hand): observed, but their state stays "not configured".
        public var unpushedSessions: [Int64] = []
        /// Whether this poll recorded a RouterDriftObserved (the drift changed).
        public var driftRecorded = false
        /// Why the router was not read (a platform PeerLedger renders for but does not reach).
        public var notPolled: String?

        /// The SessionStateObserved of `changes`, and the RouterDriftObserved when the drift changed.
        public var eventsAppended: Int { changes.count + (driftRecorded ? 1 : 0) }

        /// Text lines for `peerledger routers poll`.
        public var lines: [String] {
            var out: [String] = []
            if let notPolled { return ["\(router.name): not polled: \(notPolled)"] }
            if let error {
                out.append("\(router.name): \(error.description)")
                return out
            }
            out.append("\(router.name): \(neighbors) neighbors, \(changes.count) changes")
            out += changes.map { "  \($0)" }
            out += unknownNeighbors.map {
                "  drift: neighbor \($0.address) (AS\($0.remoteASN.map(String.init) ?? "?"), \($0.state.rawValue)) is on the router but in no session of \(router.name)"
            }
            out += missingSessions.map { "  drift: session \($0) was pushed to \(router.name) but the router has no such neighbor" }
            out += unpushedSessions.map {
                "  drift: session \($0) is on \(router.name) but was never pushed by PeerLedger (its state stays not configured)"
            }
            return out
        }
    }

    public func pollAll() async throws -> [Report] {
        var reports: [Report] = []
        for router in try await ledger.reading({ reader in try reader.routers() }) {
            reports.append(try await poll(router))
        }
        return reports
    }

    public func poll(_ router: BGPRouter) async throws -> Report {
        var report = Report(router: router)
        guard Push.platforms.contains(router.platform) else {
            report.notPolled = "PeerLedger reads BGP state from frr and bird2 routers only, this one is \(router.platform.rawValue)"
            return report
        }
        let password = try await ledger.reading { reader in try reader.storedPassword(of: router) }
        let connection = connector.connection(to: router, credentials: nil, storedPassword: password)
        let observed: [ObservedNeighbor]
        do throws(RouterAccessError) {
            observed = try await connection.neighbors()
        } catch {
            report.error = error
            return report
        }
        report.neighbors = observed.count
        let result = try await ledger.write(metadata) { tx in try Self.record(observed, router: router, tx) }
        report.changes = result.changes
        report.unknownNeighbors = result.unknown
        report.missingSessions = result.missing
        report.unpushedSessions = result.unpushed
        report.driftRecorded = result.driftRecorded
        return report
    }

    static func record(_ observed: [ObservedNeighbor], router: BGPRouter, _ tx: LedgerTransaction) throws -> (
        changes: [String], unknown: [ObservedNeighbor], missing: [Int64], unpushed: [Int64], driftRecorded: Bool
    ) {
        var byAddress: [String: Int64] = [:]
        var notConfigured = Set<Int64>()
        for session in try tx.reader.liveSessions(onRouter: router.id) {
            byAddress[session.peerAddress] = session.id
            if session.state == SessionState.notConfigured.rawValue { notConfigured.insert(session.id) }
        }
        let states = try tx.reader.routerStates(router: router.id)
        var changes: [String] = []
        var unknown: [ObservedNeighbor] = []
        var seen = Set<Int64>()
        var unpushed: [Int64] = []
        for neighbor in observed {
            guard let sessionID = byAddress[neighbor.address] else {
                unknown.append(neighbor)
                continue
            }
            guard seen.insert(sessionID).inserted else { continue }
            if notConfigured.contains(sessionID) { unpushed.append(sessionID) }
            let last = states[sessionID]
            if let last, last.bgpState == neighbor.state.rawValue, last.prefixesReceived == neighbor.prefixesReceived,
                last.lastError == neighbor.lastError
            {
                continue
            }
            let stream = Session.stream(sessionID)
            try tx.append(
                .sessionStateObserved(
                    SessionStateObserved(
                        sessionID: sessionID, routerID: router.id, state: neighbor.state.rawValue,
                        prefixesReceived: neighbor.prefixesReceived, lastError: neighbor.lastError)),
                to: stream, expecting: .exactly(try tx.version(of: stream) ?? 0))
            var line = "session \(sessionID) (\(neighbor.address)): \(neighbor.state.rawValue), \(neighbor.prefixesReceived ?? 0) prefixes"
            if let error = neighbor.lastError { line += ", last error: \(error)" }
            changes.append(line)
        }
        let live = Set(byAddress.values)
        let missing = states.values.filter { $0.onRouter && live.contains($0.sessionID) && !seen.contains($0.sessionID) }.map(\.sessionID).sorted()
        let drift = RouterDriftObserved(
            routerID: router.id, unknownNeighbors: unknown.map { DriftNeighbor(address: $0.address, remoteASN: $0.remoteASN) },
            missingSessions: missing, unpushedSessions: unpushed)
        let driftRecorded = try recordDrift(drift, tx)
        return (changes, unknown, missing, unpushed, driftRecorded)
    }

    /// Appends `drift` to the router's stream when it differs from the last drift recorded there
    /// (none recorded reads as no drift): a coordinator sees when drift appeared, changed and
    /// went, and the log does not grow by a poll that found the same.
    static func recordDrift(_ drift: RouterDriftObserved, _ tx: LedgerTransaction) throws -> Bool {
        let stream = BGPRouter.stream(drift.routerID)
        let last = try tx.reader.events(matching: AuditQuery(stream: stream, type: RouterDriftObserved.type)).last
        let before: RouterDriftObserved? = try last.flatMap { event in
            guard case let .routerDriftObserved(recorded) = try LedgerEvent(event) else { return nil }
            return recorded
        }
        if let before, before == drift { return false }
        if before == nil, drift.isEmpty { return false }
        try tx.append(.routerDriftObserved(drift), to: stream, expecting: .exactly(try tx.version(of: stream) ?? 0))
        return true
    }
}
