import Foundation
public import Logging
public import PeerLedger
public import PeerLedgerDomain
public import ServiceLifecycle

/// How a failing receiver is retried and when it is given up on: attempt n at one event waits
/// `firstDelaySeconds` × 2^(n-1), at most `maximumDelaySeconds`; once every attempt has failed for
/// `disableAfterSeconds` (3 days by default) the subscription is disabled (`WebhookDisabled`).
public struct WebhookRetryPolicy: Sendable, Equatable {
    public var firstDelaySeconds: Int64
    public var maximumDelaySeconds: Int64
    public var disableAfterSeconds: Int64

    public init(firstDelaySeconds: Int64 = 10, maximumDelaySeconds: Int64 = 3600, disableAfterSeconds: Int64 = 3 * 86_400) {
        self.firstDelaySeconds = max(1, firstDelaySeconds)
        self.maximumDelaySeconds = max(self.firstDelaySeconds, maximumDelaySeconds)
        self.disableAfterSeconds = max(1, disableAfterSeconds)
    }

    /// The wait after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int64) -> Int64 {
        Backoff.delay(afterAttempt: Int(clamping: attempt), first: firstDelaySeconds, maximum: maximumDelaySeconds)
    }
}

/// Delivers the log's events to webhook subscriptions, at least once and in order for each: a
/// subscription's next event is claimed (`Ledger.claimDueWebhooks`), POSTed signed in the Standard
/// Webhooks way, and the attempt recorded in the delivery log in the transaction that moves the
/// subscription's cursor. The cursor passes an event only once it was delivered, so a failing
/// receiver holds back the events after it, and a worker that stops between a POST and its record
/// sends the same event again (with the same `webhook-id`) rather than skipping it.
///
/// As a `Service` (`run()`) it passes whenever a command commits (`Ledger.commits`) and at least
/// every `interval`, until a graceful shutdown.
public struct WebhookWorker: Service, CustomStringConvertible {
    public let ledger: Ledger
    public let sender: any WebhookSender
    public let retry: WebhookRetryPolicy
    /// Where the worker reads "now" (the ledger's clock unless a test gives another).
    public let clock: any LedgerClock
    /// How long a claim holds a subscription: longer than one delivery can take.
    public let claimSeconds: Int64
    /// Subscriptions served per pass.
    public let batchSize: Int
    /// Events delivered to one subscription per pass, at most.
    public let eventsPerPass: Int
    public let interval: Duration
    let logger: Logger

    public init(
        ledger: Ledger, sender: any WebhookSender = HTTPWebhookSender(), retry: WebhookRetryPolicy = WebhookRetryPolicy(),
        clock: (any LedgerClock)? = nil, claimSeconds: Int64 = 60, batchSize: Int = 50, eventsPerPass: Int = 100,
        interval: Duration = .seconds(5), logger: Logger = Logger(label: "peerledger.webhooks")
    ) {
        self.ledger = ledger
        self.sender = sender
        self.retry = retry
        self.clock = clock ?? ledger.clock
        self.claimSeconds = claimSeconds
        self.batchSize = max(1, batchSize)
        self.eventsPerPass = max(1, eventsPerPass)
        self.interval = interval
        self.logger = logger
    }

    public var description: String { "WebhookWorker(every: \(interval))" }

    /// What one pass did: the log positions of the events delivered and of the attempts that
    /// failed, and the subscriptions disabled.
    public struct Pass: Sendable, Equatable {
        public var delivered: [Int64] = []
        public var failed: [Int64] = []
        public var disabled: [Int64] = []
        public var isEmpty: Bool { delivered.isEmpty && failed.isEmpty && disabled.isEmpty }
    }

    /// Delivers what is due now: for each due subscription its events in order, until one fails
    /// or `eventsPerPass` were sent. Subscriptions are served side by side, so a slow receiver
    /// holds back only its own events.
    @discardableResult
    public func deliverDue() async throws -> Pass {
        var pass = Pass()
        var rounds = 0
        while rounds < eventsPerPass {
            rounds += 1
            let now = clock.now()
            let jobs = try await ledger.claimDueWebhooks(
                now: now, until: now.advanced(bySeconds: claimSeconds), limit: batchSize, adoptingShared: rounds == 1)
            if jobs.isEmpty { break }
            let outcomes = try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
                for (index, job) in jobs.enumerated() {
                    group.addTask { (index, try await deliver(job)) }
                }
                var outcomes: [Int: Outcome] = [:]
                for try await (index, outcome) in group { outcomes[index] = outcome }
                return outcomes
            }
            var progressed = false
            for (index, job) in jobs.enumerated() {
                switch outcomes[index] {
                case .delivered:
                    pass.delivered.append(job.event.position)
                    progressed = true
                case .failed: pass.failed.append(job.event.position)
                case .disabled:
                    pass.failed.append(job.event.position)
                    pass.disabled.append(job.webhookID)
                case .alreadySettled, nil: break
                }
            }
            if !progressed { break }
        }
        return pass
    }

    /// Passes whenever a command commits, and at least every `interval`, until a graceful
    /// shutdown (after the pass in progress) or a cancellation; a failing pass is logged, not fatal.
    public func run() async {
        let (commits, interval) = (ledger.commits, interval)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Noted before the pass: a commit during it makes the wait below return at once.
            let generation = commits.generation
            do {
                let pass = try await deliverDue()
                if !pass.isEmpty {
                    logger.info(
                        "webhook pass",
                        metadata: ["delivered": "\(pass.delivered.count)", "failed": "\(pass.failed.count)", "disabled": "\(pass.disabled)"])
                }
            } catch {
                logger.error("webhook pass failed", metadata: ["error": "\(error)"])
            }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            await cancelWhenGracefulShutdown { await commits.wait(past: generation, atMost: interval) }
        }
    }

    enum Outcome { case delivered, failed, disabled, alreadySettled }

    /// The request for `job`: the event's JSON, signed with the subscription's secret.
    static func request(_ job: WebhookJob, at now: Timestamp) throws -> WebhookRequest {
        let body = Array(try job.event.apiJSON().utf8)
        let id = WebhookSignature.messageID(webhookID: job.webhookID, position: job.event.position)
        let timestamp = now.millis / 1000
        guard let key = WebhookSignature.key(of: job.secret) else {
            throw WebhookSecretUnreadable(webhookID: job.webhookID)
        }
        let signature = WebhookSignature.header(key: key, id: id, timestamp: timestamp, body: body)
        return WebhookRequest(
            url: job.url,
            headers: [
                ("content-type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", signature), ("user-agent", "PeerLedger-Webhooks"),
            ],
            body: body)
    }

    func deliver(_ job: WebhookJob) async throws -> Outcome {
        let attempt = job.attempts + 1
        var status: Int64?
        var failure: String?
        do {
            let code = try await sender.send(try Self.request(job, at: clock.now()))
            status = Int64(code)
            if !(200...299).contains(code) { failure = "HTTP status \(code)" }
        } catch let error as WebhookSecretUnreadable {
            failure = "\(error)"
        } catch {
            // Stopped mid-delivery: nothing is recorded, the claim lapses and the event goes again.
            if Task.isCancelled { throw CancellationError() }
            failure = Self.describe(error)
        }
        let delivered = failure == nil
        let now = clock.now()
        let retry = self.retry
        let (answered, reason) = (status, failure)
        let outcome: Outcome = try await ledger.write(EventMetadata(actor: "webhooks")) { tx in
            // Another worker recorded this event meanwhile (its claim had lapsed): nothing twice.
            guard let cursor = try tx.webhookCursor(job.webhookID), cursor.position == job.cursor, cursor.attempts == job.attempts
            else { return .alreadySettled }
            let next = now.advanced(bySeconds: retry.delay(afterAttempt: attempt))
            try tx.recordWebhookAttempt(
                webhookID: job.webhookID, position: job.event.position, attempt: attempt, status: answered, error: reason,
                delivered: delivered, nextAttempt: next)
            if delivered { return .delivered }
            let since = job.failingSince ?? now
            guard now.millis - since.millis >= retry.disableAfterSeconds * 1000,
                try tx.reader.webhook(id: job.webhookID)?.status == "active"
            else { return .failed }
            let stream = Webhook.stream(job.webhookID)
            try tx.append(
                .webhookDisabled(
                    WebhookDisabled(
                        webhookID: job.webhookID,
                        reason: "every delivery failed for \(retry.disableAfterSeconds) seconds; the last: \(reason ?? "")",
                        failingSince: since.iso8601)),
                to: stream, expecting: .exactly(try tx.version(of: stream) ?? 0))
            return .disabled
        }
        switch outcome {
        case .delivered: break
        case .failed:
            logger.warning(
                "webhook delivery failed; will retry",
                metadata: ["webhook": "\(job.webhookID)", "position": "\(job.event.position)", "attempt": "\(attempt)"])
        case .disabled:
            logger.error("webhook disabled after failing too long", metadata: ["webhook": "\(job.webhookID)"])
        case .alreadySettled: break
        }
        return outcome
    }

    /// An error as the delivery log keeps it: short, one line, without the URL's query.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        return String(text.prefix(300))
    }
}

/// A subscription whose secret is not a `whsec_` secret (a damaged side table).
struct WebhookSecretUnreadable: Error, CustomStringConvertible {
    let webhookID: Int64
    var description: String { "the signing secret of webhook \(webhookID) cannot be read" }
}
