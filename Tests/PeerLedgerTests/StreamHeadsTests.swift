import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The log's per-stream bookkeeping (migrations 0006 and 0012): `stream_heads` and
/// `events.previous_in_stream`, kept by SQLite triggers instead of a stream index.
@Suite("Stream heads and links")
struct StreamHeadsTests {
    /// Three sessions with interleaved events: session-1 at positions 1, 4, 6; session-2 at 2, 5; session-3 at 3.
    static func interleaved() async throws -> TestLedger {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        try await t.call(amazon.replacingOccurrences(of: "206.126.236.68", with: "206.126.236.69"))
        try await t.call("action=updateSession&id=1&note=first")
        try await t.call("action=updateSession&id=2&note=second")
        try await t.call("action=updateSession&id=1&note=third")
        return t
    }

    static func links(_ ledger: Ledger) throws -> [[Int64?]] {
        try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT position, stream_version, previous_in_stream FROM events ORDER BY position")
                .map { [$0[0], $0[1], $0[2]] }
        }
    }

    static func heads(_ ledger: Ledger) throws -> [String] {
        try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT stream, version, position FROM stream_heads ORDER BY stream")
                .map { "\($0[0] as String) v\($0[1] as Int64) @\($0[2] as Int64)" }
        }
    }

    @Test func eachAppendLinksToItsStreamsPreviousEventAndMovesTheHead() async throws {
        let t = try await Self.interleaved()
        #expect(try Self.links(t.ledger) == [[1, 1, nil], [2, 1, nil], [3, 1, nil], [4, 2, 1], [5, 2, 2], [6, 3, 4]])
        #expect(try Self.heads(t.ledger) == ["session-1 v3 @6", "session-2 v2 @5", "session-3 v1 @3"])
        #expect(try t.ledger.verify().isValid)
    }

    @Test func aStreamsHistoryIsItsEventsInOrderWithTheOtherFiltersStillApplied() async throws {
        let t = try await Self.interleaved()
        let history = try await t.call("target=audit&action=getHistory&session=1")
        #expect(history.message == "3 events found.")
        #expect(history.data?.arrayValue?.map { $0["position"] } == [.int(1), .int(4), .int(6)])
        let query = AuditQuery(stream: "session-1", type: "SessionUpdated", afterPosition: 4)
        #expect(try t.ledger.readNow { db in try query.events(db) }.map(\.position) == [6])
        let limited = AuditQuery(stream: "session-2", limit: 1)
        #expect(try t.ledger.readNow { db in try limited.events(db) }.map(\.position) == [2])
        let unknown = AuditQuery(stream: "session-99")
        #expect(try t.ledger.readNow { db in try unknown.events(db) }.isEmpty)
    }

    /// What SQLite says to a raw append of event 7 to session-1 with this version and link.
    static func refusalOfRawAppend(version: Int, previous: Int, to ledger: Ledger) -> String? {
        let error = #expect(throws: DatabaseError.self) {
            try executeRaw(ledger, """
                INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash,
                                    previous_in_stream)
                VALUES (7, 'session-1', \(version), 'T', 1, '{}', '{}', 'x', 'p', 'h', \(previous))
                """)
        }
        return error?.message
    }

    @Test func anEventThatDoesNotLinkToItsStreamsLastEventIsRefusedInsideSQLite() async throws {
        let t = try await Self.interleaved()
        #expect(
            Self.refusalOfRawAppend(version: 4, previous: 1, to: t.ledger)
                == "events: previous_in_stream must be the position of the stream's last event")
        #expect(
            Self.refusalOfRawAppend(version: 3, previous: 6, to: t.ledger)
                == "events: position and stream_version must each follow the last one without a gap")
        #expect(try t.eventCount() == 6)
        #expect(try Self.heads(t.ledger) == ["session-1 v3 @6", "session-2 v2 @5", "session-3 v1 @3"])
    }

    @Test func aHeadMovesOnlyWithAnAppendNeverByHand() async throws {
        let t = try await Self.interleaved()
        let message = "stream_heads: a head names the newest event of its stream, written by the events trigger"
        let back = #expect(throws: DatabaseError.self) {
            try executeRaw(t.ledger, "UPDATE stream_heads SET version = 2, position = 4 WHERE stream = 'session-1'")
        }
        #expect(back?.message == message)
        let invented = #expect(throws: DatabaseError.self) {
            try executeRaw(t.ledger, "INSERT INTO stream_heads (stream, version, position) VALUES ('session-9', 1, 6)")
        }
        #expect(invented?.message == message)
        let misnamed = #expect(throws: DatabaseError.self) {
            try executeRaw(t.ledger, "UPDATE stream_heads SET version = 4 WHERE stream = 'session-1'")
        }
        #expect(misnamed?.message == message)
        let gone = #expect(throws: DatabaseError.self) { try executeRaw(t.ledger, "DELETE FROM stream_heads WHERE stream = 'session-3'") }
        #expect(gone?.message == "stream_heads: DELETE refused (a stream, once begun, is never gone)")
        #expect(try Self.heads(t.ledger) == ["session-1 v3 @6", "session-2 v2 @5", "session-3 v1 @3"])
    }

    @Test func verifyFindsAHeadOrALinkThatDisagreesWithTheLog() async throws {
        let moved = try await Self.interleaved()
        try executeRaw(moved.ledger, "DROP TRIGGER stream_heads_follow_log_update")
        try executeRaw(moved.ledger, "UPDATE stream_heads SET version = 2, position = 4 WHERE stream = 'session-1'")
        let headReport = try moved.ledger.verify()
        #expect(headReport.firstBad?.position == 6)
        #expect(headReport.firstBad?.reason == "stream_heads says session-1 is at version 2, position 4; the log says version 3, position 6")
        #expect(headReport.missingTriggers == ["stream_heads_follow_log_update"])

        let relinked = try await Self.interleaved()
        try executeRaw(relinked.ledger, "DROP TRIGGER events_refuse_update")
        try executeRaw(relinked.ledger, "UPDATE events SET previous_in_stream = 1 WHERE position = 6")
        let linkReport = try relinked.ledger.verify()
        #expect(linkReport.firstBad?.position == 6)
        #expect(linkReport.firstBad?.reason == "previous_in_stream does not name session-1's event before this one")
    }

    /// A database at migration 0005 (the log with its stream index) holding `events` as they are.
    static func writeBeforeStreamHeads(_ events: [RecordedEvent], at path: String, now: Timestamp) throws {
        let old = try DatabaseQueue(path: path)
        try old.writeWithoutTransaction { db in
            try Migrator.migrate(db, migrations: Migration.embedded.filter { $0.fileName < "0006" }, now: now)
            #expect(try db.indexes(on: "events").map(\.columns) == [["stream", "stream_version"]])
            for event in events {
                try db.execute(
                    sql: "INSERT INTO events (\(RecordedEvent.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        event.position, event.stream, event.streamVersion, event.type, event.schemaVersion, event.payload,
                        event.metadata, event.recordedAt, event.prevHash, event.hash,
                    ])
            }
        }
        try old.close()
    }

    @Test func aLedgerWrittenBeforeStreamHeadsIsMigratedWithItsLogUnchanged() async throws {
        // A log written by this build, copied row for row into a database at migration 0005.
        let t = try await Self.interleaved()
        let events = try t.events()
        let projections = try t.ledger.projectionChecksum()
        let path = temporaryDatabasePath()
        try Self.writeBeforeStreamHeads(events, at: path, now: t.clock.now())

        let migrated = try Ledger.open(at: path)
        #expect(try migrated.readNow { db in try AuditQuery().events(db) } == events)
        #expect(try migrated.readNow { db in try db.indexes(on: "events") }.isEmpty)
        #expect(try Self.links(migrated) == [[1, 1, nil], [2, 1, nil], [3, 1, nil], [4, 2, 1], [5, 2, 2], [6, 3, 4]])
        #expect(try Self.heads(migrated) == ["session-1 v3 @6", "session-2 v2 @5", "session-3 v1 @3"])
        #expect(try migrated.verify().isValid)
        #expect(try migrated.projectionChecksum() == projections)
        // And it goes on appending where the old log stopped.
        let answer = await APIv1(ledger: migrated).handle(
            APIRequest(parameters: try Parameters(formEncoded: "target=peering&action=updateSession&id=2&note=after"), actor: "test"))
        #expect(answer.succeeded)
        #expect(try Self.heads(migrated) == ["session-1 v3 @6", "session-2 v3 @7", "session-3 v1 @3"])
        #expect(try migrated.verify().isValid)
    }
}
