import Foundation
import GRDB
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain

/// Group commit (`GroupCommit`, `Ledger.write`): commands that queue while the writer is busy are
/// committed together, each in its own savepoint, with one commit.
///
/// A group is made certain, not left to timing: a holding command keeps the writer (`WriterHold`)
/// while the commands of the test queue behind it, one after another in a known order
/// (`queue(_:on:)` waits until each is queued); when the holder commits, the writer takes every
/// queued command as one group.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("16 concurrent writers: every command lands and answers its own caller, the log is gap-free and verifies, commits are shared")
    func sixteenConcurrentWriters() async throws {
        let seed = try TestSeed.value("sixteenConcurrentWriters")
        var random = SplitMix64(seed: seed)
        let rounds = (0..<16).map { _ in Int.random(in: 4...10, using: &random) }
        let t = try TestLedger(path: temporaryDatabasePath())
        let ledger = t.ledger
        let hold = try await WriterHold.start(ledger)
        let queuedBefore = ledger.queuedWrites.load(ordering: .relaxed)
        // Each writer adds its sessions one after another; the first of each waits behind the hold.
        let added = try await withThrowingTaskGroup(of: [(address: String, id: Int64)].self) { group in
            for writer in 0..<16 {
                group.addTask {
                    var added: [(address: String, id: Int64)] = []
                    for round in 0..<rounds[writer] {
                        let address = "10.0.\(writer).\(round + 1)"
                        let answer = try await t.call(
                            "action=addSession&public_id=1&resource_id=422&peer_asn=\(64_512 + writer)&peer_ipaddr=\(address)",
                            actor: "writer-\(writer)")
                        guard answer.succeeded, let id = answer.data?["id"]?.intValue else {
                            throw TestFailure("writer \(writer), round \(round): \(answer.message)")
                        }
                        added.append((address, id))
                    }
                    return added
                }
            }
            try await waitUntil("16 writers to queue behind the holding write", within: .seconds(60), every: .milliseconds(1)) {
                ledger.queuedWrites.load(ordering: .relaxed) >= queuedBefore + 16
            }
            try await hold.release()
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let total = rounds.reduce(0, +)
        #expect(added.count == total)
        // Each caller got its own session's id back.
        let addresses = try ledger.readNow { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, peer_ipaddr FROM sessions").map {
                (row: Row) in (row[0] as Int64, row[1] as String)
            })
        }
        for (address, id) in added { #expect(addresses[id] == address, "session \(id)") }
        #expect(Set(added.map(\.id)).count == total)
        // One event per command, the holder's first, with no gap.
        #expect(try t.events().map(\.position) == Array(1...Int64(total + 1)))
        #expect(try ledger.verify().isValid)
        #expect(try ledger.rebuild().matches)
        // The 16 that waited behind the hold were committed as one group; every command was
        // committed exactly once, in fewer transactions than commands.
        let statistics = ledger.groupCommits
        #expect(statistics.largestGroup == 16)
        #expect(statistics.commands == total + 1)
        #expect(statistics.groups < statistics.commands)
        print("sixteenConcurrentWriters: \(statistics.commands) commands in \(statistics.groups) transactions")
    }

    @Test("a command that throws in the middle of a group leaves no trace; the commands around it commit as if it had never run")
    func refusedCommandInAGroup() async throws {
        let first = "action=addSession&public_id=1&resource_id=422&peer_asn=16509&peer_ipaddr=206.126.236.68"
        let third = "action=addSession&public_id=1&resource_id=422&peer_asn=20940&peer_ipaddr=206.126.236.102"
        // What the ledger holds when only the holder, the first and the third ran, one by one.
        let alone = try TestLedger()
        _ = try await alone.ledger.write(EventMetadata(actor: "holder"), WriterHold.holderBody)
        try await alone.call(first)
        try await alone.call(third)

        let t = try TestLedger(path: temporaryDatabasePath())
        let ledger = t.ledger
        let hold = try await WriterHold.start(ledger)
        let firstCall = try await queue(on: ledger) { try await t.call(first) }
        // Appends two events, keeps a secret and an idempotency record's worth of work, then throws.
        let refused = try await queue(on: ledger) {
            try await ledger.append(
                EventMetadata(actor: "refused"), idempotency: IdempotencyKey(actor: "refused", key: "k-1", fingerprint: "f")
            ) { tx in
                try tx.append(.sessionAdded(SessionAdded(sessionID: 77, fields: ["public_id": .int(1), "peer_asn": .int(1), "peer_ipaddr": .text("10.9.9.9"), "state": .text("not configured"), "ip_type": .text("ipv4")])), to: "session-77", expecting: .noStream)
                try tx.append(.peerStatusReset(PeerStatusReset(participantID: 5, publicID: 1)), to: Peer.stream(participant: 5, exchange: 1), expecting: .any)
                _ = try tx.storeSecret("never-kept")
                throw Refusal("refused on purpose")
            }
        }
        let thirdCall = try await queue(on: ledger) { try await t.call(third) }
        try await hold.release()

        #expect(try await firstCall.value.succeeded)
        #expect(try await thirdCall.value.succeeded)
        await #expect(throws: Refusal("refused on purpose")) { try await refused.value }
        #expect(ledger.groupCommits.largestGroup == 3)
        // The log, its hashes, the side tables and the projections are those of the ledger that
        // never saw the refused command.
        #expect(try t.events() == alone.events())
        #expect(try ledger.projectionChecksum() == alone.ledger.projectionChecksum())
        let kept = { (ledger: Ledger) in
            try ledger.readNow { db in
                try Int.fetchAll(db, sql: "SELECT (SELECT COUNT(*) FROM secrets) UNION ALL SELECT (SELECT COUNT(*) FROM idempotency_keys)")
            }
        }
        #expect(try kept(ledger) == [0, 0])
        #expect(try await t.call("action=getSessions&public_id=1").text == alone.call("action=getSessions&public_id=1").text)
        #expect(try await t.call("action=getPeers&public_id=1").text == alone.call("action=getPeers&public_id=1").text)
        #expect(try ledger.verify().isValid)
        // The next command goes on from the group's head.
        #expect(try await t.call("action=updateSession&id=1&note=after").succeeded)
        #expect(try ledger.verify().isValid)
    }

    @Test("commands in one group expecting the same version of a session: exactly one wins, the others conflict and change nothing")
    func conflictInsideAGroup() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        let ledger = t.ledger
        try await t.call(amazon)
        let hold = try await WriterHold.start(ledger)
        var calls: [Task<APIAnswer, any Error>] = []
        for writer in 0..<8 {
            calls.append(try await queue(on: ledger) {
                try await t.call("action=updateSession&id=1&expected_version=1&note=writer+\(writer)", actor: "writer-\(writer)")
            })
        }
        try await hold.release()
        var answers: [APIAnswer] = []
        for call in calls { answers.append(try await call.value) }
        #expect(ledger.groupCommits.largestGroup == 8)
        // The first to take the writer wins; the others decided on its update and were refused.
        #expect(answers.map(\.succeeded) == [true] + Array(repeating: false, count: 7))
        #expect(answers.dropFirst().allSatisfy {
            $0.message == "Conflict: session-1 is at version 2, the write expected version 1; read it again and retry."
        })
        let history = try ledger.readNow { db in try AuditQuery(stream: "session-1").events(db) }
        #expect(history.map(\.streamVersion) == [1, 2])
        #expect(try JSON.parse(history[1].payload)["changes"]?["note"]?["to"] == .string("writer 0"))
        #expect(try t.eventCount() == 3)
        #expect(try ledger.verify().isValid)
    }

    @Test("the same idempotency key twice in one group: one append, the repeat gets the first answer")
    func idempotencyInsideAGroup() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        let ledger = t.ledger
        let hold = try await WriterHold.start(ledger)
        let first = try await queue(on: ledger) { try await t.call(amazon, idempotencyKey: "req-1") }
        let again = try await queue(on: ledger) { try await t.call(amazon, idempotencyKey: "req-1") }
        try await hold.release()
        let firstAnswer = try await first.value
        #expect(firstAnswer.succeeded)
        #expect(try await again.value == firstAnswer)
        #expect(ledger.groupCommits.largestGroup == 2)
        #expect(try t.eventCount() == 2)
    }

    @Test("a group whose commit fails: every command of it gets the commit's error and nothing is kept; the next write commits")
    func failedCommitFailsTheGroup() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        let ledger = t.ledger
        // A deferred foreign key is checked at COMMIT only: a row without its parent makes the
        // group's commit fail after every command of it succeeded.
        try executeRaw(ledger, """
            CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TEMP TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
            """)
        let hold = try await WriterHold.start(ledger)
        let before = try ledger.headPosition()
        var writes: [Task<RecordedEvent, any Error>] = []
        for participant in 1...3 {
            writes.append(try await queue(on: ledger) {
                try await ledger.write(EventMetadata(actor: "writer")) { tx in
                    if participant == 2 { try tx.db.execute(sql: "INSERT INTO child (parent) VALUES (42)") }
                    return try tx.append(
                        .peerStatusReset(PeerStatusReset(participantID: Int64(participant), publicID: 1)),
                        to: Peer.stream(participant: Int64(participant), exchange: 1), expecting: .any)
                }
            })
        }
        try await hold.release()
        for write in writes {
            await #expect {
                _ = try await write.value
            } throws: { error in
                (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT
            }
        }
        // Only the holder's event: the group left nothing, and the writer is free again.
        #expect(try ledger.headPosition() == before + 1)
        #expect(ledger.groupCommits.commands == 1)
        _ = try await ledger.write(EventMetadata(actor: "writer")) { tx in
            try tx.append(.peerStatusReset(PeerStatusReset(participantID: 4, publicID: 1)), to: Peer.stream(participant: 4, exchange: 1), expecting: .any)
        }
        #expect(try ledger.headPosition() == before + 2)
        #expect(try ledger.verify().isValid)
    }

    @Test("a command whose caller is cancelled while it waits for a group is not run; the others of the group commit")
    func cancelledWhileQueued() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        let ledger = t.ledger
        let hold = try await WriterHold.start(ledger)
        let cancelled = try await queue(on: ledger) { try await t.ledger.write(EventMetadata(actor: "cancelled")) { tx in
            try tx.append(.peerStatusReset(PeerStatusReset(participantID: 1, publicID: 1)), to: Peer.stream(participant: 1, exchange: 1), expecting: .any)
        } }
        let kept = try await queue(on: ledger) { try await t.call(amazon) }
        cancelled.cancel()
        try await hold.release()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(try await kept.value.succeeded)
        #expect(try t.events().map(\.type) == ["PeerStatusReset", "SessionAdded"])
        #expect(try t.events().first?.metadata == #"{"actor":"holder"}"#)
        #expect(try ledger.verify().isValid)
    }

    @Test("a lone command is committed alone, at once, and is not queued")
    func loneCommandIsNotQueued() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        try await t.call(amazon)
        try await t.call(akamai)
        let statistics = t.ledger.groupCommits
        #expect(statistics == GroupCommitStatistics(groups: 2, commands: 2, largestGroup: 1))
        // On a single processor every command waits for a group (`Ledger.writesOnCallerThread`).
        #expect(t.ledger.queuedWrites.load(ordering: .relaxed) == (Ledger.writesOnCallerThread ? 0 : 2))
    }

    @Test("a following ledger commits on the log's head until the head moves, then locks first until as many locks as its backoff find the copy level; the backoff doubles with each moved head and resets on a commit on the head")
    func headModeBacksOffAfterAMovedHead() {
        var mode = HeadMode()
        #expect(mode.decidesOnHead)
        mode.headMoved()
        // The group run again under the lock found another node's events.
        mode.locked(foundLevel: false)
        #expect(mode.lockedGroupsLeft == 2)
        mode.locked(foundLevel: true)
        #expect(!mode.decidesOnHead)
        // Another node's events under a lock leave at least one level lock to go.
        mode.locked(foundLevel: false)
        #expect(mode.lockedGroupsLeft == 1)
        mode.locked(foundLevel: true)
        #expect(mode.decidesOnHead)
        // Moved again before a commit on the head: the backoff doubles.
        mode.headMoved()
        #expect(mode.lockedGroupsLeft == 4)
        for _ in 0..<4 { mode.locked(foundLevel: true) }
        #expect(mode.decidesOnHead)
        mode.committedOnHead()
        mode.headMoved()
        #expect(mode.lockedGroupsLeft == 2)
        // The backoff stops growing at 256 groups.
        for _ in 0..<20 { mode.headMoved() }
        #expect(mode.lockedGroupsLeft == 256)
    }
}

/// Starts `work` (a write) and returns once it is queued behind the writer, so writes queued one
/// after another take the writer in that order.
func queue<T: Sendable>(on ledger: Ledger, _ work: @escaping @Sendable () async throws -> T) async throws -> Task<T, any Error> {
    let queued = ledger.queuedWrites.load(ordering: .relaxed)
    let task = Task.detached { try await work() }
    try await waitUntil("a write to queue behind the writer", within: .seconds(60), every: .milliseconds(1)) {
        ledger.queuedWrites.load(ordering: .relaxed) > queued
    }
    return task
}

/// A command that holds the ledger's writer (and its thread, as a command waiting on the disk
/// does) until released, at most a minute. It runs as a group of its own on GRDB's writer queue
/// (`writeInGroup`), so the thread it holds is not one of Swift's pool, which tests running
/// beside it need.
struct WriterHold {
    let flags: HandOff
    let task: Task<Void, any Error>

    /// Starts the holding command and returns once it is inside its transaction (on a ledger
    /// following a log of record, under the record's lock, as its commands run).
    static func start(_ ledger: Ledger) async throws -> WriterHold {
        let flags = HandOff()
        // On a following ledger, the holder locks the record's head before it runs, as a group
        // does after another node wrote (alone, a node runs on its copy and commits on the head).
        ledger.lockRecordForNextGroup()
        let task = Task.detached {
            _ = try await ledger.writeInGroup(EventMetadata(actor: "holder"), record: ledger.logOfRecord) { tx in
                flags.entered.store(true, ordering: .releasing)
                var waited = 0
                while !flags.release.load(ordering: .acquiring), waited < 60_000 {
                    usleep(1_000)
                    waited += 1
                }
                return try holderBody(tx)
            }
        }
        try await waitUntil("the holding write to enter its transaction", within: .seconds(60), every: .milliseconds(1)) {
            flags.entered.load(ordering: .acquiring)
        }
        return WriterHold(flags: flags, task: task)
    }

    /// What the holding command appends.
    @Sendable static func holderBody(_ tx: LedgerTransaction) throws -> RecordedEvent {
        try tx.append(.peerStatusReset(PeerStatusReset(participantID: 9_999, publicID: 1)), to: Peer.stream(participant: 9_999, exchange: 1), expecting: .any)
    }

    /// Lets the holding command commit and waits until it has.
    func release() async throws {
        flags.release.store(true, ordering: .releasing)
        try await task.value
    }
}
