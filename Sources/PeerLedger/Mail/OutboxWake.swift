import Synchronization
import PeerLedgerDomain

/// Wakes the outbox worker as soon as a command has queued mail, instead of leaving a request
/// to wait for the worker's next pass (30 s by default). A signal given while no worker waits
/// is kept for the next wait, so a request queued during a pass is not missed either.
public final class OutboxWake: Sendable {
    private struct State {
        /// A signal no waiter has taken yet.
        var pending = false
        var nextID: UInt64 = 0
        /// Waits that have begun and not ended.
        var active: Set<UInt64> = []
        /// Waits suspended on their continuation.
        var suspended: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits ended (by their timer or a cancellation) before they had suspended.
        var endedEarly: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// True when a signal is kept for the next wait.
    var hasPendingSignal: Bool { state.withLock { $0.pending } }

    /// Wakes every waiting worker, or the next one to wait.
    public func signal() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let woken = Array(state.suspended.values)
            state.suspended.removeAll()
            // A wait that has begun but not yet suspended, or none at all: keep the signal.
            if woken.isEmpty || state.active.count > woken.count { state.pending = true }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns at the first signal since the last wait, after `timeout`, or when the task is
    /// cancelled, whichever comes first.
    public func wait(atMost timeout: Duration) async {
        let id = state.withLock { state -> UInt64? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID += 1
            state.active.insert(state.nextID)
            return state.nextID
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.signalled(id) }
            await group.next()
            group.cancelAll()
        }
        state.withLock { state in
            state.active.remove(id)
            state.endedEarly.remove(id)
        }
    }

    /// Suspends wait `id` until a signal, or until its task is cancelled (its timer ran out).
    private func signalled(_ id: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.endedEarly.contains(id) { return true }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.suspended[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let continuation = state.suspended.removeValue(forKey: id) { return continuation }
                state.endedEarly.insert(id)
                return nil
            }
            continuation?.resume()
        }
    }
}
