import Foundation
import Testing

@testable import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport

/// `Ledger.commits`: the signal a live reader of the log waits on instead of polling.
@Suite("The commit signal wakes live readers of the log")
struct CommitSignalTests {
    @Test("a wait past the current generation returns at the next signal, long before its timeout, with the new generation")
    func waitEndsAtSignal() async throws {
        let signal = CommitSignal()
        let noted = signal.generation
        let started = ContinuousClock.now
        // A timeout would return the generation unchanged: the new one proves the signal woke it.
        // The timeout is long so that a busy machine running other tests cannot reach it first.
        async let woken = signal.wait(past: noted, atMost: .seconds(600))
        try await Task.sleep(for: .milliseconds(50))
        signal.signal()
        #expect(await woken == noted + 1)
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    @Test("a signal between noting the generation and waiting is not missed: the wait returns at once")
    func signalBeforeWaitIsKept() async {
        let signal = CommitSignal()
        let noted = signal.generation
        signal.signal()
        let started = ContinuousClock.now
        #expect(await signal.wait(past: noted, atMost: .seconds(30)) == noted + 1)
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test("with no signal a wait returns after its timeout, the generation unchanged")
    func waitTimesOut() async {
        let signal = CommitSignal()
        let started = ContinuousClock.now
        #expect(await signal.wait(past: 0, atMost: .milliseconds(100)) == 0)
        #expect(ContinuousClock.now - started >= .milliseconds(100))
    }

    @Test("a cancelled wait returns at once")
    func cancelledWaitReturns() async {
        let signal = CommitSignal()
        // Cancelled or timed out, the wait returns 0: half its (long) timeout tells the two apart,
        // with room for a busy machine running other tests.
        let waiting = Task { await signal.wait(past: 0, atMost: .seconds(600)) }
        let started = ContinuousClock.now
        waiting.cancel()
        #expect(await waiting.value == 0)
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    @Test("every write signals once its commit returned, and its observers hear its duration; a refused write signals nothing")
    func writesSignal() async throws {
        let ledger = try Ledger.inMemory()
        let durations = Durations()
        ledger.commits.observeWrites { durations.add($0) }
        let before = ledger.commits.generation
        let key = try ledger.createAPIKey(name: "signal", scope: .read, metadata: EventMetadata(actor: "cli:test"))
        #expect(ledger.commits.generation == before + 1)
        let head = try ledger.headPosition()
        _ = try await ledger.write(EventMetadata(actor: "test")) { transaction in
            try transaction.append(
                .apiKeyRevoked(APIKeyRevoked(apiKey: key.key.apiKey, name: key.key.name)), to: "apikey-\(key.key.apiKey)",
                expecting: .exactly(1))
        }
        #expect(ledger.commits.generation == before + 2)
        #expect(try ledger.headPosition() == head + 1)
        #expect(durations.count == 1)
        await #expect(throws: (any Error).self) {
            try await ledger.write(EventMetadata(actor: "test")) { _ in throw Refusal("no") }
        }
        #expect(ledger.commits.generation == before + 2)
        #expect(durations.count == 2)
    }
}

/// Write durations an observer heard.
final class Durations: @unchecked Sendable {
    private let lock = NSLock()
    private var heard: [Duration] = []
    func add(_ duration: Duration) { lock.withLock { heard.append(duration) } }
    var count: Int { lock.withLock { heard.count } }
}
