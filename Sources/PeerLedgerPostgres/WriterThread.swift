import Dispatch
import Foundation
import Synchronization

/// A thread of its own that runs jobs one at a time, in the order they were handed to it.
///
/// `EventAppender` is synchronous (SQLite's transactions are), so a PostgreSQL append runs its
/// whole transaction here and waits on each postgres-nio call: the waiting blocks this thread
/// only, never one of Swift's cooperative pool (which a blocked thread would starve) nor a NIO
/// event loop (which must stay free to carry the very answer being waited for).
final class WriterThread: Sendable {
    private typealias Job = @Sendable () -> Void

    /// The jobs not yet taken; nil asks the thread to end.
    private let jobs = Mutex<[Job?]>([])
    /// Signalled once per job handed in.
    private let handedIn = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Runs `work` on the thread and hands back what it returned or threw.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            hand { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Ends the thread once the jobs handed in before have run.
    func stop() { hand(nil) }

    private func hand(_ job: Job?) {
        jobs.withLock { $0.append(job) }
        handedIn.signal()
    }

    private func loop() {
        while true {
            handedIn.wait()
            guard let job = jobs.withLock({ $0.removeFirst() }) else { return }
            job()
        }
    }
}
