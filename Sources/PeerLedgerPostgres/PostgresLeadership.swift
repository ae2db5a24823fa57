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
        while !Task.isCancelled {
            let won: Bool
            do {
                won = try await ask(connection, "SELECT pg_try_advisory_lock(hashtextextended('peerledger:' || \(role), 0))")
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
            let outcome = await lead(on: connection, job)
            changed(false)
            switch outcome {
            case .jobEnded:
                _ = try? await ask(connection, "SELECT pg_advisory_unlock(hashtextextended('peerledger:' || \(role), 0))")
                return true
            case .cancelled:
                return true
            case .jobFailed(let error):
                logger.warning("leading \(role): the job failed: \(error); giving up the lead")
                _ = try? await ask(connection, "SELECT pg_advisory_unlock(hashtextextended('peerledger:' || \(role), 0))")
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
    private func lead(on connection: PostgresConnection, _ job: @escaping @Sendable () async throws -> Void) async -> Outcome {
        let closed = Closed(connection)
        return await withTaskGroup(of: Outcome.self) { group in
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
                        _ = try await ask(connection, "SELECT TRUE")
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

    /// One boolean answer to `query`, or an error when none came within `answerLimit` (the
    /// connection is then closed, so the server ends the session and frees its locks).
    private func ask(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Bool {
        let limit = answerLimit
        return try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask {
                for try await answer in try await connection.query(query, logger: logger).decode(Bool.self) { return answer }
                throw Lost(description: "PostgreSQL answered no row")
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            guard let answer = first else {
                try? await connection.close()
                throw Lost(description: "PostgreSQL did not answer within \(limit)")
            }
            return answer
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
