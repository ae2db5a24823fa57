import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PeerLedger
import PeerLedgerDomain
import PeerLedgerHTTP
import ServiceLifecycle

/// `peerledger serve`: the APIv1 server and the background workers (outbox delivery, router
/// polls, snapshots), one `ServiceGroup` shut down gracefully on SIGINT/SIGTERM: requests in
/// flight and a worker's pass in progress finish; a write either commits whole or not at all.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve /api/v1/api.php over HTTP.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Flag(help: "On an empty ledger, add the seed's example sessions and a demo API key, and print how to call the server.")
    var demo = false
    @Option(help: "Seconds between polls of every router's BGP neighbors (0: no polling).") var pollInterval = 60
    @OptionGroup var mail: MailOptions
    @OptionGroup var requests: RequestOptions
    @Option(help: "Seconds between outbox delivery passes; 0 leaves delivery to 'peerledger outbox deliver'.")
    var outboxInterval: Int = 30
    @Option(help: "Events between projection snapshots, which make reads as_of a past moment fast (0: none).")
    var snapshotEvery: Int64 = ProjectionSnapshots.defaultInterval

    func validate() throws {
        try require(port, in: 0...65535, option: "--port")
        try require(pollInterval, in: 0...longestIntervalSeconds, option: "--poll-interval", unit: "seconds")
        try require(outboxInterval, in: 0...longestIntervalSeconds, option: "--outbox-interval", unit: "seconds")
        try mail.check()
        try requests.check()
        guard snapshotEvery >= 0 else {
            throw ValidationError("--snapshot-every must be a number of events (0: no snapshots), got \(snapshotEvery)")
        }
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        var logger = Logger(label: "peerledger")
        logger.logLevel = level
        let ledger = try database.open(.createIfMissing, snapshotInterval: max(1, snapshotEvery))
        let demoKey = demo ? try await Demo.prepare(ledger) : nil
        let settings = try requests.settings()
        var services: [any Service] = []
        if outboxInterval > 0 {
            services.append(
                OutboxWorker(
                    ledger: ledger, transport: try mail.makeTransport(), retry: mail.retryPolicy, claimSeconds: mail.claimSeconds,
                    interval: .seconds(outboxInterval), logger: logger))
        }
        if pollInterval > 0 {
            services.append(RouterPolling(poller: RouterPoller(ledger: ledger), every: .seconds(pollInterval), logger: logger))
        }
        if snapshotEvery > 0 {
            services.append(SnapshotKeeping(ledger: ledger, every: .seconds(30), logger: logger))
        }
        let app = buildApplication(ledger: ledger, host: host, port: port, logger: logger, requests: settings) { [host, db = database.db] port in
            // Written unbuffered: scripts and tests wait for this line to learn the port.
            var text = "PeerLedger serving \(db) on http://\(host):\(port)/api/v1/api.php\n"
            if let demoKey { text += Demo.instructions(key: demoKey, host: host, port: port) + "\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        // Last: a graceful shutdown stops the services in reverse order, so the server first stops
        // taking requests and finishes those in flight, then each worker finishes its pass.
        services.append(app)
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
