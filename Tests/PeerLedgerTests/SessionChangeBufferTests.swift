import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// A replay holds each session's observed states, updates and deletion back and writes the run
/// once (`SessionChangeBuffer`): the rows and history lines must come out exactly as applying
/// every event in turn left them, around pushes, updates of `state` and of the columns a history
/// line reads, deletions, a session that stays "not configured", an observation of a session the
/// ledger does not know, and however few runs it may hold.
@Suite struct SessionChangeBufferTests {
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

    static func updated(_ session: Int64, _ changes: [String: (FieldValue, FieldValue)]) -> LedgerEvent {
        .sessionUpdated(SessionUpdated(sessionID: session, changes: changes.mapValues { .init(from: $0.0, to: $0.1) }))
    }

    /// Session 1 is pushed between its observations; session 2 is never pushed, so it stays
    /// "not configured" whatever is observed; session 3 is updated and deleted between
    /// observations; the run of session 4 names two routers, then an update sets its state; session 9
    /// was never added; session 5 sees an observation whose state is "not configured", which
    /// keeps it there; session 6 is updated after its last observation, so the update's version
    /// stands; session 7 is updated three times (one column twice), renamed in the middle of
    /// its run (the history lines after it name the new name), deleted and observed after that;
    /// session 8 is updated, observed, then updated with no change (its version and time are the
    /// last update's, not the observation's).
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
        (added(7, state: "configured"), 7), (added(8, state: "configured"), 8),
        (updated(7, ["prfx_max": (.int(100), .int(200))]), 7), (observed(7, "established", prefixes: 20), 7),
        (updated(8, ["note": (.null, .text("a"))]), 8),
        (updated(7, ["prfx_max": (.int(200), .int(300)), "note": (.null, .text("x"))]), 7),
        (updated(7, ["peer_name": (.text("Network 7"), .text("Renamed 7"))]), 7), (observed(7, "idle"), 7),
        (updated(8, ["note": (.text("a"), .text("b")), "peer_group": (.null, .text("g"))]), 8),
        (updated(7, ["note": (.text("x"), .text("y"))]), 7), (.sessionDeleted(SessionDeleted(sessionID: 7)), 7),
        (observed(7, "active"), 7), (observed(8, "idle"), 8), (updated(8, [:]), 8),
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

    @Test func aRebuildHoldingSessionRunsLeavesEveryRowAndLineAsTheEventsDid() throws {
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
        #expect(kept.contains("session 7: active - v9 \(try time(7)) deleted"))
        #expect(kept.contains("session 8: idle - v5 \(try time(8))"))
        let columns = { try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT id, peer_name, prfx_max, note, peer_group FROM sessions WHERE id IN (7, 8) ORDER BY id")
                .map { "\($0[0] as Int64) \($0[1] as String) \($0[2] as Int64) \(($0[3] as String?) ?? "-") \(($0[4] as String?) ?? "-")" }
        } }
        let lines = { try ledger.readNow { db in
            try String.fetchAll(db, sql: "SELECT message FROM peer_log WHERE session_id = 7 ORDER BY position")
        } }
        #expect(try columns() == ["7 Renamed 7 300 y -", "8 Network 8 100 b g"])
        let keptLines = try lines()
        #expect(keptLines.map { $0.prefix(24) } == [
            "Session added: Network 7", "Session updated: Network", "Session updated: Network", "Session updated: Renamed",
            "Session updated: Renamed", "Session deleted: Renamed",
        ])
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
        #expect(try columns() == ["7 Renamed 7 300 y -", "8 Network 8 100 b g"])
        #expect(try lines() == keptLines)
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
        func recorded(_ version: Int64, _ hour: Int) -> RecordedEvent {
            RecordedEvent(
                position: version, stream: "session-1", streamVersion: version, type: "", schemaVersion: 1, payload: "{}",
                metadata: "{}", recordedAt: "2026-11-27T\(hour):00:00.000Z", prevHash: "", hash: "")
        }
        var run = SessionChangeBuffer.Run(streamVersion: 1, recordedAt: "2026-11-27T09:00:00.000Z")
        run.merge(Self.updated(1, ["prfx_max": (.int(1), .int(2))]), recorded(2, 10))
        #expect(run.observed == nil && run.columns == ["prfx_max": 2.databaseValue] && run.streamVersion == 2)
        run.merge(Self.observed(1, router: 7, "active", error: "Connect"), recorded(3, 11))
        run.merge(Self.observed(1, router: 8, "established", prefixes: 9), recorded(4, 12))
        run.merge(Self.updated(1, ["prfx_max": (.int(2), .int(3)), "note": (.null, .text("n"))]), recorded(5, 13))
        let observed = try #require(run.observed)
        #expect(observed.routerID == 7 && observed.bgpState == "established" && observed.sessionState == "established")
        #expect(observed.prefixesReceived == 9 && observed.lastError == nil && observed.recordedAt == "2026-11-27T12:00:00.000Z")
        #expect(run.columns == ["prfx_max": 3.databaseValue, "note": "n".databaseValue])
        #expect(run.streamVersion == 5 && run.recordedAt == "2026-11-27T13:00:00.000Z")
        run.merge(Self.observed(1, router: 7, "not configured"), recorded(6, 14))
        run.merge(Self.observed(1, router: 7, "idle", error: "x"), recorded(7, 15))
        run.merge(.sessionDeleted(SessionDeleted(sessionID: 1)), recorded(8, 16))
        #expect(run.observed?.bgpState == "idle" && run.observed?.sessionState == "not configured" && run.observed?.lastError == "x")
        #expect(run.columns["deleted"] == 1.databaseValue && run.streamVersion == 8)
    }

    @Test func onlyUpdatesThatLeaveTheLineColumnsAndStateAloneJoinARun() {
        #expect(Self.updated(1, ["prfx_max": (.int(1), .int(2)), "note": (.null, .text("n"))]).joinsHeldRun)
        #expect(Self.updated(1, [:]).joinsHeldRun)
        for column in ["peer_name", "source_asn", "source_ipaddr", "peer_asn", "peer_ipaddr", "peer_participant_id", "public_id", "state"] {
            #expect(!Self.updated(1, ["note": (.null, .text("n")), column: (.null, .int(1))]).joinsHeldRun, "\(column)")
        }
        #expect(Self.observed(1, "idle").joinsHeldRun && LedgerEvent.sessionDeleted(SessionDeleted(sessionID: 1)).joinsHeldRun)
        #expect(!Self.added(1, state: "configured").joinsHeldRun)
        #expect(!LedgerEvent.sessionConfigurationApplied(SessionConfigurationApplied(sessionID: 1, routerID: 1, operation: .configure)).joinsHeldRun)
    }
}
