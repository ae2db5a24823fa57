import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
import PeerLedgerTestSupport

/// `Ledger.follow` appends the log of record's batches to a node's copy with the log's triggers off and
/// their checks made in Swift (`SQLiteLog.appendCopied`). The log, its links and its heads must
/// come out as appends one by one leave them, a batch that breaks what the triggers guard must
/// leave nothing, and the triggers must be in force again after either.
@Suite("A copy's bulk append")
struct CopiedAppendTests {
    /// A fresh seed each run unless `PEERLEDGER_TEST_SEED` gives one (printed either way).
    static func seed() throws -> UInt64 { try TestSeed.value("CopiedAppendTests") }

    /// A seeded world in memory, appended one event at a time by its commands and imports.
    static func world(seed: UInt64) async throws -> Ledger {
        let ledger = try SyntheticWorld.openLedger(at: nil)
        _ = try await SyntheticWorld(shape: EventPrefetcherTests.shape, seed: seed).build(into: ledger, scratch: Scratch.folder)
        return ledger
    }

    /// Every event of the log with its link to its stream's previous event, as text.
    static func logRows(_ ledger: Ledger) throws -> [String] {
        try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT \(RecordedEvent.columns), previous_in_stream FROM events ORDER BY position")
                .map { row in row.databaseValues.map(\.description).joined(separator: "|") }
        }
    }

    /// Every stream's head, as text.
    static func heads(_ ledger: Ledger) throws -> [String] {
        try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT stream, version, position FROM stream_heads ORDER BY stream")
                .map { "\($0[0] as String) v\($0[1] as Int64) @\($0[2] as Int64)" }
        }
    }

    /// Appends `events` to `ledger` in batches of `size`, a transaction each, as a first copy does.
    static func copy(_ events: some Collection<RecordedEvent>, into ledger: Ledger, batchesOf size: Int) async throws {
        var rest = Array(events)[...]
        while !rest.isEmpty {
            let batch = Array(rest.prefix(size))
            rest = rest.dropFirst(size)
            try await ledger.database.write { db in try SQLiteLog.appendCopied(db, batch) }
        }
    }

    /// What SQLite says to a raw append after the last event that continues `stream` at
    /// `version`, linked to the stream's head: nil when it was taken (the triggers are off), the
    /// refusal's message otherwise.
    static func refusalOfRawAppend(_ ledger: Ledger, stream: String, version: Int64) throws -> String? {
        do {
            try executeRaw(ledger, """
                INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash,
                                    previous_in_stream)
                SELECT position + 1, '\(stream)', \(version), 'T', 1, '{}', '{}', recorded_at, hash, 'h',
                       (SELECT position FROM stream_heads WHERE stream = '\(stream)')
                FROM events ORDER BY position DESC LIMIT 1
                """)
            return nil
        } catch let error as DatabaseError {
            return error.message
        }
    }

    static let gapMessage = "events: position and stream_version must each follow the last one without a gap"

    @Test func aWorldCopiedInBatchesHasTheLogLinksHeadsAndProjectionsOfItsRecord() async throws {
        let seed = try Self.seed()
        let record = try await Self.world(seed: seed)
        let events = try record.readNow { db in try AuditQuery().events(db) }
        #expect(events.count > 1_000, "seed \(seed)")
        let copy = try Ledger.open(at: temporaryDatabasePath())
        try await Self.copy(events, into: copy, batchesOf: 997)

        #expect(try Self.logRows(copy) == Self.logRows(record), "seed \(seed)")
        #expect(try Self.heads(copy) == Self.heads(record), "seed \(seed)")
        #expect(try copy.verify().isValid, "seed \(seed)")
        _ = try await copy.database.write { db in try Projector.rebuild(db) }
        #expect(try copy.projectionChecksum() == record.projectionChecksum(), "seed \(seed)")
        // The writer's triggers are on again: an event that skips its stream's version is refused.
        let stream = try #require(events.last?.stream)
        #expect(try Self.refusalOfRawAppend(copy, stream: stream, version: 1) == Self.gapMessage)
        #expect(try copy.readNow { db in try SQLiteLog.headPosition(db) } == Int64(events.count))
    }

    @Test func aBatchThatBreaksTheLogsOrderIsRefusedAndLeavesNothing() async throws {
        let seed = try Self.seed()
        let record = try await Self.world(seed: seed)
        let events = try record.readNow { db in try AuditQuery().events(db) }
        // The copy holds the events before the first one that continues a stream (at index k).
        var seen: Set<String> = []
        let k = try #require(events.firstIndex { !seen.insert($0.stream).inserted }, "seed \(seed)")
        try #require(k + 20 <= events.count, "seed \(seed)")
        let copy = try Ledger.open(at: temporaryDatabasePath())
        try await Self.copy(events[..<k], into: copy, batchesOf: 100)
        let before = try Self.logRows(copy)
        let headsBefore = try Self.heads(copy)

        let next = events[k]
        func changed(_ event: RecordedEvent, version: Int64? = nil, prevHash: String? = nil) -> RecordedEvent {
            RecordedEvent(
                position: event.position, stream: event.stream, streamVersion: version ?? event.streamVersion, type: event.type,
                schemaVersion: event.schemaVersion, payload: event.payload, metadata: event.metadata, recordedAt: event.recordedAt,
                prevHash: prevHash ?? event.prevHash, hash: event.hash)
        }
        let cases: [(batch: [RecordedEvent], refusal: String)] = [
            // A gap: the event after the next one.
            (Array(events[(k + 1)..<(k + 10)]), "event at position \(k + 2) "),
            // A stream whose version skips one.
            (
                [changed(next, version: next.streamVersion + 1)],
                "event at position \(k + 1) (\(next.stream), version \(next.streamVersion + 1)) does not follow the copy's position \(k) and its stream's version \(next.streamVersion - 1)"
            ),
            // A version that starts the stream again.
            ([changed(next, version: 1)], "event at position \(k + 1) (\(next.stream), version 1)"),
            // A link to a hash that is not the event before's, after events that were fine.
            (Array(events[k..<(k + 5)]) + [changed(events[k + 5], prevHash: events[k + 3].hash)], "event at position \(k + 6) does not link to the hash"),
        ]
        for (batch, refusal) in cases {
            let error = await #expect(throws: LogOfRecordError.self) {
                try await copy.database.write { db in try SQLiteLog.appendCopied(db, batch) }
            }
            #expect(error?.description.contains(refusal) == true, "\(error?.description ?? "no error"), seed \(seed)")
            #expect(error?.description.hasSuffix("nothing of its batch was copied") == true)
            #expect(try Self.logRows(copy) == before, "seed \(seed)")
            #expect(try Self.heads(copy) == headsBefore, "seed \(seed)")
            #expect(try Self.refusalOfRawAppend(copy, stream: next.stream, version: 1) == Self.gapMessage)
        }
        // The batches as recorded are taken, and the copy goes on as its record.
        try await Self.copy(events[k..<(k + 20)], into: copy, batchesOf: 7)
        #expect(try Self.logRows(copy) == Array(Self.logRows(record).prefix(k + 20)), "seed \(seed)")
        #expect(try copy.verify().isValid, "seed \(seed)")
    }

    @Test func aBatchAfterAnEmptyCopyMustStartAtTheGenesisHash() async throws {
        let seed = try Self.seed()
        let record = try await Self.world(seed: seed)
        let events = Array(try record.readNow { db in try AuditQuery().events(db) }.prefix(3))
        let copy = try Ledger.open(at: temporaryDatabasePath())
        let first = events[0]
        let forged = RecordedEvent(
            position: 1, stream: first.stream, streamVersion: 1, type: first.type, schemaVersion: first.schemaVersion,
            payload: first.payload, metadata: first.metadata, recordedAt: first.recordedAt, prevHash: first.hash, hash: first.hash)
        let error = await #expect(throws: LogOfRecordError.self) {
            try await copy.database.write { db in try SQLiteLog.appendCopied(db, [forged]) }
        }
        #expect(error?.description.contains("event at position 1 does not link to the hash") == true)
        #expect(try copy.readNow { db in try SQLiteLog.headPosition(db) } == 0)
        try await Self.copy(events, into: copy, batchesOf: 3)
        #expect(try Self.logRows(copy) == Array(Self.logRows(record).prefix(3)))
    }
}
