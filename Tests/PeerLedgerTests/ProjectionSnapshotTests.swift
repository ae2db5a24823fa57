import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

/// A file ledger that snapshots its projections every `interval` events, with a clock the test
/// moves by hand.
private struct SnapshottingLedger {
    let t: TestLedger
    var ledger: Ledger { t.ledger }
    var clock: SteppingClock { t.clock }

    init(path: String = temporaryDatabasePath(), interval: Int64) throws {
        t = try TestLedger(start: "2026-11-01 09:00:00", path: path, snapshotInterval: interval)
    }

    /// Calls an action that must succeed.
    @discardableResult
    func call(_ query: String) async throws -> APIAnswer {
        let answer = try await t.call(query)
        #expect(answer.succeeded, "\(query): \(answer.message)")
        return answer
    }

    /// Day `n` of the month at noon, one command a day: sessions 1...3 added, then updated.
    func writeHistory(days: Int, snapshotting: Bool) async throws {
        for day in 1...days {
            clock.set(Timestamp(parsing: String(format: "2026-11-%02d 12:00:00", day))!)
            if day <= 3 {
                try await call(
                    "action=addSession&public_id=1&source_asn=8038&peer_asn=\(64_500 + day)&peer_participant_id=\(day)&peer_ipaddr=10.0.0.\(day)&peer_group=day\(day)&password=pw\(day)")
            } else {
                try await call("action=updateSession&id=\(day % 3 + 1)&peer_group=day\(day)")
            }
            if snapshotting { try ledger.takeSnapshotIfDue() }
        }
    }

    func groups(asOf moment: String) async throws -> [String] {
        let answer = try await call("action=getSessions&public_id=1&as_of=\(moment)")
        return (answer.data?.arrayValue ?? []).compactMap { $0["peer_group"]?.stringValue }.sorted()
    }
}

@Suite("Projection snapshots")
struct ProjectionSnapshotTests {
    @Test("a snapshot is taken once the log has grown an interval past the newest one")
    func snapshotsFollowTheInterval() async throws {
        let s = try SnapshottingLedger(interval: 3)
        try await s.writeHistory(days: 10, snapshotting: true)
        #expect(s.ledger.snapshots?.positions() == [3, 6, 9])
        #expect(try s.ledger.takeSnapshotIfDue() == nil)
    }

    @Test("as_of answers from the nearest snapshot exactly as a replay from position 1 does")
    func asOfFromSnapshotEqualsFullReplay() async throws {
        let s = try SnapshottingLedger(interval: 3)
        try await s.writeHistory(days: 10, snapshotting: true)
        var fromSnapshots: [String: [String]] = [:]
        for day in 1...10 {
            let moment = String(format: "2026-11-%02d+18:00:00", day)
            fromSnapshots[moment] = try await s.groups(asOf: moment)
        }
        // On day 8 (position 8) the newest snapshot at or before is position 6.
        let built = try await PointInTime.build(of: s.ledger, asOf: Timestamp(parsing: "2026-11-08 18:00:00")!, withLog: false)
        #expect(built.start == 6)
        #expect(fromSnapshots["2026-11-08+18:00:00"] == ["day6", "day7", "day8"])
        #expect(fromSnapshots["2026-11-02+18:00:00"] == ["day1", "day2"])

        try FileManager.default.removeItem(at: s.ledger.snapshots!.directory)
        for (moment, groups) in fromSnapshots {
            #expect(try await s.groups(asOf: moment) == groups, "as_of \(moment)")
        }
        let replayed = try await PointInTime.build(of: s.ledger, asOf: Timestamp(parsing: "2026-11-08 18:00:00")!, withLog: false)
        #expect(replayed.start == 0)
    }

    @Test("as_of from a snapshot shows the password then in force, and the snapshot file holds no secret")
    func snapshotsHoldNoSecrets() async throws {
        let s = try SnapshottingLedger(interval: 3)
        try await s.writeHistory(days: 4, snapshotting: true)
        let answer = try await s.call("action=getSessions&public_id=1&as_of=2026-11-04+18:00:00")
        #expect(answer.data?.arrayValue?.compactMap { $0["password"]?.stringValue }.sorted() == ["pw1", "pw2", "pw3"])
        let file = s.ledger.snapshots!.directory.appendingPathComponent("3.sqlite")
        let bytes = try Data(contentsOf: file)
        #expect(bytes.range(of: Data("pw2".utf8)) == nil)
        let snapshot = try DatabaseQueue(path: file.path)
        #expect(try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM secrets") } == 0)
        #expect(try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") } == 0)
    }

    @Test("a snapshot that names another event than the log holds at its position is not used")
    func staleSnapshotIsIgnored() async throws {
        let other = try SnapshottingLedger(interval: 3)
        try await other.writeHistory(days: 6, snapshotting: true)
        let path = temporaryDatabasePath()
        let s = try SnapshottingLedger(path: path, interval: 3)
        s.clock.set(Timestamp(parsing: "2026-11-01 12:00:00")!)
        for day in 1...4 {
            try await s.call("action=addSession&public_id=1&source_asn=8038&peer_asn=\(65_000 + day)&peer_ipaddr=10.9.0.\(day)&peer_group=mine\(day)")
        }
        // The other ledger's snapshots copied beside this one, as a restored backup might leave them,
        // and a half-written file of a snapshot interrupted by a crash.
        try FileManager.default.copyItem(at: other.ledger.snapshots!.directory, to: s.ledger.snapshots!.directory)
        let leftover = s.ledger.snapshots!.directory.appendingPathComponent(".new-interrupted.sqlite")
        try Data("partial".utf8).write(to: leftover)
        let built = try await PointInTime.build(of: s.ledger, asOf: Timestamp(parsing: "2026-11-01 18:00:00")!, withLog: false)
        #expect(built.start == 0)
        #expect(try await s.groups(asOf: "2026-11-01+18:00:00") == ["mine1", "mine2", "mine3", "mine4"])
        #expect(try s.ledger.snapshots?.pruneUnusable(s.ledger) == [3, 6])
        #expect(s.ledger.snapshots?.positions() == [])
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
    }

    @Test("backfill writes a snapshot every interval events of an existing log, equal to live ones")
    func backfillMatchesLiveSnapshots() async throws {
        let s = try SnapshottingLedger(interval: 3)
        try await s.writeHistory(days: 10, snapshotting: true)
        let live = try checksums(s.ledger.snapshots!, [3, 6, 9])
        try FileManager.default.removeItem(at: s.ledger.snapshots!.directory)
        #expect(try s.ledger.backfillSnapshots() == [3, 6, 9])
        #expect(try checksums(s.ledger.snapshots!, [3, 6, 9]) == live)
        #expect(try s.ledger.backfillSnapshots() == [])
    }

    @Test("backfill fills a gap between live snapshots and leaves covered boundaries alone")
    func backfillFillsGaps() async throws {
        let s = try SnapshottingLedger(interval: 3)
        try await s.writeHistory(days: 3, snapshotting: true)
        for day in 4...9 {
            s.clock.set(Timestamp(parsing: String(format: "2026-11-%02d 12:00:00", day))!)
            try await s.call("action=updateSession&id=\(day % 3 + 1)&peer_group=day\(day)")
        }
        s.clock.set(Timestamp(parsing: "2026-11-10 12:00:00")!)
        try await s.call("action=updateSession&id=1&peer_group=day10")
        try s.ledger.takeSnapshotIfDue()
        #expect(s.ledger.snapshots?.positions() == [3, 10])
        #expect(s.ledger.snapshots?.missingBoundaries(head: 10) == [6])
        #expect(try s.ledger.backfillSnapshots() == [6])
        #expect(s.ledger.snapshots?.positions() == [3, 6, 10])
        let built = try await PointInTime.build(of: s.ledger, asOf: Timestamp(parsing: "2026-11-08 18:00:00")!, withLog: false)
        #expect(built.start == 6)
        #expect(try await s.groups(asOf: "2026-11-08+18:00:00") == ["day6", "day7", "day8"])
    }

    @Test("a ledger shorter than one interval gets no snapshot folder from backfill or the keeper's checks")
    func shortLedgerTouchesNoFile() async throws {
        let s = try SnapshottingLedger(interval: 100)
        try await s.writeHistory(days: 5, snapshotting: true)
        #expect(try s.ledger.backfillSnapshots() == [])
        #expect(try s.ledger.snapshots?.pruneUnusable(s.ledger) == [])
        #expect(!FileManager.default.fileExists(atPath: s.ledger.snapshots!.directory.path))
    }

    @Test("the log's time never goes back: a clock stepped backwards records the last event's time")
    func recordedTimeNeverGoesBack() async throws {
        let s = try SnapshottingLedger(interval: 100)
        s.clock.set(Timestamp(parsing: "2026-11-05 12:00:00")!)
        try await s.call("action=addSession&public_id=1&source_asn=8038&peer_asn=64501&peer_ipaddr=10.0.0.1")
        s.clock.set(Timestamp(parsing: "2026-11-04 12:00:00")!)
        try await s.call("action=updateSession&id=1&peer_group=later")
        let times = try s.ledger.readNow { db in try String.fetchAll(db, sql: "SELECT recorded_at FROM events ORDER BY position") }
        #expect(times == ["2026-11-05T12:00:00.000Z", "2026-11-05T12:00:00.000Z"])
        #expect(try s.ledger.verify().isValid)
    }

    @Test("the last position at or before a moment is found by bisecting the log")
    func lastPositionBisects() async throws {
        let s = try SnapshottingLedger(interval: 100)
        try await s.writeHistory(days: 7, snapshotting: false)
        let moments = ["2026-10-31 00:00:00", "2026-11-01 12:00:00", "2026-11-04 11:59:59", "2026-12-01 00:00:00"]
        let positions = try s.ledger.readNow { db in
            try moments.map { try PointInTime.lastPosition(atOrBefore: Timestamp(parsing: $0)!, db) }
        }
        #expect(positions == [0, 1, 3, 7])
    }

    @Test("as_of from a snapshot shows the communications history up to the moment, read from the live table")
    func historyAsOfComesFromTheLiveTable() async throws {
        let t = try TestLedger(start: "2026-11-01 12:00:00", path: temporaryDatabasePath(), snapshotInterval: 4)
        try await t.importPeeringDB(try PeeringDBFixture())
        try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        let base = try t.eventCount()
        for day in 2...9 {
            t.clock.set(Timestamp(parsing: String(format: "2026-11-%02d 12:00:00", day))!)
            let answer = try await t.call(
                "action=addSession&public_id=1&source_asn=8038&peer_asn=8560&peer_participant_id=262&peer_ipaddr=10.0.1.\(day)&peer_group=day\(day)")
            #expect(answer.succeeded, "\(answer.message)")
            try t.ledger.takeSnapshotIfDue()
        }
        func lines(_ day: Int) async throws -> [String] {
            let answer = try await t.call(String(format: "action=getCommunications&public_id=1&as_of=2026-11-%02d+18:00:00", day))
            let peer = answer.data?.arrayValue?.first { $0["id"] == .string("262") }
            return (peer?["log_data"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
        }
        var fromSnapshots: [Int: [String]] = [:]
        for day in 2...9 { fromSnapshots[day] = try await lines(day) }
        #expect(fromSnapshots[9]?.count == 8)
        #expect(fromSnapshots[5]?.count == 4)
        #expect(fromSnapshots[5]?.first?.contains("10.0.1.5") == true)
        let used = try await PointInTime.build(of: t.ledger, asOf: Timestamp(parsing: "2026-11-09 18:00:00")!, withLog: false)
        #expect(used.start > base)
        let newest = try #require(t.ledger.snapshots?.positions().last)
        let snapshot = try DatabaseQueue(path: t.ledger.snapshots!.directory.appendingPathComponent("\(newest).sqlite").path)
        #expect(try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM peer_log") } == 0)

        try FileManager.default.removeItem(at: t.ledger.snapshots!.directory)
        for day in 2...9 { #expect(try await lines(day) == fromSnapshots[day], "day \(day)") }
    }

    @Test("a table unchanged since the previous snapshot is shared, not copied; as_of still equals a full replay")
    func unchangedTablesAreShared() async throws {
        let t = try TestLedger(start: "2026-11-01 12:00:00", path: temporaryDatabasePath(), snapshotInterval: 3)
        try await t.importPeeringDB(try PeeringDBFixture())
        try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        try t.ledger.takeSnapshotIfDue()
        for day in 2...8 {
            t.clock.set(Timestamp(parsing: String(format: "2026-11-%02d 12:00:00", day))!)
            try await t.call(
                "action=addSession&public_id=1&source_asn=8038&peer_asn=8560&peer_participant_id=262&peer_ipaddr=10.0.2.\(day)&peer_group=day\(day)")
            try t.ledger.takeSnapshotIfDue()
        }
        let snapshots = try #require(t.ledger.snapshots)
        let positions = snapshots.positions()
        #expect(positions.count == 3)
        let first = try #require(positions.first), last = try #require(positions.last)
        let entries = try #require(snapshots.tables(at: last))
        #expect(entries["peeringdb_objects"]?.origin == first)
        #expect(entries["sessions"]?.origin == last)
        let lastFile = try DatabaseQueue(path: snapshots.directory.appendingPathComponent("\(last).sqlite").path)
        #expect(try await lastFile.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM peeringdb_objects") } == 0)

        func peers(_ day: Int) async throws -> String {
            try await t.call(String(format: "action=getPeers&public_id=1&include_log_data=1&as_of=2026-11-%02d+18:00:00", day)).text
        }
        let built = try await PointInTime.build(of: t.ledger, asOf: Timestamp(parsing: "2026-11-08 18:00:00")!, withLog: false)
        #expect(built.start == last)
        var fromSnapshots: [Int: String] = [:]
        for day in 2...8 { fromSnapshots[day] = try await peers(day) }
        #expect(fromSnapshots[8]?.contains("10.0.2.8") == true)

        // Without the snapshot that holds the PeeringDB rows, the ones sharing it are unusable.
        try FileManager.default.removeItem(at: snapshots.directory.appendingPathComponent("\(first).sqlite"))
        #expect(try snapshots.pruneUnusable(t.ledger) == positions.dropFirst().sorted())
        for day in 2...8 { #expect(try await peers(day) == fromSnapshots[day], "day \(day)") }
    }

    private func checksums(_ snapshots: ProjectionSnapshots, _ positions: [Int64]) throws -> [String] {
        try positions.map { position in
            let queue = try DatabaseQueue(path: snapshots.directory.appendingPathComponent("\(position).sqlite").path)
            return try queue.read { db in try Projector.checksum(db) }
        }
    }
}
