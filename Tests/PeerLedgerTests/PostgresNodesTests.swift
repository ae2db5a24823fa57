import Foundation
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerPostgres

/// What several nodes on one PostgreSQL log rest on: each learns of the others' appends from the
/// server (LISTEN/NOTIFY), and one of them at a time leads a job (an advisory lock).
@Suite("Several nodes on PostgreSQL", .enabled(if: postgresAvailable, postgresNeeded))
struct PostgresNodesTests {
    @Test("a store hears the head move after every commit another store makes, and not after a rollback")
    func headsFollowOtherStoresCommits() async throws {
        try await withPostgresStore { writer, url in
            let other = try await PostgresEventStore.connect(url: url)
            defer { Task { await other.close() } }
            let seen = Mutex<[LogHead]>([])
            let listening = Task {
                for try await head in other.logHeads() { seen.withLock { $0.append(head) } }
            }
            defer { listening.cancel() }
            try await waitUntil("the listener's first head", within: .seconds(10)) { !seen.withLock { $0.isEmpty } }
            #expect(seen.withLock { $0.first } == LogHead(position: 0, hash: RecordedEvent.genesisHash))

            let first = try await EventStoreConformanceTests.append(
                writer, EventStoreConformanceTests.added(1), to: "session-1", expecting: .noStream)
            try await waitUntil("head 1 at the other store", within: .seconds(10)) { seen.withLock { $0.last?.position == 1 } }
            #expect(seen.withLock { $0.last } == LogHead(position: 1, hash: first.hash))

            // A refused append rolls back: no notification, the head stays.
            await #expect(throws: LedgerError.self) {
                try await EventStoreConformanceTests.append(
                    writer, EventStoreConformanceTests.added(1), to: "session-1", expecting: .noStream)
            }
            let second = try await EventStoreConformanceTests.append(
                writer, EventStoreConformanceTests.noted(1, "renewed"), to: "session-1", expecting: .exactly(1))
            try await waitUntil("head 2 at the other store", within: .seconds(10)) { seen.withLock { $0.last?.position == 2 } }
            #expect(seen.withLock { $0.map(\.position) } == [0, 1, 2])
            #expect(seen.withLock { $0.last?.hash } == second.hash)
        }
    }

    @Test("of three candidates one leads; when its session ends its job stops and another term of leadership begins")
    func leadershipMovesWhenTheLeaderDies() async throws {
        try await withPostgresDatabase { url in
            let target = try PostgresStoreTarget(url: url)
            // Each candidate's job runs until cancelled; `leading` is who runs it now.
            let leading = Shared<Set<Int>>([])
            let everLed = Shared<[Int]>([])
            let candidates = (1...3).map { number in
                Task {
                    await PostgresLeadership(role: "outbox", target: target, retry: .milliseconds(500)).run(
                        changed: { isLeading in
                            leading.withLock { set in
                                if isLeading { set.insert(number) } else { set.remove(number) }
                            }
                            if isLeading { everLed.withLock { $0.append(number) } }
                        },
                        { while true { try await Task.sleep(for: .seconds(60)) } })
                }
            }
            defer { for candidate in candidates { candidate.cancel() } }

            // The bounds allow a machine starved by the rest of the suite (2 cores); the time the
            // election took is printed below, about 20 ms on a quiet machine.
            try await waitUntil("a leader", within: .seconds(30)) { leading.withLock { $0.count } == 1 }
            // The others keep asking; a few of their tries go by and still one leads.
            try await Task.sleep(for: .seconds(2))
            let first = try #require(leading.withLock { $0.first })
            #expect(leading.withLock { $0 } == [first])
            #expect(everLed.withLock { $0 } == [first])

            // The leader's session ends as when its node dies: the server frees its lock.
            let ended = try await PostgresCluster.shared().psql(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """,
                database: String(url.split(separator: "/").last?.split(separator: "?").first ?? ""))
            #expect(ended == "1")
            let killed = ContinuousClock.now
            // The old leader's job is stopped and a leader is elected again: the old one, which
            // connects again and may ask first, or another.
            try await waitUntil("a new term of leadership", within: .seconds(30)) {
                everLed.withLock { $0.count } >= 2 && leading.withLock { $0.count } == 1
            }
            #expect(everLed.withLock { $0.count } == 2, "terms of leadership: \(everLed.withLock { $0 })")
            print("leadership: candidate \(first)'s session ended; candidate \(everLed.withLock { $0[1] }) leads after \(ContinuousClock.now - killed)")
            try await Task.sleep(for: .seconds(2))
            #expect(leading.withLock { $0.count } == 1)
            #expect(everLed.withLock { $0.count } == 2)
            for candidate in candidates { candidate.cancel() }
            try await waitUntil("every candidate to stop", within: .seconds(10)) { leading.withLock { $0.isEmpty } }
        }
    }

    @Test("a leader whose job ends gives the lock up, and the next candidate leads")
    func aFinishedJobHandsTheLeadOn() async throws {
        try await withPostgresDatabase { url in
            let target = try PostgresStoreTarget(url: url)
            let ran = Shared<[Int]>([])
            let leading = Shared(0)
            let overlapped = Shared(false)
            let candidates = (1...2).map { number in
                Task {
                    await PostgresLeadership(role: "poller", target: target, retry: .milliseconds(200)).run {
                        leading.withLock { count in
                            count += 1
                            if count > 1 { overlapped.withLock { $0 = true } }
                        }
                        try? await Task.sleep(for: .milliseconds(300))
                        ran.withLock { $0.append(number) }
                        leading.withLock { $0 -= 1 }
                    }
                }
            }
            defer { for candidate in candidates { candidate.cancel() } }
            try await waitUntil("both jobs to have run", within: .seconds(60)) { ran.withLock { $0.count } == 2 }
            for candidate in candidates { await candidate.value }
            // Each ran its job once, one after the other, never both at once.
            #expect(ran.withLock { $0.sorted() } == [1, 2])
            #expect(!overlapped.withLock { $0 })
        }
    }
}

/// A value several tasks share behind a lock.
private final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}
