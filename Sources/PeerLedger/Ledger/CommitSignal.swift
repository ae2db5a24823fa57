import Synchronization

/// Tells whoever follows the log that a write has committed, so a live reader (the event stream)
/// reads what was appended as soon as it is durable, instead of polling the log.
///
/// A signal carries no data: it advances a generation number. A follower notes the generation,
/// reads the log after its last position, and when that read found nothing waits for a generation
/// past the one it noted. A commit that lands between the note and the wait has already advanced
/// the generation, so the wait returns at once: no commit is missed, and a follower never reads
/// the log unless something committed (or its own timeout ran out).
public final class CommitSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        /// Waits suspended on their continuation, and the generation each waits past.
        var suspended: [UInt64: (past: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        /// Waits ended (by their timer or a cancellation) before they had suspended.
        var endedEarly: Set<UInt64> = []
    }

    private let state = Mutex(State())
    /// Called after every signal with the duration of the write that gave it (metrics).
    private let writeObservers = Mutex<[@Sendable (Duration) -> Void]>([])

    public init() {}

    /// How many writes have committed since the ledger was opened (by this process).
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Advances the generation and wakes every waiter. Called by the ledger after a write's commit
    /// returned (durable and visible to every new read).
    public func signal() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            let woken = state.suspended.values.map { $0.continuation }
            state.suspended.removeAll()
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the generation is past `generation`, after `timeout`, or when the task is
    /// cancelled, whichever comes first; returns the generation then.
    @discardableResult
    public func wait(past generation: UInt64, atMost timeout: Duration) async -> UInt64 {
        let id = state.withLock { state -> UInt64? in
            guard state.generation == generation else { return nil }
            state.nextID &+= 1
            return state.nextID
        }
        if let id {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: timeout) }
                group.addTask { await self.suspend(id, past: generation) }
                await group.next()
                group.cancelAll()
            }
            state.withLock { _ = $0.endedEarly.remove(id) }
        }
        return self.generation
    }

    private func suspend(_ id: UInt64, past generation: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.endedEarly.contains(id) || state.generation != generation { return true }
                    state.suspended[id] = (generation, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiting = state.suspended.removeValue(forKey: id) { return waiting.continuation }
                state.endedEarly.insert(id)
                return nil
            }
            continuation?.resume()
        }
    }

    /// Adds `observer`, told the duration of every write `Ledger.write` ran (committed or not).
    public func observeWrites(_ observer: @escaping @Sendable (Duration) -> Void) {
        writeObservers.withLock { $0.append(observer) }
    }

    func wrote(in duration: Duration) {
        let observers = writeObservers.withLock { $0 }
        for observer in observers { observer(duration) }
    }
}
