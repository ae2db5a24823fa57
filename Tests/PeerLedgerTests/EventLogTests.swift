import Foundation
import GRDB
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Event log")
struct EventLogTests {
    @Test("UPDATE and DELETE on events fail inside SQLite")
    func triggersRefuseChanges() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let update = #expect(throws: DatabaseError.self) {
            try executeRaw(t.ledger, "UPDATE events SET payload = '{}' WHERE position = 1")
        }
        #expect(update?.message == "events are append-only: UPDATE refused")
        let delete = #expect(throws: DatabaseError.self) { try executeRaw(t.ledger, "DELETE FROM events") }
        #expect(delete?.message == "events are append-only: DELETE refused")
        let gap = #expect(throws: DatabaseError.self) {
            try executeRaw(t.ledger, """
                INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash)
                VALUES (5, 's', 1, 'T', 1, '{}', '{}', 'x', 'p', 'h')
                """)
        }
        #expect(gap?.message == "events: position and stream_version must each follow the last one without a gap")
        #expect(try t.ledger.verify().isValid)
    }

    @Test("a byte changed in a payload, with the triggers dropped, is found by verify at that position")
    func verifyFindsTampering() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        try await t.call("action=updateSession&id=2&note=hello")
        #expect(try t.ledger.verify().isValid)
        #expect(try await t.call("target=audit&action=verify").data?["events"] == .int(3))
        try executeRaw(t.ledger, "DROP TRIGGER events_refuse_update")
        try executeRaw(t.ledger, "UPDATE events SET payload = replace(payload, '20940', '20941') WHERE position = 2")
        let report = try t.ledger.verify()
        #expect(report.firstBad?.position == 2)
        #expect(report.firstBad?.reason == "hash does not match the event's content (the event was altered)")
        #expect(report.missingTriggers == ["events_refuse_update"])
        #expect(!report.isValid)
        let overAPI = try await t.call("target=audit&action=verify")
        #expect(overAPI.text == #"{"success":0,"message":"BAD: position 2: hash does not match the event's content (the event was altered)\nBAD: missing append-only triggers: events_refuse_update"}"#)
    }

    @Test("every event's hash chains to the previous one from a genesis of zeros")
    func hashChain() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        let events = try t.events()
        #expect(events.map(\.position) == [1, 2])
        #expect(events[0].prevHash == String(repeating: "0", count: 64))
        #expect(events[1].prevHash == events[0].hash)
        #expect(events[0].stream == "session-1")
        #expect(events[0].metadata == #"{"actor":"test"}"#)
        #expect(events[0].recordedAt == "2026-11-20T09:00:00.000Z")
    }

    @Test("an append with a stale expected version is a conflict, never an overwrite")
    func staleExpectationConflicts() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let metadata = EventMetadata(actor: "test")
        await #expect(throws: LedgerError.conflict(stream: "session-1", expected: nil, actual: 1)) {
            try await t.ledger.write(metadata) { tx in
                try tx.append(.sessionDeleted(SessionDeleted(sessionID: 1)), to: "session-1", expecting: .noStream)
            }
        }
        await #expect(throws: LedgerError.conflict(stream: "session-1", expected: 3, actual: 1)) {
            try await t.ledger.write(metadata) { tx in
                try tx.append(.sessionDeleted(SessionDeleted(sessionID: 1)), to: "session-1", expecting: .exactly(3))
            }
        }
        #expect(try t.eventCount() == 1)
    }

    @Test("concurrent writers with the same expected version: exactly one wins, the log stays gap-free and verifies")
    func concurrentWriters() async throws {
        let path = temporaryDatabasePath()
        let t = try TestLedger(path: path)
        try await t.call(amazon)
        let answers = try await withThrowingTaskGroup(of: APIAnswer.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    try await t.call("action=updateSession&id=1&expected_version=1&note=writer+\(writer)", actor: "writer-\(writer)")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.filter(\.succeeded).count == 1)
        let conflicts = answers.filter { !$0.succeeded }
        #expect(conflicts.count == 7)
        #expect(conflicts.allSatisfy { $0.message == "Conflict: session-1 is at version 2, the write expected version 1; read it again and retry." })
        let events = try t.events()
        #expect(events.map(\.position) == [1, 2])
        #expect(try t.ledger.verify().isValid)
    }

    /// `Ledger.write` runs a lone command on the caller's thread; one that finds another in
    /// flight must wait suspended for the next group (run on GRDB's writer queue), not block a
    /// second thread of the pool on the writer queue, and both must commit, in the order they
    /// took it.
    @Test("a write that finds another in flight waits its turn queued; both commit in order")
    func aWriteBehindAnotherIsQueued() async throws {
        let ledger = try Ledger.open(at: temporaryDatabasePath())
        let metadata = EventMetadata(actor: "test")
        let flags = HandOff()
        let first = Task.detached {
            try await ledger.write(metadata) { tx in
                flags.entered.store(true, ordering: .releasing)
                // Holds the writer (and this task's thread, as a lone command's fsync does), at
                // most a minute: a loaded machine may take long to start the second write.
                var waited = 0
                while !flags.release.load(ordering: .acquiring), waited < 60_000 {
                    usleep(1_000)
                    waited += 1
                }
                try tx.append(.peerStatusReset(PeerStatusReset(participantID: 1, publicID: 1)), to: Peer.stream(participant: 1, exchange: 1), expecting: .any)
            }
        }
        // Polled without blocking this task's thread: the first holds one already.
        try await waitUntil("the first write to enter its transaction", within: .seconds(60), every: .milliseconds(1)) {
            flags.entered.load(ordering: .acquiring)
        }
        let entered = flags.entered.load(ordering: .acquiring)
        #expect(entered)
        // On a single processor every write is queued (`Ledger.writesOnCallerThread`).
        let lone = Ledger.writesOnCallerThread ? 0 : 1
        let queuedBefore = ledger.queuedWrites.load(ordering: .relaxed)
        #expect(queuedBefore == lone)
        let second = Task.detached {
            try await ledger.write(metadata) { tx in
                try tx.append(.peerStatusReset(PeerStatusReset(participantID: 2, publicID: 1)), to: Peer.stream(participant: 2, exchange: 1), expecting: .any)
            }
        }
        try await waitUntil("the second write to queue behind the first", within: .seconds(60), every: .milliseconds(1)) {
            ledger.queuedWrites.load(ordering: .relaxed) != lone
        }
        // The second is waiting behind the first, which has not committed.
        let queued = ledger.queuedWrites.load(ordering: .relaxed)
        #expect(queued == lone + 1)
        #expect(try ledger.headPosition() == 0)
        flags.release.store(true, ordering: .releasing)
        _ = try await first.value
        _ = try await second.value
        let streams = try ledger.readNow { db in try String.fetchAll(db, sql: "SELECT stream FROM events ORDER BY position") }
        #expect(streams == [Peer.stream(participant: 1, exchange: 1), Peer.stream(participant: 2, exchange: 1)])
        // Alone again, a write runs on its caller's thread (on more than one processor): nothing more is queued.
        _ = try await ledger.write(metadata) { tx in
            try tx.append(.peerStatusReset(PeerStatusReset(participantID: 3, publicID: 1)), to: Peer.stream(participant: 3, exchange: 1), expecting: .any)
        }
        let queuedAfter = ledger.queuedWrites.load(ordering: .relaxed)
        #expect(queuedAfter == 2 * lone + 1)
        #expect(try ledger.verify().isValid)
    }

    @Test("a refused write appends nothing and leaves the projections as they were")
    func refusedWriteAppendsNothing() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let before = try t.ledger.projectionChecksum()
        // The second session's address duplicates the first: the whole command is refused.
        let answer = try await t.call("action=addSession&public_id=1&resource_id=422&peer_asn=16509&peer_ipaddr=206.126.236.68&password=new")
        #expect(!answer.succeeded)
        #expect(try t.eventCount() == 1)
        #expect(try t.ledger.projectionChecksum() == before)
        let secrets = try t.ledger.readNow { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM secrets") }
        #expect(secrets == 1)
    }

    @Test("with a fixed clock and ids, the same calls give byte-identical events, hashes, projections and answers")
    func determinism() async throws {
        func run() async throws -> (answers: [String], events: [RecordedEvent], checksum: String) {
            let t = try TestLedger()
            var answers: [String] = []
            for call in [amazon, akamai, "action=updateSession&id=1&note=x", "action=deleteSession&id=2", "action=getSessions&public_id=1&deleted=1"] {
                answers.append(try await t.call(call).text)
            }
            return (answers, try t.events(), try t.ledger.projectionChecksum())
        }
        let first = try await run()
        let second = try await run()
        #expect(first.answers == second.answers)
        #expect(first.events == second.events)
        #expect(first.checksum == second.checksum)
        #expect(first.events.count == 4)
    }

    @Test("an idempotency key already applied returns the first answer and appends nothing; other parameters are refused")
    func idempotency() async throws {
        let t = try TestLedger()
        let first = try await t.call(amazon, idempotencyKey: "req-7")
        let again = try await t.call(amazon, idempotencyKey: "req-7")
        #expect(first == again)
        #expect(try t.eventCount() == 1)
        let other = try await t.call(akamai, idempotencyKey: "req-7")
        #expect(other.message == "Idempotency key 'req-7' was already used for a different request; nothing was changed")
        #expect(try t.eventCount() == 1)
        // The parameter form works too, and keys are per actor.
        let byParameter = try await t.call(akamai + "&idempotency_key=req-8")
        #expect(byParameter.succeeded)
        #expect(try await t.call(akamai + "&idempotency_key=req-8") == byParameter)
        #expect(try t.eventCount() == 2)
    }

    @Test("getSessions as_of answers as the ledger stood at that moment")
    func asOf() async throws {
        let t = try TestLedger(start: "2026-11-17 10:00:00")
        try await t.call(akamai)
        t.clock.set(Timestamp(parsing: "2026-11-18 10:00:00")!)
        try await t.call("action=updateSession&id=1&peer_group=group+a")
        t.clock.set(Timestamp(parsing: "2026-11-19 10:00:00")!)
        try await t.call("action=deleteSession&id=1")
        let before = try await t.call("action=getSessions&public_id=1&as_of=2026-11-17+12:00:00")
        #expect(before.data?.arrayValue?.first?["peer_group"] == .string("group b"))
        let middle = try await t.call("action=getSessions&public_id=1&as_of=2026-11-18T12:00:00Z")
        #expect(middle.data?.arrayValue?.first?["peer_group"] == .string("group a"))
        #expect(middle.data?.arrayValue?.first?["password"] == .string("0"))
        #expect(try await t.call("action=getSessions&public_id=1&as_of=2026-11-19+12:00:00").message == "No peers found.")
        #expect(try await t.call("action=getSessions&public_id=1&as_of=2026-11-16").message == "No peers found.")
        #expect(try await t.call("action=getSessions&public_id=1&as_of=last+tuesday").message.hasPrefix("as_of must be a time"))
    }

    @Test("audit getHistory shows a session's events in order, with who did them")
    func auditHistory() async throws {
        let t = try TestLedger()
        try await t.call(akamai, actor: "noc-automation")
        try await t.call("action=updateSession&id=1&prfx_max=40", actor: "alice")
        let history = try await t.call("target=audit&action=getHistory&session=1")
        let events = try #require(history.data?.arrayValue)
        #expect(events.map { $0["type"]?.stringValue } == ["SessionAdded", "SessionUpdated"])
        #expect(events.map { $0["metadata"]?["actor"]?.stringValue } == ["noc-automation", "alice"])
        let byActor = try await t.call("target=audit&action=getEvents&actor=alice")
        #expect(byActor.data?.arrayValue?.count == 1)
        #expect(try await t.call("target=audit&action=getHistory").message.hasPrefix("getHistory needs stream"))
    }
}

/// Two flags a test's tasks hand each other.
final class HandOff: Sendable {
    let entered = Atomic<Bool>(false)
    let release = Atomic<Bool>(false)
}
