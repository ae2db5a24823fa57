import Logging
import PeerLedger
import PeerLedgerDomain

/// The periodic poll inside `serve`: every router, every `interval` seconds, until cancelled.
/// Failures are logged and the next round tries again.
enum RouterPolling {
    static func run(ledger: Ledger, every interval: Int, logger: Logger) async {
        let poller = RouterPoller(ledger: ledger)
        while !Task.isCancelled {
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
            try? await Task.sleep(for: .seconds(interval))
        }
    }
}
