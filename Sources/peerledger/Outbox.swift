import ArgumentParser
import Foundation
import Logging
import PeerLedger
import PeerLedgerDomain
import PeerLedgerMail
import PeerLedgerPostgres
import PeerLedgerSettings
import Synchronization

/// `peerledger outbox`: the queue of peering-request messages.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Deliver or inspect queued peering-request messages.",
        subcommands: [Deliver.self, Status.self])

    /// One delivery pass: every message due now, each outcome recorded as an event.
    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send every queued message that is due, once, and exit.")
        @Option(help: "serve's configuration file (TOML): its db and mail settings are used here too.") var config: String?
        @Option(help: .setting("db")) var db: String?
        @Option(help: .setting("store")) var store: String?
        @OptionGroup var mail: MailOptions

        func run() async throws {
            var flags = mail.flagValues
            flags["db"] = db
            flags["store"] = store
            let settings = try ServeSettings.resolvedForCommand(file: config, flags: flags)
            let storeConfiguration = try settings.store.map { try Serve.storeConfiguration($0, password: settings.storePassword) }
            let ledger = try DatabaseOptions.open(settings.database, .existing)
            let worker = OutboxWorker(
                ledger: ledger, transport: settings.mailTransport(), retry: settings.retryPolicy, claimSeconds: settings.claimSeconds,
                logger: Logger(label: "peerledger.outbox"))
            let pass: OutboxWorker.Pass
            if let storeConfiguration {
                // The log's outbox is delivered by the one process leading it, as `serve` nodes do.
                let record = try await Serve.follow(ledger, storeConfiguration)
                let leadership = PostgresLeadership(role: "outbox", target: storeConfiguration.target)
                let led: OutboxWorker.Pass?
                do {
                    led = try await Self.deliverLeading(leadership, worker, within: .seconds(5))
                } catch {
                    await record.close()
                    throw error
                }
                await record.close()
                guard let led else {
                    printError(
                        "Error: another process leads the outbox of \(storeConfiguration.location) and delivers its mail (pg_stat_activity names it: application_name 'peerledger outbox pid N')")
                    throw ExitCode(75)
                }
                pass = led
            } else {
                pass = try await worker.deliverDue()
            }
            print("delivered \(pass.delivered.count), retrying \(pass.retrying.count), failed \(pass.failed.count)")
            if !pass.failed.isEmpty { throw ExitCode(1) }
        }

        /// One delivery pass run as the leader of the outbox; nil when another process leads it
        /// and this one has not become leader within `limit`.
        static func deliverLeading(
            _ leadership: PostgresLeadership, _ worker: OutboxWorker, within limit: Duration
        ) async throws -> OutboxWorker.Pass? {
            let state = LeadingPass()
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await leadership.run(changed: { now in if now { state.leading.withLock { $0 = true } } }) {
                        do {
                            let pass = try await worker.deliverDue()
                            state.outcome.withLock { $0 = .success(pass) }
                        } catch {
                            state.outcome.withLock { $0 = .failure(error) }
                        }
                    }
                }
                let deadline = ContinuousClock.now + limit
                while ContinuousClock.now < deadline, !state.leading.withLock({ $0 }) {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                // Not leading by then: stop campaigning. Leading: the pass runs to its end.
                if !state.leading.withLock({ $0 }) { group.cancelAll() }
            }
            return try state.outcome.withLock { $0 }?.get()
        }

        /// Whether this process leads the outbox, and what its pass did.
        private final class LeadingPass: Sendable {
            let leading = Mutex(false)
            let outcome = Mutex<Result<OutboxWorker.Pass, any Error>?>(nil)
        }
    }

    /// Counts by state.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count queued, delivered and failed messages.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption

        func run() async throws {
            // With --store, the --db file is a node's copy, brought level with the log first.
            let counts = try await store.open(database, .existing).readNow { db in try Outbox.counts(db) }
            for state in ["pending", "delivered", "failed"] { print("\(state) \(counts[state] ?? 0)") }
        }
    }
}
