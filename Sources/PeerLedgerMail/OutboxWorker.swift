import Foundation
public import Logging
public import PeerLedger
import PeerLedgerDomain
public import ServiceLifecycle

/// How often and how long a failing delivery is retried: attempt n waits `firstDelay` × 2^(n-1),
/// at most `maximumDelay`; after `maximumAttempts` the request is failed for good.
public struct RetryPolicy: Sendable, Equatable {
    public var maximumAttempts: Int
    public var firstDelaySeconds: Int64
    public var maximumDelaySeconds: Int64

    public init(maximumAttempts: Int = 6, firstDelaySeconds: Int64 = 60, maximumDelaySeconds: Int64 = 3600) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.firstDelaySeconds = max(1, firstDelaySeconds)
        self.maximumDelaySeconds = max(self.firstDelaySeconds, maximumDelaySeconds)
    }

    /// The wait after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Int64 {
        Backoff.delay(afterAttempt: attempt, first: firstDelaySeconds, maximum: maximumDelaySeconds)
    }
}

/// Sends what the outbox holds and records what became of it. One pass (`deliverDue`) for
/// `peerledger outbox deliver`; as a `Service` (`run()`) it loops inside `serve` until a graceful
/// shutdown, which lets a pass in progress finish and record every outcome.
///
/// Nothing is sent twice for one request: a row is claimed before it is sent (so a concurrent
/// worker skips it) and the server's acceptance is recorded as `PeeringRequestDelivered` in the
/// very next transaction, which marks the row delivered. The one window left is a crash between
/// the server's acceptance and that commit: the claim then lapses and the same message, with the
/// same Message-ID, goes again, recognisable as a duplicate by the receiver.
public struct OutboxWorker: Service, CustomStringConvertible {
    public let ledger: Ledger
    public let transport: any MailTransport
    public let retry: RetryPolicy
    /// How long a claim holds a row: longer than one delivery can take.
    public let claimSeconds: Int64
    public let batchSize: Int
    /// Time between passes as a service (`run()`) when no command wakes the worker sooner.
    public let interval: Duration
    let logger: Logger

    public init(
        ledger: Ledger, transport: any MailTransport, retry: RetryPolicy = RetryPolicy(), claimSeconds: Int64 = 300,
        batchSize: Int = 20, interval: Duration = .seconds(30), logger: Logger = Logger(label: "peerledger.outbox")
    ) {
        self.ledger = ledger
        self.transport = transport
        self.retry = retry
        self.claimSeconds = claimSeconds
        self.batchSize = batchSize
        self.interval = interval
        self.logger = logger
    }

    /// What one pass did, by request id.
    public struct Pass: Sendable, Equatable {
        public var delivered: [Int64] = []
        public var retrying: [Int64] = []
        public var failed: [Int64] = []
        public var isEmpty: Bool { delivered.isEmpty && retrying.isEmpty && failed.isEmpty }
    }

    /// Delivers every message due now, one after the other, and records each outcome.
    @discardableResult
    public func deliverDue() async throws -> Pass {
        let now = ledger.clock.now()
        let until = now.advanced(bySeconds: claimSeconds)
        let limit = batchSize
        let items = try await ledger.claimDueMail(now: now, until: until, limit: limit)
        var pass = Pass()
        for item in items {
            switch try await deliver(item) {
            case .delivered: pass.delivered.append(item.requestID)
            case .retrying: pass.retrying.append(item.requestID)
            case .failed: pass.failed.append(item.requestID)
            case .alreadySettled: break
            }
        }
        return pass
    }

    /// How the service group's log lines name it: its transport's description is left out,
    /// as nothing says it keeps its credentials out of it.
    public var description: String { "OutboxWorker(every: \(interval))" }

    /// The worker as one of `serve`'s services: `run(every: interval)`.
    public func run() async {
        await run(every: interval)
    }

    /// Passes every `interval`, and at once whenever a command queues mail
    /// (`Ledger.outboxWake`), until a graceful shutdown (after the pass in progress) or a
    /// cancellation; a failing pass is logged, not fatal.
    public func run(every interval: Duration) async {
        let wake = ledger.outboxWake
        await repeatPasses {
            do {
                let pass = try await deliverDue()
                if !pass.isEmpty {
                    logger.info(
                        "outbox pass",
                        metadata: ["delivered": "\(pass.delivered)", "retrying": "\(pass.retrying)", "failed": "\(pass.failed)"])
                }
            } catch {
                logger.error("outbox pass failed", metadata: ["error": "\(error)"])
            }
        } pausing: {
            await wake.wait(atMost: interval)
        }
    }

    enum Outcome { case delivered, retrying, failed, alreadySettled }

    func deliver(_ item: Outbox.Item) async throws -> Outcome {
        let attempt = item.attempts + 1
        let result: Result<String, MailDeliveryError>
        do {
            result = .success(try await transport.deliver(item.mail))
        } catch let error as MailDeliveryError {
            result = .failure(error)
        } catch {
            result = .failure(MailDeliveryError(reply: "\(error)", permanent: false))
        }
        let retry = self.retry
        let outcome: Outcome = try await ledger.write(EventMetadata(actor: "outbox")) { tx in
            let id = item.requestID
            // Another worker settled it meanwhile (its claim had lapsed): record nothing twice.
            guard try tx.mailState(requestID: id) == "pending" else { return .alreadySettled }
            let stream = "request-\(id)"
            let expected = ExpectedVersion.exactly(try tx.version(of: stream) ?? 0)
            switch result {
            case let .success(reply):
                try tx.append(
                    .peeringRequestDelivered(PeeringRequestDelivered(requestID: id, reply: reply, attempt: attempt)),
                    to: stream, expecting: expected)
                try tx.settleMail(requestID: id, state: "delivered", attempts: attempt, reply: reply, nextAttempt: nil)
                return .delivered
            case let .failure(error) where error.permanent || attempt >= retry.maximumAttempts:
                try tx.append(
                    .peeringRequestFailedPermanently(
                        PeeringRequestFailedPermanently(requestID: id, reply: error.reply, attempts: attempt)),
                    to: stream, expecting: expected)
                try tx.settleMail(requestID: id, state: "failed", attempts: attempt, reply: error.reply, nextAttempt: nil)
                return .failed
            case let .failure(error):
                let next = tx.recordedAt.advanced(bySeconds: retry.delay(afterAttempt: attempt))
                try tx.append(
                    .peeringRequestDeliveryFailed(
                        PeeringRequestDeliveryFailed(requestID: id, reply: error.reply, attempt: attempt, nextAttemptAt: next.iso8601)),
                    to: stream, expecting: expected)
                try tx.settleMail(requestID: id, state: "pending", attempts: attempt, reply: error.reply, nextAttempt: next)
                return .retrying
            }
        }
        switch outcome {
        case .delivered: logger.info("request delivered", metadata: ["request_id": "\(item.requestID)", "message_id": "\(item.messageID)"])
        case .retrying: logger.warning("request delivery failed; will retry", metadata: ["request_id": "\(item.requestID)"])
        case .failed: logger.error("request delivery failed for good", metadata: ["request_id": "\(item.requestID)"])
        case .alreadySettled: logger.warning("request already settled by another worker", metadata: ["request_id": "\(item.requestID)"])
        }
        return outcome
    }
}
