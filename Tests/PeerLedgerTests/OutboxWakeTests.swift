import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerMail
import PeerLedgerTestSupport

/// A transport that records each delivery's recipients, and lets a test wait for them.
final class AnnouncingTransport: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var delivered: [[String]] = []

    func deliver(_ mail: OutgoingMail) async throws -> String {
        lock.withLock { delivered.append(mail.recipients) }
        return "250 2.0.0 Ok: queued as TEST"
    }

    /// The recipients of the deliveries once there are `count` of them; after `seconds` the wait
    /// fails (a bound, so a test that would otherwise wait for an hour-long pass fails instead
    /// of hanging).
    func deliveries(_ count: Int, within seconds: Int) async throws -> [[String]] {
        try await waitUntil("\(count) deliveries", within: .seconds(seconds), every: .milliseconds(10)) {
            lock.withLock { delivered.count } >= count
        }
        return lock.withLock { delivered }
    }
}

@Suite("The outbox worker is woken by the commit that queues mail")
struct OutboxWakeTests {
    @Test("with an hour between passes, a request sent while the worker waits is delivered without waiting for the next pass")
    func wokenByRequest() async throws {
        let t = try TestLedger(requests: seedSettings)
        let transport = AnnouncingTransport()
        let worker = OutboxWorker(ledger: t.ledger, transport: transport)
        // The first request is there when the worker starts: its first pass sends it, then it
        // waits an hour for the next pass.
        #expect(try await t.call(seedRequest).succeeded)
        let running = Task { await worker.run(every: .seconds(3600)) }
        defer { running.cancel() }
        #expect(try await transport.deliveries(1, within: 60) == [["nalinmk@gmail.com"]])
        // The second goes at once: the commit that queued it woke the worker.
        let second = seedRequest.replacingOccurrences(of: "email_to=nalinmk%40gmail.com", with: "email_to=peering%40amazon.com") + "&force=1"
        #expect(try await t.call(second).succeeded)
        #expect(try await transport.deliveries(2, within: 60) == [["nalinmk@gmail.com"], ["peering@amazon.com"]])
        #expect(try t.events().map(\.type) == [
            "PeeringRequestSent", "PeeringRequestDelivered", "PeeringRequestSent", "PeeringRequestDelivered",
        ])
    }

    @Test("a refused request and a read wake nothing: only a committed request signals")
    func onlyCommittedRequestsSignal() async throws {
        let t = try TestLedger(requests: seedSettings)
        #expect(try await t.call("action=getRequests").succeeded)
        #expect(try await !t.call(seedRequest.replacingOccurrences(of: "peer_asn=16509", with: "peer_asn=16510")).succeeded)
        #expect(!t.ledger.outboxWake.hasPendingSignal)
        #expect(try await t.call(seedRequest).succeeded)
        #expect(t.ledger.outboxWake.hasPendingSignal)
        // A signal given while no worker waited is kept for the next wait, which takes it.
        await t.ledger.outboxWake.wait(atMost: .seconds(60))
        #expect(!t.ledger.outboxWake.hasPendingSignal)
    }

    @Test("a cancelled wait leaves no waiter behind: a later signal is kept for the next wait")
    func cancelledWait() async {
        let wake = OutboxWake()
        // Bounded by its own minute should the cancellation not reach it.
        let waiting = Task { await wake.wait(atMost: .seconds(60)) }
        waiting.cancel()
        await waiting.value
        #expect(!wake.hasPendingSignal)
        wake.signal()
        #expect(wake.hasPendingSignal)
    }
}
