import Synchronization

/// The log of record's head, asked for by every read of a following ledger, shared between the
/// reads that wait at the same time: each caller gets the answer of a request sent after it
/// arrived (so a write any node acknowledged before the call is seen), and every caller waiting
/// when a request is sent shares it. One request in flight at a time: under load a node asks
/// once per round trip, not once per read.
final class HeadCheck: Sendable {
    private struct State {
        var asking = false
        var waiting: [CheckedContinuation<LogHead, any Error>] = []
    }

    private let state = Mutex(State())
    private let ask: @Sendable () async throws -> LogHead

    init(_ ask: @escaping @Sendable () async throws -> LogHead) {
        self.ask = ask
    }

    /// The head, from a request sent after this call began.
    func head() async throws -> LogHead {
        try await withCheckedThrowingContinuation { continuation in
            let first = state.withLock { state in
                state.waiting.append(continuation)
                let first = !state.asking
                state.asking = true
                return first
            }
            if first { Task { await self.askForEveryoneWaiting() } }
        }
    }

    /// Asks for those waiting, then for those who came while it asked, until no one waits.
    private func askForEveryoneWaiting() async {
        while true {
            let callers = state.withLock { state in
                let callers = state.waiting
                state.waiting = []
                if callers.isEmpty { state.asking = false }
                return callers
            }
            guard !callers.isEmpty else { return }
            let answer: Result<LogHead, any Error>
            do {
                answer = .success(try await ask())
            } catch {
                answer = .failure(error)
            }
            for caller in callers { caller.resume(with: answer) }
        }
    }
}
