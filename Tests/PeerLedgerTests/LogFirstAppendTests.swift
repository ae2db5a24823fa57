import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// Events appended log first (`Ledger.appendLogFirst`) are in the log as durably as any others
/// but wait for a catch-up to reach the projections: the catch-up must leave exactly what
/// applying each batch in its own transaction left, every command must catch up before it
/// reads, and a ledger opened with lagging projections must catch them up.
@Suite struct LogFirstAppendTests {
    typealias Log = SessionChangeBufferTests

    /// Two ledgers on the same clock, so the same batches give the same log, hash chain included:
    /// the tests project each batch in its transaction on `reference` and append it log first
    /// on `subject`. `path` puts `subject` on a file.
    static func pair(path: String? = nil) throws -> (reference: Ledger, subject: Ledger) {
        let clock = { SteppingClock(start: Timestamp(millis: 1_795_100_000_000), stepMillis: 1000) }
        let reference = try Ledger.inMemory(clock: clock())
        let subject = try path.map { try Ledger.open(at: $0, clock: clock()) } ?? Ledger.inMemory(clock: clock())
        return (reference, subject)
    }

    /// The hand-made log of `SessionChangeBufferTests` in batches of 7 events.
    static var batches: [ArraySlice<(LedgerEvent, Int64)>] {
        stride(from: 0, to: Log.log.count, by: 7).map { Log.log[$0..<min(Log.log.count, $0 + 7)] }
    }

    static func append(_ batch: ArraySlice<(LedgerEvent, Int64)>, _ tx: LedgerTransaction) throws {
        for (event, session) in batch { try tx.append(event, to: Session.stream(session), expecting: .any) }
    }

    static func lines(_ ledger: Ledger) throws -> [String] {
        try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT peer_participant_id, public_id, position, message, time FROM peer_log ORDER BY 1, 2, 3")
                .map { "\($0[0] as Int64) \($0[1] as Int64) \($0[2] as Int64) \($0[3] as String) \($0[4] as String)" }
        }
    }

    /// On a file the catch-up reads the log ahead on a second connection (`EventPrefetcher`).
    @Test(arguments: [false, true])
    func aCatchUpLeavesWhatProjectingEachBatchLeft(onFile: Bool) throws {
        let (reference, subject) = try Self.pair(path: onFile ? temporaryDatabasePath() : nil)
        let metadata = EventMetadata(actor: "test")
        let (first, rest) = (Self.batches[0], Self.batches.dropFirst())
        for ledger in [reference, subject] { try ledger.writeNow(metadata) { tx in try Self.append(first, tx) } }
        let before = try Log.rows(subject)
        for batch in rest {
            try reference.writeNow(metadata) { tx in try Self.append(batch, tx) }
            try subject.appendLogFirst(metadata) { tx in try Self.append(batch, tx) }
        }
        // The log is the same, hash chain included; the projections still stand after the first batch.
        let head = { (ledger: Ledger) in try ledger.readNow { db in try String.fetchOne(db, sql: "SELECT hash FROM events ORDER BY position DESC LIMIT 1") } }
        #expect(try head(subject) == head(reference))
        #expect(try subject.projectionLag() == Int64(Log.log.count - first.count))
        #expect(try Log.rows(subject) == before)
        #expect(try subject.readNow { db in try Projector.need(db) } == .catchUp(after: Int64(first.count)))

        #expect(try subject.catchUpProjections() == Int64(Log.log.count - first.count))
        #expect(try subject.projectionLag() == 0)
        #expect(try subject.catchUpProjections() == 0)
        #expect(try Log.rows(subject) == Log.rows(reference))
        #expect(try Self.lines(subject) == Self.lines(reference))
        #expect(try subject.projectionChecksum() == reference.projectionChecksum())
        // Real values: the row of session 7 as the events left it (see SessionChangeBufferTests).
        #expect(try Log.rows(subject).contains { $0.hasPrefix("session 7: active - v9 ") && $0.hasSuffix(" deleted") })
    }

    @Test func aCommandAfterLogFirstAppendsReadsTheWholeLog() throws {
        let (_, subject) = try Self.pair()
        let metadata = EventMetadata(actor: "test")
        try subject.appendLogFirst(metadata) { tx in try Self.append(Self.batches[0], tx) }
        #expect(try subject.readNow { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions") } == 0)
        // The command's body reads the sessions projection: it sees the six sessions the log holds.
        let seen = try subject.writeNow(metadata) { tx in
            try tx.append(Log.updated(1, ["note": (.null, .text("seen"))]), to: Session.stream(1), expecting: .any)
            return try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM sessions")
        }
        #expect(seen == 6)
        #expect(try subject.projectionLag() == 0)
        #expect(try subject.readNow { db in try String.fetchOne(db, sql: "SELECT note FROM sessions WHERE id = 1") } == "seen")
        #expect(try subject.rebuild().matches)
    }

    /// A read during the lag answers from the projections as they stand, a consistent earlier
    /// state, and its cached answer is not served once a catch-up moved them.
    @Test func aReadSeesTheProjectionsAsTheyStandAndNothingCachedAfterTheCatchUp() async throws {
        let (_, subject) = try Self.pair()
        let api = APIv1(ledger: subject)
        let metadata = EventMetadata(actor: "test")
        let getSessions = { () async throws -> String in try await api.call("action=getSessions&public_id=1").message }
        try subject.writeNow(metadata) { tx in try Self.append(Self.batches[0].prefix(3), tx) }
        #expect(try await getSessions() == "3 sessions found.")
        try subject.appendLogFirst(metadata) { tx in try Self.append(Self.batches[0].dropFirst(3), tx) }
        #expect(try await getSessions() == "3 sessions found.")
        #expect(try await getSessions() == "3 sessions found.")
        try subject.catchUpProjections()
        #expect(try await getSessions() == "6 sessions found.")
    }

    @Test func anAsyncCommandCatchesUpToo() async throws {
        let (_, subject) = try Self.pair()
        try subject.appendLogFirst(EventMetadata(actor: "test")) { tx in try Self.append(Self.batches[0], tx) }
        let seen = try await subject.write(EventMetadata(actor: "test")) { tx in
            try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM sessions WHERE state <> 'not configured'")
        }
        #expect(seen == 4)
    }

    @Test func openingALedgerWhoseProjectionsLagCatchesThemUp() throws {
        let path = temporaryDatabasePath()
        let (reference, stopped) = try Self.pair(path: path)
        let metadata = EventMetadata(actor: "test")
        for batch in Self.batches {
            try reference.writeNow(metadata) { tx in try Self.append(batch, tx) }
            try stopped.appendLogFirst(metadata) { tx in try Self.append(batch, tx) }
        }
        #expect(try stopped.projectionLag() == Int64(Log.log.count))
        // As if the process had stopped before its catch-up.
        let subject = try Ledger.open(at: path)
        #expect(try subject.projectionLag() == 0)
        #expect(try subject.projectionChecksum() == reference.projectionChecksum())
        #expect(try Self.lines(subject) == Self.lines(reference))
    }

    @Test func aLogFirstBatchThatThrowsAppendsNothing() throws {
        let (_, subject) = try Self.pair()
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try subject.appendLogFirst(EventMetadata(actor: "test")) { tx in
                try Self.append(Self.batches[0], tx)
                throw Stop()
            }
        }
        #expect(try subject.headPosition() == 0)
        #expect(try subject.projectionLag() == 0)
    }

    /// A version change or projections that disagree need a rebuild; projections that only lag,
    /// the events they lack; projections level with the log, nothing.
    @Test func theNeedOfTheProjectionsTellsACatchUpFromARebuild() throws {
        let (_, subject) = try Self.pair()
        let metadata = EventMetadata(actor: "test")
        let need = { try subject.readNow { db in try Projector.need(db) } }
        #expect(try need() == .nothing)
        try subject.writeNow(metadata) { tx in try Self.append(Self.batches[0], tx) }
        #expect(try need() == .nothing)
        try subject.appendLogFirst(metadata) { tx in try Self.append(Self.batches[1], tx) }
        #expect(try need() == .catchUp(after: 7))
        try executeRaw(subject, "UPDATE projection_state SET position = 3 WHERE name = 'sessions'")
        #expect(try need() == .rebuild)
        try executeRaw(subject, "UPDATE projection_state SET position = 7, version = version + 1 WHERE name = 'sessions'")
        #expect(try need() == .rebuild)
        try executeRaw(subject, "UPDATE projection_state SET version = version - 1 WHERE name = 'sessions'")
        try executeRaw(subject, "DELETE FROM projection_state WHERE name = 'peer_log'")
        #expect(try need() == .rebuild)
        try executeRaw(subject, "DELETE FROM projection_state")
        #expect(try need() == .rebuild)
        try subject.database.write { db in _ = try Projector.bringUpToDate(db) }
        #expect(try need() == .nothing)
        #expect(try subject.rebuild().matches)
    }
}
