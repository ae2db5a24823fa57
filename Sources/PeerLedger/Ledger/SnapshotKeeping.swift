public import Logging
import PeerLedgerDomain
public import ServiceLifecycle

/// The snapshot keeper inside `serve`, one of its services: drops snapshots the ledger cannot
/// use, backfills where the log lacks them, then looks every `interval` whether the log has grown
/// an interval of events past the newest and takes one if so, until a graceful shutdown (after a
/// snapshot in progress is written) or a cancellation. Failures are logged; snapshots only save
/// time.
public struct SnapshotKeeping: Service, CustomStringConvertible {
    public let ledger: Ledger
    public let interval: Duration
    let logger: Logger

    public init(ledger: Ledger, every interval: Duration, logger: Logger) {
        self.ledger = ledger
        self.interval = interval
        self.logger = logger
    }

    /// How the service group's log lines name it.
    public var description: String { "SnapshotKeeping(every: \(interval))" }

    public func run() async {
        guard !Task.isShuttingDownGracefully else { return }
        catchUp()
        let interval = self.interval
        await repeatPasses {
            takeIfDue()
        } pausing: {
            try? await Task.sleep(for: interval)
        }
    }

    /// Deletes the unusable snapshots and writes those the log lacks (nothing is touched when
    /// none is missing).
    func catchUp() {
        guard let snapshots = ledger.snapshots else { return }
        do {
            let pruned = try snapshots.pruneUnusable(ledger)
            if !pruned.isEmpty { logger.info("unusable snapshots deleted", metadata: ["count": "\(pruned.count)"]) }
            let written = try ledger.backfillSnapshots()
            if !written.isEmpty { logger.info("snapshots backfilled", metadata: ["count": "\(written.count)"]) }
        } catch {
            logger.warning("snapshot backfill failed", metadata: ["error": "\(error)"])
        }
    }

    func takeIfDue() {
        do {
            if let position = try ledger.takeSnapshotIfDue() {
                logger.info("snapshot taken", metadata: ["position": "\(position)"])
            }
        } catch {
            logger.warning("snapshot failed", metadata: ["error": "\(error)"])
        }
    }
}
