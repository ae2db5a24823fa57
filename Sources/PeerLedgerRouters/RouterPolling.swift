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

    public init(poller: RouterPoller, every interval: Duration, logger: Logger) {
        self.poller = poller
        self.interval = interval
        self.logger = logger
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
            for report in try await poller.pollAll() where report.notPolled == nil {
                if let error = report.error {
                    logger.warning("router poll failed", metadata: ["router": "\(report.router.name)", "error": "\(error)"])
                    continue
                }
                for line in report.lines.dropFirst() {
                    logger.info("router poll", metadata: ["router": "\(report.router.name)", "change": "\(line)"])
                }
            }
        } catch {
            logger.error("router poll failed", metadata: ["error": "\(error)"])
        }
    }
}
