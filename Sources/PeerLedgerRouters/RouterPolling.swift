public import Logging
import PeerLedger
import PeerLedgerDomain
public import ServiceLifecycle

/// The periodic poll inside `serve`, one of its services: every router, every `interval`, until a
/// graceful shutdown (after the poll in progress has recorded what it found) or a cancellation.
/// Failures are logged and the next round tries again.
public struct RouterPolling: Service, CustomStringConvertible {
    public let poller: RouterPoller
    public let interval: Duration
    let logger: Logger
    /// Told each router's outcome after every poll (metrics): `ok`, `failed` (the router could
    /// not be read) or `skipped` (not polled, its platform cannot be); a round that failed as a
    /// whole is `failed` for the router `-`.
    let observe: @Sendable (_ router: String, _ outcome: String) -> Void

    public init(
        poller: RouterPoller, every interval: Duration, logger: Logger,
        observe: @escaping @Sendable (_ router: String, _ outcome: String) -> Void = { _, _ in }
    ) {
        self.poller = poller
        self.interval = interval
        self.logger = logger
        self.observe = observe
    }

    /// How the service group's log lines name it.
    public var description: String { "RouterPolling(every: \(interval))" }

    public func run() async {
        let interval = self.interval
        await repeatPasses {
            await pollOnce()
        } pausing: {
            try? await Task.sleep(for: interval)
        }
    }

    /// One round over every router, its changes and failures logged.
    func pollOnce() async {
        do {
            for report in try await poller.pollAll() {
                guard report.notPolled == nil else {
                    observe(report.router.name, "skipped")
                    continue
                }
                if let error = report.error {
                    observe(report.router.name, "failed")
                    logger.warning("router poll failed", metadata: ["router": "\(report.router.name)", "error": "\(error)"])
                    continue
                }
                observe(report.router.name, "ok")
                for line in report.lines.dropFirst() {
                    logger.info("router poll", metadata: ["router": "\(report.router.name)", "change": "\(line)"])
                }
            }
        } catch {
            observe("-", "failed")
            logger.error("router poll failed", metadata: ["error": "\(error)"])
        }
    }
}
