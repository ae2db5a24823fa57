import Foundation
import GRDB
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
@testable import PeerLedgerPostgres
@testable import PeerLedgerWebhooks

/// Ledger files that follow one PostgreSQL log (`Ledger.follow`), as the nodes of one ledger do:
/// each decides on its own copy under the log's head lock, and the log takes the events.
@Suite("Ledger files following a PostgreSQL log", .enabled(if: postgresAvailable, postgresNeeded))
struct FollowingPostgresTests {
    /// A node: a ledger file (in memory) following the log at `url` through a store of its own.
    struct Node {
        let ledger: Ledger
        let store: PostgresEventStore

        static func start(_ url: String) async throws -> Node {
            let store = try await PostgresEventStore.connect(url: url)
            let ledger = try Ledger.inMemory()
            try await ledger.follow(store)
            return Node(ledger: ledger, store: store)
        }

        func addSession(_ number: Int, password: String? = nil) async throws -> Int64 {
            var fields: [SessionField: String] = [
                .source_asn: "8038", .source_ipaddr: "1.2.3.5", .resource_id: "422", .public_id: "1", .peer_asn: "16509",
                .peer_ipaddr: "206.126.\(number / 250).\(number % 250 + 1)", .type: "Peer",
            ]
            fields[.password] = password
            let fieldsGiven = fields
            return try await ledger.write(EventMetadata(actor: "test")) { transaction in try transaction.addSession(fieldsGiven) }
        }

        func session(_ id: Int64) async throws -> Session? {
            try await ledger.reading { reader in try reader.session(id: id) }
        }

        func close() async { await store.close() }
    }

    static func withNodes<T>(_ count: Int, _ body: ([Node], PostgresEventStore, String) async throws -> T) async throws -> T {
        try await withPostgresDatabase { url in
            var nodes: [Node] = []
            let record = try await PostgresEventStore.connect(url: url)
            do {
                for _ in 0..<count { nodes.append(try await Node.start(url)) }
                let value = try await body(nodes, record, url)
                for node in nodes { await node.close() }
                await record.close()
                return value
            } catch {
                for node in nodes { await node.close() }
                await record.close()
                throw error
            }
        }
    }

    @Test("a write made through one node is read by the next read on another, which decides on it")
    func writesAreSeenAcrossNodes() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let (a, b) = (nodes[0], nodes[1])
            let first = try await a.addSession(1)
            #expect(first == 1)
            #expect(try await b.session(1)?.values[.peer_ipaddr] == .text("206.126.0.2"))
            // B decides the next id on its copy, which holds A's session.
            #expect(try await b.addSession(2) == 2)
            #expect(try await a.session(2)?.values[.peer_ipaddr] == .text("206.126.0.3"))
            // The same address through the other node is refused, and the log does not move.
            await #expect(throws: Refusal.self) { try await b.addSession(1) }
            #expect(try await record.head().position == 2)
            #expect(try await record.verify().isValid)
        }
    }

    @Test("a node writing alone commits each command on the log's head in one call, without locking the head first, and keeps its secrets there")
    func aLoneNodeCommitsOnTheHead() async throws {
        try await Self.withNodes(1) { nodes, record, _ in
            let node = nodes[0]
            #expect(try await node.addSession(1) == 1)
            #expect(try await node.addSession(2, password: "on-the-head-bgp") == 2)
            #expect(try await node.addSession(3) == 3)
            let commits = node.ledger.groupCommits
            #expect(commits.groups == 3)
            #expect(commits.onHead == 3)
            #expect(commits.ranAgain == 0)
            let events = try await record.events(after: 0, limit: 10)
            #expect(events.map(\.stream) == ["session-1", "session-2", "session-3"])
            #expect(try await record.verify().isValid)
            #expect(try await record.allSecrets().map(\.value) == ["on-the-head-bgp"])
            // The copy is the log.
            #expect(try node.ledger.verify().lastHash == (try await record.head()).hash)
        }
    }

    @Test("a command decided on a copy another node has moved past runs again under the log's lock: refused on the stale copy, then done; done on it, then refused")
    func aStaleCopysCommandRunsAgainUnderTheLock() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let (a, b) = (nodes[0], nodes[1])
            let metadata = EventMetadata(actor: "test")
            let stream = Peer.stream(participant: 77, exchange: 1)
            let reset = LedgerEvent.peerStatusReset(PeerStatusReset(participantID: 77, publicID: 1))
            _ = try await a.ledger.write(metadata) { tx in try tx.append(reset, to: stream, expecting: .noStream) }

            // B's copy lacks A's event: the append at version 1 is a conflict there. Under the
            // lock, on the copy brought level, it is the stream's second event.
            let second = try await b.ledger.write(metadata) { tx in try tx.append(reset, to: stream, expecting: .exactly(1)) }
            #expect(second.position == 2 && second.streamVersion == 2)
            #expect(b.ledger.groupCommits.ranAgain == 1)
            #expect(b.ledger.groupCommits.onHead == 0)

            // After a moved head B's groups lock first, until two in a row find its copy level
            // (the backoff); the one after commits on the head.
            #expect(try await b.addSession(1) == 1)
            #expect(try await b.addSession(2) == 2)
            #expect(b.ledger.groupCommits.onHead == 0)
            #expect(try await b.addSession(3) == 3)
            #expect(b.ledger.groupCommits.onHead == 1)

            // A adds a peer address; B, deciding on its copy, would add the same address again.
            // The log refuses the commit on a moved head, and under the lock B's command is refused.
            #expect(try await a.addSession(4) == 4)
            await #expect(throws: Refusal.self) { try await b.addSession(4) }
            #expect(b.ledger.groupCommits.ranAgain == 2)
            #expect(try await record.head().position == 6)
            #expect(
                try await record.events(after: 0, limit: 10).map(\.stream)
                    == [stream, stream, "session-1", "session-2", "session-3", "session-4"])
            #expect(try await record.verify().isValid)
            // Both copies brought level (a refused group keeps nothing on the copy, what it copied in included).
            _ = try await a.session(1)
            _ = try await b.session(1)
            #expect(try a.ledger.projectionChecksum() == b.ledger.projectionChecksum())
        }
    }

    @Test("a lone command refused after it appended on a node's copy leaves nothing on the log when its group checks the head")
    func aLoneRefusedCommandKeepsNothingOnTheHead() async throws {
        try await Self.withNodes(1) { nodes, record, _ in
            let node = nodes[0]
            let stream = Peer.stream(participant: 77, exchange: 1)
            let appendsThenRefuses: @Sendable (LedgerTransaction) throws -> Int64 = { tx in
                try tx.append(.peerStatusReset(PeerStatusReset(participantID: 77, publicID: 1)), to: stream, expecting: .noStream)
                throw Refusal("refused on purpose")
            }
            do {
                _ = try await node.ledger.write(EventMetadata(actor: "test"), appendsThenRefuses)
                Issue.record("the refused command was answered as done")
            } catch let refusal as Refusal {
                #expect(refusal == Refusal("refused on purpose"))
            }
            #expect(try await record.head().position == 0)
            #expect(try await record.events(after: 0, limit: 10).isEmpty)
            #expect(try node.ledger.verify().events == 0)
            // The next command is the log's first event.
            #expect(try await node.addSession(1) == 1)
            #expect(try await record.events(after: 0, limit: 10).map(\.stream) == ["session-1"])
            #expect(node.ledger.groupCommits.onHead == 1)
        }
    }

    @Test("a commit on the head keeps everything when the head is the one named, and nothing when the head has moved or one of its idempotency keys is kept already")
    func aCommitOnTheHeadKeepsAllOrNothing() async throws {
        try await Self.withNodes(0) { _, record, _ in
            // Two chained events as a copy records them.
            let copy = try Ledger.inMemory()
            var events: [RecordedEvent] = []
            for participant in [41, 42] {
                events.append(try await copy.write(EventMetadata(actor: "test")) { tx in
                    try tx.append(
                        .peerStatusReset(PeerStatusReset(participantID: Int64(participant), publicID: 1)),
                        to: Peer.stream(participant: Int64(participant), exchange: 1), expecting: .noStream)
                })
            }
            func commit(_ event: RecordedEvent, key: String, secret: String) -> RecordCommit {
                var commit = RecordCommit()
                commit.events = [event]
                commit.secrets = [(ref: "ref-\(secret)", value: secret)]
                commit.idempotency = [IdempotencyRecord(actor: "test", key: key, fingerprint: "f", answer: "{}", position: event.position)]
                return commit
            }
            let genesis = LogHead(position: 0, hash: RecordedEvent.genesisHash)
            let first = LogHead(position: 1, hash: events[0].hash)

            #expect(try record.commit(commit(events[0], key: "k-1", secret: "s-1"), onHead: genesis))
            // The head named is no longer the log's.
            #expect(try record.commit(commit(events[1], key: "k-2", secret: "s-2"), onHead: genesis) == false)
            // The head is right, but another commit kept this idempotency key.
            #expect(try record.commit(commit(events[1], key: "k-1", secret: "s-2"), onHead: first) == false)
            #expect(try await record.head() == first)
            #expect(try await record.allSecrets().map(\.value) == ["s-1"])

            #expect(try record.commit(commit(events[1], key: "k-2", secret: "s-2"), onHead: first))
            #expect(try await record.events(after: 0, limit: 10).map(\.hash) == events.map(\.hash))
            #expect(try await record.allSecrets().map(\.value) == ["s-1", "s-2"])
            #expect(try record.idempotencyRecord(actor: "test", key: "k-2")?.fingerprint == "f")
            #expect(try await record.verify().isValid)
        }
    }

    @Test("a commit on the head whose connection the server ends while it waits is settled under the lock on a new connection, and the command runs again there once")
    func aCommitOnTheHeadLostWithItsConnectionIsSettled() async throws {
        try await Self.withNodes(1) { nodes, record, url in
            let node = nodes[0]
            let database = String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
            // Another writer holds the log's head: the node's call waits for it.
            _ = try record.lock()
            let write = Task { try await node.addSession(1) }
            let waiting = """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%log_commit_on_head%'
                """
            try await waitUntil("the node's call to wait for the head's lock", within: .seconds(60), every: .milliseconds(50)) {
                try await PostgresCluster.shared().psql(waiting, database: database) == "1"
            }
            let ended = try await PostgresCluster.shared().psql(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE '%log_commit_on_head%' AND pid <> pg_backend_pid()
                """,
                database: database)
            #expect(ended == "1")
            record.rollback()

            // Nothing of the call was kept: the command ran again under the lock, once.
            #expect(try await write.value == 1)
            #expect(node.ledger.groupCommits.ranAgain == 1)
            #expect(try await record.events(after: 0, limit: 10).map(\.stream) == ["session-1"])
            #expect(try await record.verify().isValid)
        }
    }

    @Test("after the server ends every connection (as a restart or a failover behind one address does), the next write and read open new ones")
    func lostConnectionsAreOpenedAgain() async throws {
        try await Self.withNodes(2) { nodes, record, url in
            let (a, b) = (nodes[0], nodes[1])
            #expect(try await a.addSession(1) == 1)
            #expect(try await b.session(1) != nil)

            let database = String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
            let ended = try await PostgresCluster.shared().psql(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                """,
                database: database)
            // A writer and a reader for each of the three stores.
            #expect(ended == "6")

            // A command through a node, a read on the other, and the store's own append.
            #expect(try await b.addSession(2) == 2)
            #expect(try await a.session(2)?.values[.peer_ipaddr] == .text("206.126.0.3"))
            #expect(try await a.addSession(3) == 3)
            try await EventStoreConformanceTests.append(
                record, EventStoreConformanceTests.added(100), to: "session-100", expecting: .noStream)
            #expect(try await record.head().position == 4)
            #expect(try await record.verify().isValid)
            // A connection is opened again when it is next used: B reads now.
            #expect(try await b.session(3)?.values[.peer_ipaddr] == .text("206.126.0.4"))
            let connected = try await PostgresCluster.shared().psql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                database: database)
            #expect(connected == "6")
        }
    }

    /// Refuses the commit of the next transaction it sees, as a full disk or an I/O error would.
    final class CommitRefusal: TransactionObserver, Sendable {
        let refused = Mutex(0)
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseWillCommit() throws {
            refused.withLock { $0 += 1 }
            throw DatabaseError(resultCode: .SQLITE_FULL, message: "the test refuses this commit")
        }
        func databaseDidCommit(_ db: Database) {}
        func databaseDidRollback(_ db: Database) {}
    }

    /// A receiver that takes every delivery, without a network.
    struct Accepts: WebhookSender {
        func send(_ request: WebhookRequest) async throws -> Int { 200 }
    }

    @Test("the node that takes over webhook deliveries starts where the last one stopped: no event goes to a receiver twice")
    func webhookCursorsAreShared() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let (a, b) = (nodes[0], nodes[1])
            let (webhook, _) = try await a.ledger.subscribeWebhook(
                url: "http://127.0.0.1:9/hook", eventTypes: [SessionAdded.type], metadata: EventMetadata(actor: "test"))
            for number in 1...3 { _ = try await a.addSession(number) }
            // A leads the deliveries: the three sessions' events, at positions 2 to 4.
            #expect(try await WebhookWorker(ledger: a.ledger, sender: Accepts()).deliverDue().delivered == [2, 3, 4])
            #expect(try await record.webhookCursors() == [webhook.id: 4])

            // A stops; B takes over: nothing A delivered goes again, and the next event goes once.
            #expect(try await WebhookWorker(ledger: b.ledger, sender: Accepts()).deliverDue().delivered == [])
            _ = try await a.addSession(4)
            #expect(try await WebhookWorker(ledger: b.ledger, sender: Accepts()).deliverDue().delivered == [5])
            #expect(try await record.webhookCursors() == [webhook.id: 5])
            // The cursor B keeps is where the shared one is.
            #expect(try await b.ledger.write(EventMetadata(actor: "test")) { tx in try tx.webhookCursor(webhook.id)?.position } == 5)
        }
    }

    @Test("eight writers over three nodes leave one gap-free chain, and every copy is the log with the same projections")
    func concurrentWritersOverThreeNodes() async throws {
        try await Self.withNodes(3) { nodes, record, _ in
            let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var ids: [Int64] = []
                        for round in 0..<5 { ids.append(try await nodes[writer % 3].addSession(writer * 10 + round)) }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(ids.sorted() == Array(1...40))
            let verified = try await record.verify()
            #expect(verified.isValid && verified.events == 40)
            let head = try await record.head()
            var checksums: Set<String> = []
            for node in nodes {
                _ = try await node.session(1)  // brings the copy level
                let copy = try node.ledger.verify()
                #expect(copy.isValid && copy.events == 40 && copy.lastHash == head.hash)
                checksums.insert(try node.ledger.projectionChecksum())
            }
            #expect(checksums.count == 1)
        }
    }

    @Test("of two nodes updating one session at the version both read, exactly one wins")
    func oneWinnerPerVersion() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let id = try await nodes[0].addSession(1)
            let read = try #require(try await nodes[1].session(id))
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, node) in nodes.enumerated() {
                    group.addTask {
                        do {
                            _ = try await node.ledger.write(EventMetadata(actor: "test")) { transaction in
                                try transaction.updateSession(read, given: [.note: "node \(index)"])
                            }
                            return true
                        } catch LedgerError.conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await record.head().position == 2)
            #expect(try await nodes[0].session(id)?.version == 2)
        }
    }

    @Test("commands queued on a node commit as one group on the log, one lock and one commit there; a refused one among them leaves nothing on the log or any copy")
    func groupsOnANode() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let (a, b) = (nodes[0], nodes[1])
            let hold = try await WriterHold.start(a.ledger)
            let first = try await queue(on: a.ledger) { try await a.addSession(1) }
            // Appends an event and keeps a secret and an idempotency record's worth of work, then throws.
            let refused = try await queue(on: a.ledger) {
                try await a.ledger.append(
                    EventMetadata(actor: "refused"), idempotency: IdempotencyKey(actor: "refused", key: "k-1", fingerprint: "f")
                ) { tx in
                    try tx.append(
                        .peerStatusReset(PeerStatusReset(participantID: 77, publicID: 1)), to: Peer.stream(participant: 77, exchange: 1),
                        expecting: .noStream)
                    _ = try tx.storeSecret("never-kept")
                    throw Refusal("refused on purpose")
                }
            }
            let third = try await queue(on: a.ledger) { try await a.addSession(2, password: "s3cr3t-bgp") }
            try await hold.release()

            #expect(try await first.value == 1)
            #expect(try await third.value == 2)
            await #expect(throws: Refusal("refused on purpose")) { try await refused.value }
            // The holder alone, then the three queued behind it together.
            #expect(a.ledger.groupCommits.largestGroup == 3)
            // The log of record: the holder's event and the two sessions; nothing of the refused command.
            let events = try await record.events(after: 0, limit: 10)
            #expect(events.map(\.stream) == [Peer.stream(participant: 9_999, exchange: 1), "session-1", "session-2"])
            #expect(try await record.verify().isValid)
            #expect(try await record.allSecrets().map(\.value) == ["s3cr3t-bgp"])
            // Another node reads what the group committed, and both copies are the log with the same projections.
            #expect(try await b.session(2)?.values[.password] == .text("s3cr3t-bgp"))
            #expect(try a.ledger.projectionChecksum() == b.ledger.projectionChecksum())
            #expect(try a.ledger.verify().isValid && b.ledger.verify().isValid)
            // The refused command's idempotency key was not kept: through B it is new, with any fingerprint.
            let retried = try await b.ledger.append(
                EventMetadata(actor: "refused"), idempotency: IdempotencyKey(actor: "refused", key: "k-1", fingerprint: "g")
            ) { tx in
                try tx.append(
                    .peerStatusReset(PeerStatusReset(participantID: 78, publicID: 1)), to: Peer.stream(participant: 78, exchange: 1),
                    expecting: .noStream)
            }
            guard case let .new(event) = retried else { throw TestFailure("the key was kept: \(retried)") }
            #expect(event.position == 4)
        }
    }

    @Test("commands that queue on a node while its group waits for the log's lock join that group: one lock and one commit for all")
    func lateCommandsJoinTheGroupWaitingForTheLock() async throws {
        try await Self.withNodes(2) { nodes, record, url in
            let (a, b) = (nodes[0], nodes[1])
            let database = String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
            let before = b.ledger.groupCommits
            // A holds the log's head; B's group of one command waits for it in PostgreSQL.
            let hold = try await WriterHold.start(a.ledger)
            let first = try await queue(on: b.ledger) { try await b.addSession(1) }
            do {
                try await waitUntil("B's group to wait for the log's lock", within: .seconds(60), every: .milliseconds(100)) {
                    try await PostgresCluster.shared().psql(
                        """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'
                          AND (query LIKE '%log_lock_and_tail%' OR query LIKE '%log_commit_on_head%')
                        """,
                        database: database) != "0"
                }
            } catch {
                let activity = try? await PostgresCluster.shared().psql(
                    "SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE datname = current_database()",
                    database: database)
                print("the database's sessions when B's group was not seen waiting:\n\(activity ?? "(psql failed)")")
                throw error
            }
            let second = try await queue(on: b.ledger) { try await b.addSession(2) }
            let third = try await queue(on: b.ledger) { try await b.addSession(3) }
            try await hold.release()

            #expect(try await first.value == 1)
            #expect(try await second.value == 2)
            #expect(try await third.value == 3)
            let after = b.ledger.groupCommits
            #expect(after.groups - before.groups == 1)
            #expect(after.commands - before.commands == 3)
            let events = try await record.events(after: 0, limit: 10)
            #expect(events.map(\.stream) == [Peer.stream(participant: 9_999, exchange: 1), "session-1", "session-2", "session-3"])
            #expect(try await record.verify().isValid)
            // A reads B's group (its copy comes level), and both copies have the same projections.
            #expect(try await a.session(3)?.values[.peer_ipaddr] == .text("206.126.0.4"))
            #expect(try a.ledger.projectionChecksum() == b.ledger.projectionChecksum())
        }
    }

    @Test("a node's file commits without waiting for the disk (synchronous=NORMAL), as the log of record commits first; a ledger of its own waits (FULL)")
    func aCopyCommitsWithoutWaitingForTheDisk() async throws {
        try await Self.withNodes(1) { nodes, _, _ in
            let synchronous = { (ledger: Ledger) in
                try ledger.database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            }
            #expect(try synchronous(nodes[0].ledger) == 1)
            let alone = try Ledger.open(at: temporaryDatabasePath())
            #expect(try synchronous(alone) == 2)
        }
    }

    @Test("a password kept through one node is read through another, and never enters the log")
    func secretsFollowTheirEvents() async throws {
        try await Self.withNodes(2) { nodes, record, url in
            let id = try await nodes[0].addSession(1, password: "s3cr3t-bgp")
            #expect(try await nodes[1].session(id)?.values[.password] == .text("s3cr3t-bgp"))
            let events = try await record.events(after: 0, limit: 10)
            #expect(events.count == 1)
            #expect(!events[0].payload.contains("s3cr3t-bgp"))
            // A node started later copies the secret in with the log.
            let late = try await Node.start(url)
            #expect(try await late.session(id)?.values[.password] == .text("s3cr3t-bgp"))
            await late.close()
        }
    }

    @Test("a command the log committed is answered as done when the node's file then fails to commit, and the file copies it in at its next read",
          arguments: ["write (a group)", "writeNow (a command-line tool's)"])
    func fileCommitFailingAfterTheLogs(_ path: String) async throws {
        try await Self.withNodes(1) { nodes, record, _ in
            let node = nodes[0]
            // The file's next commit fails: an observer refuses it, and SQLite rolls it back.
            let refusal = CommitRefusal()
            try await node.ledger.database.writeWithoutTransaction { db in db.add(transactionObserver: refusal, extent: .nextTransaction) }
            let id: Int64
            if path.hasPrefix("writeNow") {
                let ledger = node.ledger
                id = try await offPool {
                    try ledger.writeNow(EventMetadata(actor: "test")) { transaction in
                        try transaction.addSession([
                            .source_asn: "8038", .source_ipaddr: "1.2.3.5", .resource_id: "422", .public_id: "1", .peer_asn: "16509",
                            .peer_ipaddr: "206.126.0.2", .type: "Peer",
                        ])
                    }
                }
            } else {
                id = try await node.addSession(1)
            }
            #expect(refusal.refused.withLock { $0 } == 1)
            #expect(try await record.head().position == 1)
            #expect(try node.ledger.headPosition() == 0)
            // The file was rolled back; its next read copies the event in from the log.
            #expect(try await node.session(id)?.values[.peer_ipaddr] == .text("206.126.0.2"))
            #expect(try node.ledger.headPosition() == 1)
        }
    }

    @Test("an idempotency key used through one node repeats its first answer through another")
    func idempotencyAcrossNodes() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let key = IdempotencyKey(actor: "api:noc", key: "add-1", fingerprint: "peer=16509")
            func add(_ node: Node) async throws -> Appended<Int64> {
                try await node.ledger.append(EventMetadata(actor: "api:noc"), idempotency: key, record: { "session \($0)" }) {
                    transaction in
                    try transaction.addSession([
                        .source_asn: "8038", .source_ipaddr: "1.2.3.5", .resource_id: "422", .public_id: "1", .peer_asn: "16509",
                        .peer_ipaddr: "206.126.236.68", .type: "Peer",
                    ])
                }
            }
            guard case .new(1) = try await add(nodes[0]) else { Issue.record("the first add was not new"); return }
            guard case let .repeated(outcome) = try await add(nodes[1]) else {
                Issue.record("the repeat through the other node was not a repeat")
                return
            }
            #expect(outcome == "session 1")
            #expect(try await record.head().position == 1)
        }
    }

    @Test("an API key and a console user made or changed through one node work through another, their secrets out of the log")
    func keysAndUsersReachEveryNode() async throws {
        try await Self.withNodes(2) { nodes, record, _ in
            let (a, b) = (nodes[0], nodes[1])
            let issued = try a.ledger.createAPIKey(name: "noc", scope: .write, metadata: EventMetadata(actor: "cli:test"))
            let stored = try await b.ledger.reading { reader in try reader.storedKey(issued.key.apiKey) }
            #expect(stored?.secret == issued.secret)
            #expect(stored?.key.scope == .write)
            #expect(try await b.ledger.reading { reader in try reader.bearerKey(token: issued.token) }?.apiKey == issued.key.apiKey)

            _ = try a.ledger.createConsoleUser(name: "alice", role: .operator, passwordHash: "$2b$10$first", metadata: EventMetadata(actor: "cli:test"))
            #expect(try await b.ledger.reading { reader in try reader.storedConsoleUser("alice") }?.passwordHash == "$2b$10$first")
            _ = try await a.ledger.write(EventMetadata(actor: "user:alice")) { transaction in
                try transaction.setConsoleUserPassword("alice", passwordHash: "$2b$10$second", mustChange: false)
            }
            let changed = try await b.ledger.reading { reader in try reader.storedConsoleUser("alice") }
            #expect(changed?.passwordHash == "$2b$10$second")
            #expect(changed?.user.mustChangePassword == false)

            _ = try a.ledger.revokeAPIKey("noc", metadata: EventMetadata(actor: "cli:test"))
            _ = try a.ledger.disableConsoleUser("alice", metadata: EventMetadata(actor: "cli:test"))
            #expect(try await b.ledger.reading { reader in try reader.bearerKey(token: issued.token) } == nil)
            #expect(try await b.ledger.reading { reader in try reader.storedConsoleUser("alice") }?.user.isDisabled == true)

            for event in try await record.events(after: 0, limit: 100) {
                #expect(!event.payload.contains(issued.secret) && !event.payload.contains("$2b$10$"), "\(event.type)")
            }
        }
    }

    @Test("mail queued through one node is in every node's outbox, and a delivery recorded through one settles it on the others")
    func outboxIsShared() async throws {
        try await Self.withNodes(2) { nodes, _, url in
            let (a, b) = (nodes[0], nodes[1])
            let mail = OutgoingMail(
                sender: "peering@example.net", recipients: ["noc@example.com"], message: "Subject: peering\r\n\r\nhello\r\n")
            _ = try await a.ledger.write(EventMetadata(actor: "test")) { transaction in
                try transaction.enqueueMail(requestID: 7, messageID: "<7@peerledger.test>", mail: mail)
                return try transaction.addSession([
                    .source_asn: "8038", .source_ipaddr: "1.2.3.5", .resource_id: "422", .public_id: "1", .peer_asn: "16509",
                    .peer_ipaddr: "206.126.236.68", .type: "Peer",
                ])
            }
            #expect(try await b.ledger.outboxCounts() == ["pending": 1])
            let claimed = try await b.ledger.claimDueMail(
                now: Timestamp(parsing: "2100-01-01T00:00:00Z")!, until: Timestamp(parsing: "2100-01-01T00:05:00Z")!, limit: 10)
            #expect(claimed.map(\.requestID) == [7])
            #expect(claimed.first?.mail == mail)

            // B's worker delivers it and records so; A, catching up, has it delivered too, and
            // its own worker would find nothing pending.
            _ = try await b.ledger.write(EventMetadata(actor: "outbox")) { transaction in
                #expect(try transaction.mailState(requestID: 7) == "pending")
                try transaction.append(
                    .peeringRequestDelivered(PeeringRequestDelivered(requestID: 7, reply: "250 OK", attempt: 1)), to: "request-7",
                    expecting: .noStream)
                try transaction.settleMail(requestID: 7, state: "delivered", attempts: 1, reply: "250 OK", nextAttempt: nil)
            }
            #expect(try await a.ledger.outboxCounts() == ["delivered": 1])
            let late = try await Node.start(url)
            #expect(try await late.ledger.outboxCounts() == ["delivered": 1])
            await late.close()
        }
    }

    /// Whether the test's own candidate leads, heard from the campaign's callback.
    final class LeadingFlag: Sendable {
        let value = Mutex(false)
    }

    @Test("outbox status and deliver given --store work on a node's copy; deliver runs only as the outbox's leader")
    func outboxCommandsOnTheLog() async throws {
        try await withPostgresStore { store, url in
            let node = try Ledger.open(at: temporaryDatabasePath())
            try await node.follow(store)
            let mail = OutgoingMail(
                sender: "peering@example.net", recipients: ["noc@example.com"], message: "Subject: peering\r\n\r\nhello\r\n")
            // A request and its message, as sendPeeringRequest records them.
            _ = try await node.write(EventMetadata(actor: "test")) { transaction in
                try transaction.append(
                    .peeringRequestSent(
                        PeeringRequestSent(
                            requestID: 7, publicID: 1, sourceParticipantID: 2335, sourceASN: 8038, peerParticipantID: 1418, peerASN: 16509,
                            peerName: "Amazon.com", emailType: "text", emailFrom: "peering@example.net", emailTo: "noc@example.com",
                            cc: nil, bcc: nil, subject: "peering", body: "hello", textBody: nil, status: "pending",
                            messageID: "<7@peerledger.test>", forced: false)),
                    to: "request-7", expecting: .noStream)
                try transaction.enqueueMail(requestID: 7, messageID: "<7@peerledger.test>", mail: mail)
            }
            let copy = temporaryDatabasePath()
            #expect(try await peerledger(["init", "--db", copy]).status == 0)
            let status = try await peerledger(["outbox", "status", "--db", copy, "--store", url])
            #expect(status.status == 0, "\(status.errors)")
            #expect(status.output.contains("pending 1"), "\(status.output)")

            // Another process leads the outbox: this one does not deliver.
            let leadership = PostgresLeadership(role: "outbox", target: try PostgresStoreTarget(url: url))
            let leading = LeadingFlag()
            let leader = Task {
                await leadership.run(changed: { now in leading.value.withLock { $0 = now } }) {
                    try await Task.sleep(for: .seconds(120))
                }
            }
            try await waitUntil("the test to lead the outbox", within: .seconds(20), every: .milliseconds(50)) { leading.value.withLock { $0 } }
            // The relay refuses every connection (port 1 on loopback): a delivery would be retried.
            let relay = ["--smtp-host", "127.0.0.1", "--smtp-port", "1"]
            let refused = try await peerledger(["outbox", "deliver", "--db", copy, "--store", url] + relay)
            #expect(refused.status == 75, "\(refused.output) \(refused.errors)")
            #expect(refused.errors.contains("another process leads the outbox"), "\(refused.errors)")
            leader.cancel()
            await leader.value

            let delivered = try await peerledger(["outbox", "deliver", "--db", copy, "--store", url] + relay)
            #expect(delivered.status == 0, "\(delivered.output) \(delivered.errors)")
            #expect(delivered.output.contains("delivered 0, retrying 1, failed 0"), "\(delivered.output)")
            // The attempt is in the log of record: the first node hears of it.
            let events = try await store.events(after: 0, limit: 100).map(\.type)
            #expect(events.last == "PeeringRequestDeliveryFailed", "\(events)")
            #expect(try await node.outboxCounts() == ["pending": 1])
        }
    }

    @Test("a file that has followed a log refuses a command run on it without the log, and takes it again through the log")
    func aCopyRefusesWritingAlone() async throws {
        try await withPostgresDatabase { url in
            let path = temporaryDatabasePath()
            let store = try await PostgresEventStore.connect(url: url)
            do {
                let ledger = try Ledger.open(at: path)
                try await ledger.follow(store)
                _ = try ledger.createAPIKey(name: "noc", scope: .write, metadata: EventMetadata(actor: "cli:test"))
                try ledger.close()

                let alone = try Ledger.open(at: path, access: .existing)
                #expect(alone.copyOfLog == store.location)
                #expect(store.location.hasPrefix("postgres://postgres@127.0.0.1:"))
                await #expect(throws: LogOfRecordError(
                    description: "this file is a copy of the log at \(store.location): run the command with --store to write to that log")
                ) { try alone.createAPIKey(name: "stray", scope: .read, metadata: EventMetadata(actor: "cli:test")) }
                #expect(try alone.apiKeys().map(\.name) == ["noc"])
                #expect(try alone.headPosition() == 1)
                try await alone.follow(store)
                _ = try alone.createAPIKey(name: "second", scope: .read, metadata: EventMetadata(actor: "cli:test"))
                #expect(try await store.head().position == 2)
                try alone.close()
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    @Test("the projection conformance suite holds through a ledger following PostgreSQL, and a node copying that log from nothing builds the same projections")
    func projectionConformance() async throws {
        let seed = try ProjectionConformanceTests.seed()
        let calls = ProjectionConformanceTests.commands(seed: seed)
        try await withPostgresStore { store, url in
            let t = try TestLedger()
            try await t.ledger.follow(store)
            let succeeded = try await ProjectionConformanceTests.run(calls, on: t)
            #expect(succeeded > 100, "only \(succeeded) of 400 commands succeeded with seed \(seed)")
            let incremental = try t.ledger.projectionChecksum()
            let report = try t.ledger.rebuild()
            #expect(report.matches && report.checksumAfter == incremental, "seed \(seed)")
            #expect(try await store.head().position == (try t.eventCount()))
            // As of a moment between commands, a read answers what a ledger that saw only the
            // commands up to then answers.
            let cut = calls.count / 2
            let fresh = try TestLedger()
            try await ProjectionConformanceTests.run(calls[...cut], on: fresh)
            let moment = Timestamp(millis: calls[cut].at.millis + 30_000)
            for exchange in 1...3 {
                let query = "action=getSessions&public_id=\(exchange)"
                #expect(try await t.call("\(query)&as_of=\(moment.iso8601)") == (try await fresh.call(query)), "seed \(seed)")
            }
            let other = try await Node.start(url)
            #expect(try other.ledger.projectionChecksum() == incremental, "seed \(seed)")
            await other.close()
        }
    }

    @Test("a new node copies a log of several batches from nothing, the log first and the projections in one replay after, and holds the world's events, secrets and projections")
    func newNodeCopiesALongLog() async throws {
        let seed = try TestSeed.value("FollowingPostgresTests.newNodeCopiesALongLog", fixed: 20_261_205)
        let shape = WorldShape(
            networks: 40, exchanges: 4, netixlans: 60, contacts: 10, bigExchangeMembers: 12, ownExchanges: 3, sessions: 30,
            requests: 8, events: 2 * Ledger.copyBatch + 321)
        let world = try SyntheticWorld.openLedger(at: temporaryDatabasePath())
        _ = try await SyntheticWorld(shape: shape, seed: seed).build(into: world, scratch: Scratch.folder)
        let head = try await world.head()
        #expect(head.position > 2 * Int64(Ledger.copyBatch), "seed \(seed)")
        try await withPostgresDatabase { url in
            _ = try await StoreCopy.copy(from: .sqlite(path: world.database.path), to: .postgres(url: url))
            let store = try await PostgresEventStore.connect(url: url)
            let node = try Ledger.open(at: temporaryDatabasePath())
            try await node.follow(store)
            #expect(try await node.head() == head, "seed \(seed)")
            #expect(try node.projectionLag() == 0, "seed \(seed)")
            #expect(try node.projectionChecksum() == world.projectionChecksum(), "seed \(seed)")
            #expect(try node.allSecrets().map(\.value) == world.allSecrets().map(\.value), "seed \(seed)")
            #expect(try node.verify().isValid, "seed \(seed)")
            await store.close()
        }
    }

    @Test("a webhook subscribed through one node starts its delivery cursor after its event on every node")
    func webhookCursorsStartOnEveryNode() async throws {
        try await Self.withNodes(2) { nodes, _, _ in
            _ = try await nodes[0].addSession(1)
            let (webhook, _) = try await nodes[0].ledger.subscribeWebhook(
                url: "https://hooks.example.net/peering", eventTypes: ["SessionAdded"], metadata: EventMetadata(actor: "test"))
            _ = try await nodes[0].addSession(2)
            _ = try await nodes[1].session(2)  // brings B's copy level
            let cursor = try await nodes[1].ledger.write(EventMetadata(actor: "test")) { transaction in
                try transaction.webhookCursor(webhook.id)?.position
            }
            #expect(cursor == 2)
            // B, leading the deliveries, has the session added after the subscription to deliver.
            let jobs = try await nodes[1].ledger.claimDueWebhooks(
                now: Timestamp(parsing: "2100-01-01T00:00:00Z")!, until: Timestamp(parsing: "2100-01-01T00:05:00Z")!, limit: 10)
            #expect(jobs.map(\.event.position) == [3])
        }
    }

    @Test("a file holding an event the log of record lacks is refused as a copy of it, and its commits still wait for the disk")
    func aDivergedFileIsRefused() async throws {
        try await Self.withNodes(1) { nodes, _, _ in
            _ = try await nodes[0].addSession(1)
            let stray = try Ledger.open(at: temporaryDatabasePath())
            _ = try await stray.write(EventMetadata(actor: "test")) { transaction in
                try transaction.addSession([
                    .source_asn: "8038", .source_ipaddr: "1.2.3.5", .resource_id: "422", .public_id: "1", .peer_asn: "20940",
                    .peer_ipaddr: "206.126.9.9", .type: "Peer",
                ])
            }
            await #expect(throws: LogOfRecordError(
                description: "the ledger file's event at position 1 is not the log of record's: the file is not a copy of it")
            ) { try await stray.follow(nodes[0].store) }
            // Following began by letting the copy's commits skip the disk; refused, the file is its own again.
            let synchronous = try await stray.database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(synchronous == 2)
        }
    }
}
