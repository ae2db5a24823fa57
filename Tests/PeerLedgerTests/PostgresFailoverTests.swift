import Foundation
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerPostgres

/// Failover to a synchronous standby: a primary and a standby, both real clusters, the primary
/// killed under concurrent writers and the standby promoted. Every write a writer was told had
/// committed must be on the standby, where the log verifies and takes new writes.
@Suite("PostgreSQL failover", .enabled(if: postgresAvailable, postgresNeeded), .serialized)
struct PostgresFailoverTests {
    /// One acknowledged append: where the primary said it went.
    struct Acknowledged: Sendable, Equatable {
        let stream: String
        let version: Int64
        let position: Int64
        let hash: String
    }

    /// What the writers report: their acknowledged appends, and how each one ended.
    final class Progress: Sendable {
        let acknowledged = Mutex<[Acknowledged]>([])
        let finished = Mutex<[String]>([])
    }

    @Test("a primary killed under 4 writers loses no acknowledged write on its promoted synchronous standby")
    func killedPrimaryLosesNoAcknowledgedWrite() async throws {
        try await withPostgresCluster { primary in
            let standby = try await primary.startStandby(named: "standby1")
            do {
                try await Self.failOver(from: primary, to: standby)
                await standby.stop()
            } catch {
                await standby.stop()
                throw error
            }
        }
    }

    @Test("a store given both servers with target_session_attrs=read-write writes to the promoted standby without being pointed at it")
    func hostListFindsThePromotedStandby() async throws {
        try await withPostgresCluster { primary in
            let standby = try await primary.startStandby(named: "standby1")
            do {
                try await primary.requireSynchronousStandby(named: "standby1")
                // The standby first: a connection passes it over while it takes no writes.
                let url = "postgres://postgres@127.0.0.1:\(standby.port),127.0.0.1:\(primary.port)/ledger?sslmode=disable&target_session_attrs=read-write"
                let store = try await PostgresEventStore.connect(url: url)
                do {
                    let first = try await EventStoreConformanceTests.append(
                        store, EventStoreConformanceTests.added(1), to: "session-1", expecting: .noStream)
                    #expect(first.position == 1)

                    try await primary.crash()
                    // With the primary gone and the standby not yet promoted, no server takes the
                    // write, and the refusal names both and why.
                    var refusal = ""
                    try await waitUntil("an append refused for want of a server that takes writes", within: .seconds(30)) {
                        do {
                            _ = try await EventStoreConformanceTests.append(
                                store, EventStoreConformanceTests.added(2), to: "session-2", expecting: .noStream)
                            refusal = "accepted"
                            return true
                        } catch {
                            refusal = "\(error)"
                            return refusal.contains("no server that takes writes")
                        }
                    }
                    #expect(refusal.contains("127.0.0.1:\(standby.port): takes no writes"), "\(refusal)")
                    #expect(refusal.contains("127.0.0.1:\(primary.port): "), "\(refusal)")

                    try await standby.promote()
                    // The same store, not reconnected by the test: its next write finds the new primary.
                    let second = try await EventStoreConformanceTests.append(
                        store, EventStoreConformanceTests.added(2), to: "session-2", expecting: .noStream)
                    #expect(second.position == 2)
                    #expect(second.prevHash == first.hash)
                    #expect(try await store.head() == LogHead(position: 2, hash: second.hash))
                    await store.close()
                } catch {
                    await store.close()
                    throw error
                }
                await standby.stop()
            } catch {
                await standby.stop()
                throw error
            }
        }
    }

    static func failOver(from primary: PostgresCluster, to standby: PostgresCluster) async throws {
        try await primary.requireSynchronousStandby(named: "standby1")
        // The schema is applied on the primary (and so streamed) before the writers start.
        let stores = try await (0..<4).asyncMap { _ in try await PostgresEventStore.connect(url: primary.url) }

        let progress = Progress()
        // Unstructured, so a writer stuck on a dead connection fails the wait below instead of
        // hanging the test.
        for (writer, store) in stores.enumerated() {
            Task {
                let stream = "session-\(writer + 1)"
                var version: Int64 = 0
                var ending = "the deadline"
                let deadline = ContinuousClock.now + .seconds(120)
                while ContinuousClock.now < deadline {
                    let event = version == 0
                        ? EventStoreConformanceTests.added(Int64(writer + 1))
                        : EventStoreConformanceTests.noted(Int64(writer + 1), "write \(version)")
                    do {
                        let recorded = try await EventStoreConformanceTests.append(
                            store, event, to: stream, expecting: version == 0 ? .noStream : .exactly(version))
                        version = recorded.streamVersion
                        let ack = Acknowledged(
                            stream: stream, version: recorded.streamVersion, position: recorded.position, hash: recorded.hash)
                        progress.acknowledged.withLock { $0.append(ack) }
                    } catch {
                        ending = "\(error)"
                        break
                    }
                }
                progress.finished.withLock { $0.append("writer \(writer + 1): \(ending)") }
            }
        }

        try await waitUntil("200 acknowledged writes on the primary", within: .seconds(90)) {
            progress.acknowledged.withLock { $0.count } >= 200
        }
        try await primary.crash()
        try await waitUntil("every writer to see the primary gone", within: .seconds(30)) {
            progress.finished.withLock { $0.count } == stores.count
        }
        for store in stores { await store.close() }
        let kept = progress.acknowledged.withLock { $0 }
        print("failover: \(kept.count) writes acknowledged before the kill; \(progress.finished.withLock { $0 }.joined(separator: "; "))")

        try await standby.promote()
        let promoted = try await PostgresEventStore.connect(url: standby.url)
        do {
            let head = try await promoted.head()
            let log = try await promoted.events(after: 0, limit: Int(head.position) + 1)
            // Gap-free from 1, and holding every acknowledged write where the primary put it.
            #expect(log.map(\.position) == Array(stride(from: 1, through: head.position, by: 1)))
            let byPosition = Dictionary(uniqueKeysWithValues: log.map { ($0.position, $0) })
            let missing = kept.filter { ack in
                guard let event = byPosition[ack.position] else { return true }
                return event.stream != ack.stream || event.streamVersion != ack.version || event.hash != ack.hash
            }
            #expect(missing.isEmpty, "acknowledged but not on the standby: \(missing.prefix(5))")
            #expect(kept.count >= 200)
            let report = try await promoted.verify()
            #expect(report.isValid, "verify on the promoted standby: \(report)")
            // The promoted standby is the primary now: the log goes on from its head.
            let next = try await EventStoreConformanceTests.append(
                promoted, EventStoreConformanceTests.added(99), to: "session-99", expecting: .noStream)
            #expect(next.position == head.position + 1)
            #expect(next.prevHash == head.hash)
            await promoted.close()
        } catch {
            await promoted.close()
            throw error
        }
    }
}

extension Sequence where Element: Sendable {
    /// `map` with an async transform, one element at a time.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
