import ArgumentParser
import Foundation
import Logging
import PeerLedger
import PeerLedgerDomain
import PeerLedgerMail
import PeerLedgerSettings

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
        @OptionGroup var mail: MailOptions

        func run() async throws {
            var flags = mail.flagValues
            flags["db"] = db
            let settings = try ServeSettings.resolvedForCommand(file: config, flags: flags)
            let ledger = try DatabaseOptions.open(settings.database, .existing)
            let worker = OutboxWorker(
                ledger: ledger, transport: settings.mailTransport(), retry: settings.retryPolicy, claimSeconds: settings.claimSeconds,
                logger: Logger(label: "peerledger.outbox"))
            let pass = try await worker.deliverDue()
            print("delivered \(pass.delivered.count), retrying \(pass.retrying.count), failed \(pass.failed.count)")
            if !pass.failed.isEmpty { throw ExitCode(1) }
        }
    }

    /// Counts by state.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count queued, delivered and failed messages.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let counts = try database.open(.existing).readNow { db in try Outbox.counts(db) }
            for state in ["pending", "delivered", "failed"] { print("\(state) \(counts[state] ?? 0)") }
        }
    }
}
