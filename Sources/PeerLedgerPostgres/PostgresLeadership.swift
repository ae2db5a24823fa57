import Foundation
import Logging
import NIOCore
import NIOPosix
public import PostgresNIO
import Synchronization

/// One node at a time runs a job that must not run twice side by side (the outbox worker, the
/// router poller): the node holding PostgreSQL's session-level advisory lock for the job's role.
///
/// Each node is a candidate on a connection of its own: it asks for the lock
/// (`pg_try_advisory_lock`, keyed by `hashtextextended('peerledger:' || role, 0)`) every
/// `retry`, and the one that gets it runs the job until the job ends, the caller cancels, or the
/// connection is lost. A session's advisory locks end with the session, so when the leading node
/// dies, or its connection does, PostgreSQL frees the lock at once and the next candidate to ask
/// takes it, within `retry` of the server noticing. A server notices a killed process's closed
/// socket at once; a node cut off by the network only when TCP keepalives give up
/// (docs/postgres.md, "Several nodes").
///
/// The leader watches its connection: it stops the job as soon as the connection closes, and
/// when a `SELECT TRUE` sent every `retry` is not answered within `answerLimit` (the connection
/// is then closed). The limit is longer than `retry`: a server slow for a moment under load is
/// not a lost leader, and a leader that gave its lead up for every slow answer would hand the job
/// from node to node. Leadership is a matter of efficiency, not of correctness: the jobs claim
/// their work in the database (a message's claim, a poll's record), so even two leaders for a
/// moment would not do a piece of work twice.
public struct PostgresLeadership: Sendable {
    /// What is led, e.g. `outbox` or `router-poller`: one lock per role.
    public let role: String
    public let retry: Duration
    /// How long a question to the server may go unanswered before the connection counts as lost.
    public let answerLimit: Duration
    private let target: PostgresStoreTarget
    private let logger: Logger

    /// Why a leader stopped leading before its job ended.
    struct Lost: Error, CustomStringConvertible {
        let description: String
    }

    public init(
        role: String, target: PostgresStoreTarget, retry: Duration = .seconds(1),
        answerLimit: Duration = .seconds(5), logger: Logger? = nil
    ) {
        self.role = role
        self.target = target
        self.retry = retry
        self.answerLimit = answerLimit
        self.logger = logger ?? Logger(label: "peerledger.leadership")
    }

    /// Campaigns for the role until the caller is cancelled or `job` returns; runs `job` each
    /// time this node becomes leader, cancelling it when leadership is lost (and campaigning
    /// again). `changed` hears `true` when this node starts leading and `false` when it stops.
    /// A job that throws gives up the lead and is run again at the next win.
    public func run(
        changed: @escaping @Sendable (Bool) -> Void = { _ in },
        _ job: @escaping @Sendable () async throws -> Void
    ) async {
        // Named in `pg_stat_activity`, so an operator (or a test) sees which process leads what.
        var target = self.target
        target.configuration.options.additionalStartupParameters.append(
            ("application_name", "peerledger \(role) pid \(ProcessInfo.processInfo.processIdentifier)"))
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await target.connect(id: 4, logger: logger).connection
            } catch {
                logger.warning("leadership of \(role): cannot connect to PostgreSQL: \(error)")
                try? await Task.sleep(for: retry)
                continue
            }
            let finished = await campaign(on: connection, changed: changed, job)
            try? await connection.close()
            if finished { return }
        }
    }

    /// Asks for the lock every `retry` and leads once it has it. True when the job ended (or the
    /// caller cancelled), false when the connection was lost and a new one is needed.
    private func campaign(
        on connection: PostgresConnection, changed: @escaping @Sendable (Bool) -> Void,
        _ job: @escaping @Sendable () async throws -> Void
    ) async -> Bool {
        let closed = Closed(connection)
        while !Task.isCancelled {
            let won: Bool
            do {
                won = try await ask(connection, closed, "SELECT pg_try_advisory_lock(hashtextextended('peerledger:' || \(role), 0))")
            } catch {
                logger.warning("leadership of \(role): \(PostgresStoreError.readable(error))")
                return false
            }
            guard won else {
                do { try await Task.sleep(for: retry) } catch { return true }
                continue
            }
            logger.info("leading \(role)")
            changed(true)
            let outcome = await lead(on: connection, closed, job)
            changed(false)
            switch outcome {
            case .jobEnded:
                _ = try? await ask(connection, closed, "SELECT pg_advisory_unlock(hashtextextended('peerledger:' || \(role), 0))")
                return true
            case .cancelled:
                return true
            case .jobFailed(let error):
                logger.warning("leading \(role): the job failed: \(error); giving up the lead")
                _ = try? await ask(connection, closed, "SELECT pg_advisory_unlock(hashtextextended('peerledger:' || \(role), 0))")
                do { try await Task.sleep(for: retry) } catch { return true }
            case .lost(let why):
                logger.warning("no longer leading \(role): \(why)")
                return false
            }
        }
        return true
    }

    private enum Outcome: Sendable {
        case jobEnded, cancelled, jobFailed(String), lost(String)
    }

    /// Runs `job` beside a watch of the connection; whichever ends first ends the other.
    private func lead(
        on connection: PostgresConnection, _ closed: Closed, _ job: @escaping @Sendable () async throws -> Void
    ) async -> Outcome {
        await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    try await job()
                    return Task.isCancelled ? .cancelled : .jobEnded
                } catch {
                    return Task.isCancelled ? .cancelled : .jobFailed("\(error)")
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    if closed.now { return .lost("the connection to PostgreSQL closed") }
                    do {
                        _ = try await ask(connection, closed, "SELECT TRUE")
                    } catch is CancellationError {
                        return .cancelled
                    } catch {
                        return .lost("\(PostgresStoreError.readable(error))")
                    }
                    await closed.wait(upTo: retry)
                }
                return .cancelled
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
    }

    /// One boolean answer to `query`; an error as soon as the connection has closed, or when no
    /// answer came within `answerLimit` (the connection is then closed, so the server ends the
    /// session and frees its locks), or when the caller is cancelled. The query runs in a task of
    /// its own that this does not wait for: postgres-nio can leave a query pending after its
    /// channel has closed (seen when a leader's session is ended under load), and a leader waiting
    /// for that query would never hear that it had lost its lead.
    private func ask(_ connection: PostgresConnection, _ closed: Closed, _ query: PostgresQuery) async throws -> Bool {
        let answer = FirstAnswer()
        let logger = self.logger
        let asking = Task {
            do {
                for try await value in try await connection.query(query, logger: logger).decode(Bool.self) {
                    answer.give(.success(value))
                    return
                }
                answer.give(.failure(Lost(description: "PostgreSQL answered no row")))
            } catch {
                answer.give(.failure(error))
            }
        }
        let limit = answerLimit
        let watching = Task {
            await closed.wait(upTo: limit)
            guard !Task.isCancelled else { return }
            answer.give(.failure(closed.now ? Lost(description: "the connection to PostgreSQL closed") : Unanswered()))
        }
        defer {
            watching.cancel()
            asking.cancel()
        }
        do {
            return try await withTaskCancellationHandler {
                try await answer.value()
            } onCancel: {
                answer.give(.failure(CancellationError()))
            }
        } catch is Unanswered {
            try? await connection.close()
            throw Lost(description: "PostgreSQL did not answer within \(limit)")
        }
    }

    /// No answer within `answerLimit`.
    private struct Unanswered: Error {}
}

/// The first of several outcomes given to it, for the one caller waiting on it.
private final class FirstAnswer: Sendable {
    private struct State {
        var result: Result<Bool, any Error>?
        var waiting: CheckedContinuation<Bool, any Error>?
    }

    private let state = Mutex(State())

    /// Keeps `result` unless one came before, and hands it to the caller waiting, if any.
    func give(_ result: Result<Bool, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<Bool, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume(with: result)
    }

    /// The first outcome given, once there is one.
    func value() async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let given = state.withLock { state -> Result<Bool, any Error>? in
                if let result = state.result { return result }
                state.waiting = continuation
                return nil
            }
            if let given { continuation.resume(with: given) }
        }
    }
}

/// Whether a connection has closed (its close future completed), and a wait that ends early when
/// it does: in slices of 50 ms, so that a dead connection stops the job within that time.
private final class Closed: Sendable {
    private let closed = Atomic(false)

    init(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { [self] _ in closed.store(true, ordering: .releasing) }
    }

    var now: Bool { closed.load(ordering: .acquiring) }

    /// Returns after `limit`, as soon as the connection has closed, or when cancelled.
    func wait(upTo limit: Duration) async {
        let end = ContinuousClock.now + limit
        while !now, ContinuousClock.now < end {
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
        }
    }
}
