import Foundation
import Logging
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerRouters

/// `RouterPolling` tells its observer (the metrics) each router's outcome after every poll.
@Suite("Router polls report their outcomes")
struct RouterPollingObserverTests {
    @Test("a poll that reads the router reports ok; one the router fails reports failed")
    func outcomesObserved() async throws {
        let t = try TestLedger()
        try registerAR1(t.ledger)
        try await t.call(akamaiOneWordGroup)
        let router = FakeRouter()
        router.report([
            ObservedNeighbor(address: "206.126.236.102", remoteASN: 20940, state: .established, prefixesReceived: 12, lastError: nil)
        ])
        let heard = Mutex<[String]>([])
        let polling = RouterPolling(
            poller: RouterPoller(ledger: t.ledger, connector: router), every: .seconds(3600), logger: Logger(label: "test"),
            observe: { name, outcome in heard.withLock { $0.append("\(name) \(outcome)") } })
        await polling.pollOnce()
        router.fail(with: .unreachable("no route to host"))
        await polling.pollOnce()
        let outcomes: [String] = heard.withLock { $0 }
        #expect(outcomes == ["ar1.inoc.com ok", "ar1.inoc.com failed"])
    }
}
