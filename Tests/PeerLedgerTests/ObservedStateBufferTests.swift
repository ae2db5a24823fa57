import Foundation
import GRDB
import Testing

@testable import PeerLedger

/// A rebuild holds observed states back and writes each session's run of them once
/// (`ObservedStateBuffer`): the rows must come out exactly as applying every event in turn left
/// them, around pushes, updates, deletions, a session that stays "not configured", an
/// observation of a session the ledger does not know, and however few runs it may hold.
@Suite struct ObservedStateBufferTests {
    static func observed(_ session: Int64, router: Int64 = 1, _ state: String, prefixes: Int64? = nil, error: String? = nil)
        -> LedgerEvent
    {
        .sessionStateObserved(
            SessionStateObserved(sessionID: session, routerID: router, state: state, prefixesReceived: prefixes, lastError: error))
    }

    static func added(_ session: Int64, state: String) -> LedgerEvent {
        .sessionAdded(
            SessionAdded(sessionID: session, fields: [
                "public_id": .int(1), "peer_asn": .int(64_500 + session), "peer_ipaddr": .text("10.0.0.\(session)"),
                "peer_participant_id": .int(session), "peer_name": .text("Network \(session)"), "ip_type": .text("ipv4"),
                "state": .text(state), "prfx_max": .int(100),
            ]))
    }

    /// Session 1 is pushed between its observations; session 2 is never pushed, so it stays
    /// "not configured" whatever is observed; session 3 is updated and deleted between
    /// observations; session 4's run names two routers, then an update sets its state; session 9
    /// was never added; session 5 sees an observation whose state is "not configured", which
    /// keeps it there; session 6 is updated after its last observation, so the update's version
    /// stands.
    static let log: [(LedgerEvent, Int64)] = [
        (added(1, state: "not configured"), 1), (added(2, state: "not configured"), 2), (added(3, state: "configured"), 3),
        (added(4, state: "configured"), 4), (added(5, state: "configured"), 5), (added(6, state: "configured"), 6),
        (observed(6, "established", prefixes: 9), 6),
        (.sessionUpdated(SessionUpdated(sessionID: 6, changes: ["note": .init(from: .null, to: .text("checked"))])), 6),
        (observed(1, "active", error: "Connect"), 1), (observed(2, "idle"), 2), (observed(1, "connect"), 1),
        (.sessionConfigurationRequested(
            SessionConfigurationRequested(sessionID: 1, routerID: 1, operation: .configure, givenByCaller: false, configuration: "x")), 1),
        (observed(1, "idle", error: "Hold Timer Expired"), 1),
        (.sessionConfigurationApplied(SessionConfigurationApplied(sessionID: 1, routerID: 1, operation: .configure)), 1),
        (observed(1, "established", prefixes: 40), 1), (observed(2, "established", prefixes: 7), 2),
        (observed(3, "established", prefixes: 12), 3),
        (.sessionUpdated(SessionUpdated(sessionID: 3, changes: ["prfx_max": .init(from: .int(100), to: .int(200))])), 3),
        (observed(3, "active"), 3), (observed(4, router: 2, "active"), 4), (observed(4, router: 1, "established", prefixes: 3), 4),
        (observed(9, "idle", error: "Connect"), 9), (observed(9, "established", prefixes: 1), 9),
        (observed(5, "not configured"), 5), (observed(5, "established", prefixes: 2), 5),
        (observed(3, "established", prefixes: 5), 3), (.sessionDeleted(SessionDeleted(sessionID: 3)), 3),
        (observed(3, "idle"), 3), (observed(2, "active"), 2),
        (.sessionUpdated(SessionUpdated(sessionID: 4, changes: ["state": .init(from: .text("established"), to: .text("configured"))])), 4),
    ]

    /// A clock that moves a second per call, so a row's modified time names the event that set it.
    static func ledger() throws -> Ledger {
        let ledger = try Ledger.inMemory(clock: SteppingClock(start: Timestamp(millis: 1_795_000_000_000), stepMillis: 1000))
        for (event, session) in log {
            _ = try ledger.writeNow(EventMetadata(actor: "test")) { tx in try tx.append(event, to: Session.stream(session), expecting: .any) }
        }
        return ledger
    }

    /// The rows the held-back runs write, as applying each event in turn wrote them.
    static func rows(_ ledger: Ledger) throws -> [String] {
        try ledger.readNow { db in
            try Row.fetchAll(db, sql: """
                SELECT 'session ' || id || ': ' || state || ' ' || COALESCE(prfx_received, '-') || ' v' || version || ' '
                    || modified || IIF(deleted, ' deleted', '') FROM sessions ORDER BY id
                """).map { $0[0] as String }
                + Row.fetchAll(db, sql: """
                    SELECT 'router state ' || session_id || ': router ' || router_id || ' ' || COALESCE(bgp_state, '-') || ' '
                        || COALESCE(prfx_received, '-') || ' ' || COALESCE(last_error, '-') || ' ' || COALESCE(last_push, '-')
                    FROM session_router_state ORDER BY session_id
                    """).map { $0[0] as String }
        }
    }

    @Test func aRebuildHoldingObservedStatesLeavesEveryRowAsTheEventsDid() throws {
        let ledger = try Self.ledger()
        let kept = try Self.rows(ledger)
        // The time of a session's last event: what its row's modified time must be.
        func time(_ session: Int64) throws -> String {
            let recorded = try ledger.readNow { db in
                try String.fetchOne(
                    db, sql: "SELECT recorded_at FROM events WHERE stream = ? ORDER BY position DESC LIMIT 1",
                    arguments: [Session.stream(session)])
            }
            return RecordedTime.apiText(try #require(recorded))
        }
        // Real values, so a rebuild that agreed with a wrong live projection would not pass.
        #expect(kept.contains("session 1: established 40 v7 \(try time(1))"))
        #expect(kept.contains("session 2: not configured - v4 \(try time(2))"))
        #expect(kept.contains("session 3: idle - v7 \(try time(3)) deleted"))
        #expect(kept.contains("session 4: configured 3 v4 \(try time(4))"))
        #expect(kept.contains("session 5: not configured 2 v3 \(try time(5))"))
        #expect(kept.contains("session 6: established 9 v3 \(try time(6))"))
        #expect(kept.contains("router state 1: router 1 established 40 - applied"))
        #expect(kept.contains("router state 5: router 1 established 2 - -"))
        #expect(kept.contains("router state 4: router 2 established 3 - -"))
        #expect(kept.contains("router state 9: router 1 established 1 - -"))
        #expect(!kept.contains { $0.hasPrefix("session 9:") })

        let report = try ledger.rebuild()
        #expect(report.events == Int64(Self.log.count))
        #expect(report.matches)
        let rebuilt = try Self.rows(ledger)
        #expect(rebuilt == kept)
    }

    @Test(arguments: [1, 2, 3])
    func aRebuildHoldingFewRunsWritesThemEarlyAndLeavesTheSameRows(limit: Int) throws {
        let ledger = try Self.ledger()
        let kept = try ledger.projectionChecksum()
        let rows = try Self.rows(ledger)
        try ledger.database.write { db in _ = try Projector.rebuild(db, holdingAtMost: limit) }
        #expect(try ledger.projectionChecksum() == kept)
        #expect(try Self.rows(ledger) == rows)
    }

    /// `as_of` replays the events after the nearest snapshot the same way (`Projector.replaying`):
    /// at every moment of the log its sessions and router states equal those of a ledger that
    /// applied the same events one by one.
    @Test func asOfEveryMomentEqualsTheEventsAppliedInTurn() async throws {
        // Both clocks are set to the same second before each event (taking a snapshot reads the clock too).
        let start = Timestamp(millis: 1_795_000_000_000)
        let (fileClock, referenceClock) = (SteppingClock(start: start, stepMillis: 0), SteppingClock(start: start, stepMillis: 0))
        let file = try Ledger.open(at: temporaryDatabasePath(), clock: fileClock, snapshotInterval: 4)
        let reference = try Ledger.inMemory(clock: referenceClock)
        let tables = [(name: "sessions", order: "id"), (name: "session_router_state", order: "session_id")]
        func checksums(_ ledger: Ledger) throws -> [String] {
            try ledger.readNow { db in try tables.map { try Projector.checksum(of: $0, schema: "main", db) } }
        }
        var expected: [[String]] = []
        for (index, (event, session)) in Self.log.enumerated() {
            for clock in [fileClock, referenceClock] { clock.set(Timestamp(millis: start.millis + Int64(index) * 1000)) }
            for ledger in [file, reference] {
                _ = try ledger.writeNow(EventMetadata(actor: "test")) { tx in try tx.append(event, to: Session.stream(session), expecting: .any) }
            }
            try file.takeSnapshotIfDue()
            expected.append(try checksums(reference))
        }
        #expect(file.snapshots?.positions().count == Self.log.count / 4)
        let times = try file.readNow { db in try String.fetchAll(db, sql: "SELECT recorded_at FROM events ORDER BY position") }
        for (index, time) in times.enumerated() {
            let past = try await PointInTime.build(of: file, asOf: try #require(Timestamp(parsing: time)), withLog: false)
            #expect(past.start == Int64((index + 1) / 4 * 4), "position \(index + 1)")
            #expect(try checksums(past.ledger) == expected[index], "position \(index + 1)")
        }
    }

    @Test func aRunKeepsItsFirstRouterAndNotConfiguredButTakesTheLastValues() throws {
        let later = RecordedEvent(
            position: 2, stream: "session-1", streamVersion: 3, type: SessionStateObserved.type, schemaVersion: 1, payload: "{}",
            metadata: "{}", recordedAt: "2026-11-27T11:00:00.000Z", prevHash: "", hash: "")
        var run = ObservedStateBuffer.Run(
            routerID: 7, bgpState: "active", sessionState: "active", prefixesReceived: nil, lastError: "Connect", streamVersion: 2,
            recordedAt: "2026-11-27T10:00:00.000Z")
        run.merge(SessionStateObserved(sessionID: 1, routerID: 8, state: "established", prefixesReceived: 9, lastError: nil), later)
        #expect(run.routerID == 7 && run.bgpState == "established" && run.sessionState == "established")
        #expect(run.prefixesReceived == 9 && run.lastError == nil)
        #expect(run.streamVersion == 3 && run.recordedAt == "2026-11-27T11:00:00.000Z")
        run.merge(SessionStateObserved(sessionID: 1, routerID: 7, state: "not configured", prefixesReceived: nil, lastError: nil), later)
        run.merge(SessionStateObserved(sessionID: 1, routerID: 7, state: "idle", prefixesReceived: nil, lastError: "x"), later)
        #expect(run.bgpState == "idle" && run.sessionState == "not configured" && run.lastError == "x")
    }
}
