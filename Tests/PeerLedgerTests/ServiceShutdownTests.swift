import Foundation
import GRDB
import Logging
import PeerLedgerHTTP
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain
@testable import PeerLedgerMail

/// A transport whose delivery is still in progress when the graceful shutdown comes: it accepts
/// the message only once the shutdown has reached the task delivering it (within a minute), and
/// gives up at once if that task is cancelled instead, as a real SMTP conversation would.
final class ShutdownSpanningTransport: MailTransport {
    private struct State {
        var sending = false
        var acceptedAfterShutdown = false
    }

    private let state = Mutex(State())

    func deliver(_ mail: OutgoingMail) async throws -> String {
        state.withLock { $0.sending = true }
        let deadline = ContinuousClock.now + .seconds(60)
        while !Task.isShuttingDownGracefully {
            guard ContinuousClock.now < deadline else {
                throw MailDeliveryError(reply: "no graceful shutdown within a minute", permanent: true)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        state.withLock { $0.acceptedAfterShutdown = true }
        return "250 2.0.0 Ok: queued as SPANNING"
    }

    /// True once a delivery has begun, or false after `limit`.
    func sending(within limit: Duration) async -> Bool {
        await eventually(within: limit) { state.withLock { $0.sending } }
    }

    var acceptedAfterShutdown: Bool { state.withLock { $0.acceptedAfterShutdown } }
}

/// The time limit a test put on a wait ran out.
struct TimeLimitExceeded: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "not done within \(limit)" }
}

/// `operation`'s result, or `TimeLimitExceeded` (with `operation` cancelled) after `limit`.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeLimitExceeded(limit: limit) }
        return value
    }
}

/// True as soon as `condition` holds, checked every 10 ms; false if it still does not after `limit`.
func eventually(within limit: Duration, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}

/// Runs `services` in one `ServiceGroup` under a graceful-shutdown trigger, as `serve` does
/// (without its signal handlers): once `ready` returns, the group is shut down gracefully and
/// must stop within `limit`. Returns how long it took to stop.
func shutDownGracefully(
    _ services: [any Service], within limit: Duration, once ready: () async throws -> Void
) async throws -> Duration {
    try await testGracefulShutdown { trigger in
        let group = ServiceGroup(services: services, logger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            // Whatever ends this scope first (`ready` failing, the time limit), the group is
            // cancelled on the way out rather than left running.
            defer { tasks.cancelAll() }
            try await ready()
            let triggered = ContinuousClock.now
            trigger.triggerGracefulShutdown()
            tasks.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            guard try await tasks.next() == true else { throw TimeLimitExceeded(limit: limit) }
            return ContinuousClock.now - triggered
        }
    }
}

@Suite("serve's services shut down gracefully", .timeLimit(.minutes(2)))
struct ServiceShutdownTests {
    @Test("a graceful shutdown stops the server and the outbox worker within 30 s, and the delivery in progress is recorded")
    func serverAndOutboxWorker() async throws {
        let t = try TestLedger(requests: seedSettings)
        #expect(try await t.call(seedRequest).succeeded)
        let transport = ShutdownSpanningTransport()
        // An hour between passes: the first pass, which finds the request queued, is the only one.
        let worker = OutboxWorker(ledger: t.ledger, transport: transport, interval: .seconds(3600))
        let (ports, reportPort) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(ledger: t.ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { port in
            reportPort.yield(port)
        }
        let took = try await shutDownGracefully([worker, app], within: .seconds(30)) {
            let port = try await withTimeLimit(.seconds(60)) { await ports.first { _ in true } }
            #expect(port.map { $0 > 0 } == true)
            #expect(await transport.sending(within: .seconds(60)))
            // The pass is in progress: the message is claimed and not yet settled.
            #expect(try t.outboxRows().map { $0["state"] as String } == ["pending"])
        }
        #expect(took < .seconds(30))
        #expect(transport.acceptedAfterShutdown)
        #expect(try t.outboxRows().map { $0["state"] as String } == ["delivered"])
        #expect(try t.events().map(\.type) == ["PeeringRequestSent", "PeeringRequestDelivered"])
    }
}

extension ServiceShutdownTests {
    /// How long an idle service (its next pass an hour away) may take to stop: it stops at once,
    /// and the limit proves it does not wait for that pass, with room for a test process whose
    /// threads are taken by hundreds of tests at once (the same limit as the server's above).
    static let idleStopLimit: Duration = .seconds(30)

    @Test("the outbox worker, waiting an hour for its next pass, stops within 30 s of a graceful shutdown")
    func idleOutboxWorker() async throws {
        let t = try TestLedger(requests: seedSettings)
        #expect(try await t.call(seedRequest).succeeded)
        let transport = AnnouncingTransport()
        let worker = OutboxWorker(ledger: t.ledger, transport: transport, interval: .seconds(3600))
        let took = try await shutDownGracefully([worker], within: Self.idleStopLimit) {
            // Its first pass has sent the queued request: it now waits for the next one.
            let delivered = try await transport.deliveries(1, within: 60)
            #expect(delivered == [["nalinmk@gmail.com"]])
        }
        #expect(took < Self.idleStopLimit)
        #expect(try t.events().map(\.type) == ["PeeringRequestSent", "PeeringRequestDelivered"])
    }

    @Test("the snapshot keeper, after its backfill, stops within 30 s of a graceful shutdown")
    func idleSnapshotKeeper() async throws {
        let t = try TestLedger(path: temporaryDatabasePath(), snapshotInterval: 2)
        try await t.call(amazon)
        try await t.call(akamai)
        let keeper = SnapshotKeeping(ledger: t.ledger, every: .seconds(3600), logger: Logger(label: "test"))
        let took = try await shutDownGracefully([keeper], within: Self.idleStopLimit) {
            #expect(await eventually(within: .seconds(60)) { t.ledger.snapshots?.positions() == [2] })
        }
        #expect(took < Self.idleStopLimit)
        #expect(t.ledger.snapshots?.positions() == [2])
    }

    @Test("the router poller, an hour from its next poll, stops within 30 s of a graceful shutdown")
    func idleRouterPoller() async throws {
        let t = try TestLedger()
        try registerAR1(t.ledger)
        try await t.call(akamaiOneWordGroup)
        let router = FakeRouter()
        router.report([
            ObservedNeighbor(address: "206.126.236.102", remoteASN: 20940, state: .established, prefixesReceived: 12, lastError: nil)
        ])
        let polling = RouterPolling(
            poller: RouterPoller(ledger: t.ledger, connector: router), every: .seconds(3600), logger: Logger(label: "test"))
        let observed = { try t.events().filter { $0.type == "SessionStateObserved" }.count }
        let took = try await shutDownGracefully([polling], within: Self.idleStopLimit) {
            // Its first poll has recorded the neighbor's state: it now waits for the next one.
            let polled = try await eventually(within: .seconds(60)) { try observed() == 1 }
            #expect(polled)
        }
        #expect(took < Self.idleStopLimit)
        #expect(try observed() == 1)
    }
}
