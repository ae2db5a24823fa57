import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PeerLedger
import PeerLedgerRouters
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerMail
import PeerLedgerHTTP
import PeerLedgerPostgres
import PostgresNIO
import PeerLedgerSettings
import PeerLedgerWebhooks
import ServiceLifecycle

/// `peerledger serve`: the APIv1 server and the background workers (outbox delivery, router
/// polls, snapshots), one `ServiceGroup` shut down gracefully on SIGINT/SIGTERM: requests in
/// flight and a worker's pass in progress finish; a write either commits whole or not at all.
/// SIGHUP reloads the TLS certificate.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve /api/v1/api.php over HTTP or HTTPS.",
        discussion: """
            Every setting may come from a configuration file (--config, TOML), from an environment \
            variable (PEERLEDGER_ and the key in capitals) or from a flag; a flag overrides the \
            environment, which overrides the file. 'peerledger config check --config FILE' checks a file.
            """)

    @Option(help: "A configuration file (TOML) holding serve's settings.") var config: String?
    @Option(help: .setting("db")) var db: String?
    @Option(help: .setting("store")) var store: String?
    @Option(help: .setting("store_password_file")) var storePasswordFile: String?
    @Option(help: .setting("host")) var host: String?
    @Option(help: .setting("port")) var port: Int?
    @Option(help: .setting("tls_cert")) var tlsCert: String?
    @Option(help: .setting("tls_key")) var tlsKey: String?
    @Option(help: .setting("log_level")) var logLevel: String?
    @Flag(help: "On an empty ledger, add the seed's example sessions; make a demo API key and a demo console user, and print how to use them.")
    var demo = false
    @Option(help: .setting("poll_interval")) var pollInterval: Int?
    @OptionGroup var mail: MailOptions
    @OptionGroup var requests: RequestOptions
    @Option(help: .setting("outbox_interval")) var outboxInterval: Int?
    @Option(help: .setting("snapshot_every")) var snapshotEvery: Int64?
    @Option(help: .setting("webhook_interval")) var webhookInterval: Int?
    @Option(help: .setting("webhook_timeout")) var webhookTimeout: Int?
    @Option(help: .setting("webhook_disable_after_days")) var webhookDisableAfterDays: Int?

    /// The flags given, keyed by setting.
    var flagValues: [String: String] {
        var values = mail.flagValues.merging(requests.flagValues) { $1 }
        values["db"] = db
        values["store"] = store
        values["store_password_file"] = storePasswordFile
        values["host"] = host
        values["port"] = port.map(String.init)
        values["tls_cert"] = tlsCert
        values["tls_key"] = tlsKey
        values["log_level"] = logLevel
        values["poll_interval"] = pollInterval.map(String.init)
        values["outbox_interval"] = outboxInterval.map(String.init)
        values["snapshot_every"] = snapshotEvery.map(String.init)
        values["webhook_interval"] = webhookInterval.map(String.init)
        values["webhook_timeout"] = webhookTimeout.map(String.init)
        values["webhook_disable_after_days"] = webhookDisableAfterDays.map(String.init)
        return values
    }

    func run() async throws {
        // Everything that can be wrong with the settings is found before the ledger is opened
        // (or created), so a refused start changes nothing.
        let settings = try ServeSettings.resolvedForCommand(file: config, flags: flagValues)
        var logger = Logger(label: "peerledger")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let certificate = try settings.serverCertificate().map(ReloadingCertificate.init)
        let requestSettings = try settings.requestSettingsForCommand()
        let transport = settings.mailTransport()

        let database = settings.database
        let storeConfiguration = try settings.store.map { try Self.storeConfiguration($0, password: settings.storePassword) }
        let ledger = try DatabaseOptions.open(database, .createIfMissing, snapshotInterval: max(1, settings.snapshotEvery))
        var record: PostgresEventStore?
        if let storeConfiguration { record = try await Self.follow(ledger, storeConfiguration) }
        if record == nil, let log = ledger.copyOfLog {
            printError("Error: \(database) is a copy of the log at \(log): serve it with store = \"\(log)\" (or --store)")
            throw ExitCode(78)
        }
        // With a log of record shared by several nodes, the jobs that must not run twice side by
        // side run on the node leading them (docs/postgres.md, "Several nodes").
        func led(_ role: String, _ service: any Service) -> any Service {
            guard let target = storeConfiguration?.target else { return service }
            return LedService(leadership: PostgresLeadership(role: role, target: target, logger: logger), service: service)
        }
        let serving = settings.store.map { "\(StoreLocation($0)) (this node's copy: \(database))" } ?? database
        let demoKey = demo ? try await Demo.prepare(ledger) : nil
        let demoUser = demo ? try Demo.consoleUser(ledger) : nil
        let metrics = LedgerMetrics(ledger: ledger)
        var services: [any Service] = []
        if settings.outboxInterval > 0 {
            services.append(
                led(
                    "outbox",
                    OutboxWorker(
                        ledger: ledger, transport: transport, retry: settings.retryPolicy, claimSeconds: settings.claimSeconds,
                        interval: .seconds(settings.outboxInterval), logger: logger)))
        }
        if settings.pollInterval > 0 {
            services.append(
                led(
                    "router-poller",
                    RouterPolling(
                        poller: RouterPoller(ledger: ledger), every: .seconds(settings.pollInterval), logger: logger,
                        observe: { router, outcome in metrics.recordPoll(router: router, outcome: outcome) })))
        }
        if settings.webhookInterval > 0 {
            services.append(
                led(
                    "webhooks",
                    WebhookWorker(
                        ledger: ledger, sender: HTTPWebhookSender(timeout: .seconds(settings.webhookTimeout)),
                        retry: WebhookRetryPolicy(disableAfterSeconds: settings.webhookDisableAfterDays * 86_400),
                        interval: .seconds(settings.webhookInterval), logger: logger)))
        }
        if settings.snapshotEvery > 0 {
            services.append(SnapshotKeeping(ledger: ledger, every: .seconds(30), logger: logger))
        }
        if let record { services.append(FollowingRecord(ledger: ledger, record: record, logger: logger)) }
        services.append(CertificateReloading(certificate: certificate, logger: logger))
        let scheme = certificate == nil ? "http" : "https"
        let app = buildApplication(
            ledger: ledger, host: settings.host, port: settings.port, logger: logger, requests: requestSettings, tls: certificate,
            metrics: metrics
        ) { [host = settings.host] port in
            if scheme == "http", !Self.isLoopback(host) { printError(Self.plainHTTPWarning(host: host, port: port)) }
            // Written unbuffered: scripts and tests wait for this line to learn the port.
            var text = "PeerLedger serving \(serving) on \(scheme)://\(host):\(port)/api/v1/api.php\n"
            if let demoKey { text += Demo.instructions(key: demoKey, scheme: scheme, host: host, port: port) + "\n" }
            if let demoUser { text += Demo.consoleInstructions(user: demoUser, scheme: scheme, host: host, port: port) + "\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        // Last: a graceful shutdown stops the services in reverse order, so the server first stops
        // taking requests and finishes those in flight, then each worker finishes its pass.
        services.append(app)
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        await record?.close()
    }

    /// The connection settings of `store`, its password from `store_password_file` or
    /// `PEERLEDGER_STORE_PASSWORD`; exit status 78 for a URL that is wrong or holds a password.
    static func storeConfiguration(_ url: String, password: Secret?) throws -> StoreConfiguration {
        do {
            var target = try PostgresStoreTarget(url: url)
            guard target.password == nil else {
                throw PostgresStoreError(
                    message: "\(StoreLocation(url)): a password is not taken in the store's URL, which is shown in logs and process lists; give it with store_password_file or PEERLEDGER_STORE_PASSWORD")
            }
            target.password = password?.reveal()
            return StoreConfiguration(target: target, location: StoreLocation(url))
        } catch {
            printError("Error: store: \(error)")
            throw ExitCode(78)
        }
    }

    /// Connects to the log of record and makes `ledger` follow it (its copy brought level first).
    static func follow(_ ledger: Ledger, _ store: StoreConfiguration) async throws -> PostgresEventStore {
        let record: PostgresEventStore
        do {
            record = try await PostgresEventStore.connect(target: store.target)
        } catch {
            printError("Error: \(store.location): \(error)")
            throw ExitCode.failure
        }
        do {
            try await ledger.follow(record)
        } catch {
            await record.close()
            printError("Error: \(OpenedLedger.path.withLock { $0 ?? "the ledger file" }) cannot follow \(store.location): \(error)")
            throw ExitCode.failure
        }
        return record
    }

    /// Loopback addresses never leave the machine; anything else (a LAN address, 0.0.0.0, a host
    /// name) may be reached over a network.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            if bytes == Array(repeating: 0, count: 15) + [1] { return true }
            // ::ffff:127.x.x.x, an IPv4 loopback address written as IPv6.
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
        }
        return false
    }

    static func plainHTTPWarning(host: String, port: Int) -> String {
        """
        Warning: serving plain HTTP on \(host):\(port), which is not a loopback address: BGP session \
        passwords (addSession, updateSession) and API call signatures travel in clear, for anyone on \
        the path to read, and a captured call can be replayed for 5 minutes. Give tls_cert and tls_key \
        (or --tls-cert and --tls-key) to serve HTTPS.
        """
    }
}

extension ServeSettings {
    /// The settings a command runs with, or every problem printed and the command ended: exit
    /// status 66 for a configuration file that cannot be read, 78 (EX_CONFIG) for wrong settings.
    /// Warnings go to standard error and the command goes on.
    static func resolvedForCommand(file: String?, flags: [String: String]) throws -> ServeSettings {
        do throws(SettingsError) {
            let settings = try ServeSettings.resolve(file: file, environment: ProcessInfo.processInfo.environment, flags: flags)
            for warning in settings.warnings { printError("Warning: \(warning)") }
            return settings
        } catch {
            for problem in error.problems { printError("Error: \(problem)") }
            throw ExitCode(error.exitStatus)
        }
    }

    /// The TLS certificate and key, loaded and checked, when the settings name them.
    func loadCertificate() throws(SettingsProblem) -> ServerCertificate? {
        guard let tlsCertificate, let tlsKey else { return nil }
        do throws(CertificateProblem) {
            return try ServerCertificate.load(certificateFile: tlsCertificate, keyFile: tlsKey)
        } catch {
            let sources = ["tls_cert", "tls_key"].compactMap { key in source(of: key).map { "\(key) from \($0)" } }
            throw SettingsProblem("\(error.message) (\(sources.joined(separator: ", ")))")
        }
    }

    func serverCertificate() throws -> ServerCertificate? {
        do throws(SettingsProblem) {
            return try loadCertificate()
        } catch {
            printError("Error: \(error.message)")
            throw ExitCode(78)
        }
    }

    func requestSettingsForCommand() throws -> PeeringRequestSettings {
        do throws(SettingsError) {
            return try requestSettings()
        } catch {
            for problem in error.problems { printError("Error: \(problem)") }
            throw ExitCode(error.exitStatus)
        }
    }
}

/// Where the log of record is and how to connect to it.
struct StoreConfiguration: Sendable {
    var target: PostgresStoreTarget
    var location: StoreLocation
}

/// A background job run by the node leading `leadership`'s role only: started when this node
/// starts leading, cancelled when it stops, until the server shuts down.
struct LedService: Service {
    let leadership: PostgresLeadership
    let service: any Service

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await leadership.run { [service] in try await service.run() }
        }
    }
}

/// Brings this node's copy level each time another node's commit moves the log of record's head
/// (`PostgresEventStore.logHeads`, LISTEN/NOTIFY), so the live event stream and the console's
/// live pages hear of it without waiting for a read here. A lost connection is listened to again
/// after a second; reads stay correct meanwhile, since each starts with a head check.
struct FollowingRecord: Service {
    let ledger: Ledger
    let record: PostgresEventStore
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    for try await _ in record.logHeads() { try await ledger.catchUpIfBehind() }
                } catch {
                    logger.warning("following the log of record: \(error); listening again in a second")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
