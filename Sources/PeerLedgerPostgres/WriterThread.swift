import Dispatch
import Foundation
import NIOCore
import PostgresNIO
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

    /// Hands `job` to the thread without waiting for it.
    func submit(_ job: @escaping @Sendable () -> Void) { hand(job) }

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

/// Waits on the writer thread for the writer connection's answers. A wait ends with the answer;
/// or as soon as the connection has closed, since a server that dies mid-transaction can leave a
/// query's future pending after postgres-nio has closed its channel (seen when the primary is
/// killed under load); or after `limit`, when the connection is closed so that no later append
/// uses it in an unknown state. Either way the append fails with a message, never hangs.
final class AnswerWait: Sendable {
    private let connection: PostgresConnection
    private let limit: Duration
    /// Whether the connection has closed, and the semaphore of the wait in progress.
    private let state = Mutex<(closed: Bool, waiting: DispatchSemaphore?)>((false, nil))

    init(connection: PostgresConnection, limit: Duration) {
        self.connection = connection
        self.limit = limit
        connection.closeFuture.whenComplete { [weak self] _ in
            self?.state.withLock { state in
                state.closed = true
                state.waiting?.signal()
            }
        }
    }

    func answer<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        future.whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        let closedAlready = state.withLock { state in
            state.waiting = done
            return state.closed
        }
        defer { state.withLock { $0.waiting = nil } }
        // A closed connection fails a new query at once; give that answer a moment to arrive.
        let seconds = closedAlready ? 0.1 : Double(limit.components.seconds)
        let timedOut = done.wait(timeout: .now() + seconds) == .timedOut
        if let result = outcome.withLock({ $0 }) { return try result.get() }
        if state.withLock({ $0.closed }) {
            throw PostgresStoreError(message: "the connection to PostgreSQL closed before the server answered")
        }
        if timedOut { _ = connection.close() as EventLoopFuture<Void> }
        throw PostgresStoreError(
            message: "PostgreSQL did not answer within \(limit.components.seconds) s; the writer's connection is closed")
    }
}
