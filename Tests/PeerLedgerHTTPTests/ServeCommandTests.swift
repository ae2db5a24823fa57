import Foundation
import PeerLedgerTestSupport
import Testing

/// A `peerledger serve` child process with the environment the test gives, its standard error
/// kept in a file the test can read while it runs. Every wait is bounded.
final class ServeRun: @unchecked Sendable {
    let process = Process()
    let errorsFile: URL
    /// The first line serve printed: where it listens.
    let firstLine: String

    init(_ arguments: [String], environment: [String: String] = ["PATH": "/usr/bin:/bin"], seconds: Double = 30) throws {
        errorsFile = Scratch.url("serve-errors-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
        process.executableURL = try peerledgerBinary()
        process.arguments = ["serve"] + arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorsFile)
        try process.run()
        // The first line is read on a thread of its own, so that a server that never prints it
        // fails the test after `seconds` instead of hanging it.
        let line = LineReader(output.fileHandleForReading)
        guard let first = line.first(within: seconds) else {
            if process.isRunning { process.terminate() }
            throw TestFailure("serve printed no first line within \(seconds) s: \((try? String(contentsOf: errorsFile, encoding: .utf8)) ?? "")")
        }
        firstLine = first
    }

    /// The port in the first line ("... on https://127.0.0.1:PORT/api/v1/api.php").
    var port: Int? { firstLine.split(separator: ":").last?.split(separator: "/").first.flatMap { Int($0) } }

    var errors: String { (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? "" }

    /// Waits at most `seconds` for standard error to contain `text`.
    func waitForErrors(containing text: String, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if errors.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// SIGTERM, then the exit status (or a failure after `seconds`).
    func terminate(seconds: Double = 20) throws -> Int32 {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure("serve did not stop within \(seconds) s of SIGTERM")
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Reads a pipe's first line on a thread of its own.
final class LineReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var line: String?

    init(_ handle: FileHandle) {
        onThreadOfItsOwn { [self] in
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            line = data.isEmpty ? nil : String(decoding: data.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            done.signal()
        }
    }

    func first(within seconds: Double) -> String? {
        done.wait(timeout: .now() + seconds) == .timedOut ? nil : line
    }
}

@Suite(
    "peerledger serve and config check, run as the built binary", .serialized,
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct ServeCommandTests {
    @Test("config check prints every setting with its source, the environment over the file, and never a secret")
    func checkSummary() throws {
        let password = try secretFile("s3cret-relay-pass\n")
        let folder = Scratch.url("check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = configurationFile(
            """
            port = 8443
            db = "\(folder.path)/peerledger.sqlite"
            smtp_host = "relay.example.net"
            smtp_username = "peering"
            smtp_password_file = "\(password)"
            """)
        let run = try peerledger(["config", "check", "--config", path], environment: ["PATH": "/usr/bin:/bin", "PEERLEDGER_PORT": "9443"])
        #expect(run.status == 0, "\(run.output) \(run.errors)")
        #expect(run.output.hasPrefix("\(path): OK, 4 settings from the file, 1 from the environment, the rest defaults"), "\(run.output)")
        let lines = run.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("port 9443 (environment PEERLEDGER_PORT)"), "\(run.output)")
        #expect(lines.contains("smtp_host relay.example.net (file \(path))"), "\(run.output)")
        #expect(lines.contains("smtp_password_file (secret, read from \(password)) (file \(path))"), "\(run.output)")
        #expect(lines.contains("outbox_interval 30 (default)"), "\(run.output)")
        #expect(lines.contains("TLS: none, plain HTTP on a loopback address"), "\(run.output)")
        #expect(!(run.output + run.errors).contains("s3cret-relay-pass"))
    }

    @Test("config check names each wrong key and value and exits 78; a missing file exits 66")
    func checkRefusals() throws {
        let path = configurationFile(
            """
            port = 70000
            smtp_passwrd_file = "/etc/peerledger/smtp-password"
            smtp_password = "hunter2-relay"
            log_level = "verbose"
            """)
        let run = try peerledger(["config", "check", "--config", path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 78)
        #expect(run.output.isEmpty, "\(run.output)")
        let errors = run.errors.split(separator: "\n").map(String.init)
        #expect(errors.count == 4, "\(run.errors)")
        #expect(errors.contains("Error: \(path): port must be from 0 to 65535, got 70000"))
        #expect(errors.contains("Error: \(path): smtp_passwrd_file: unknown key (did you mean smtp_password_file?)"))
        #expect(errors.contains { $0.hasPrefix("Error: \(path): smtp_password: a secret is not taken inline") })
        #expect(errors.contains("Error: \(path): log_level must be trace, debug, info, notice, warning, error or critical, got 'verbose'"))
        #expect(!run.errors.contains("hunter2-relay"))

        let missing = Scratch.url("missing-\(UUID().uuidString).toml").path
        let absent = try peerledger(["config", "check", "--config", missing], environment: ["PATH": "/usr/bin:/bin"])
        #expect(absent.status == 66)
        #expect(absent.errors.contains("Cannot read the configuration file \(missing): no such file"), "\(absent.errors)")
    }

    @Test("the example configuration passes config check once its ledger folder exists")
    func exampleChecks() throws {
        let example = exampleConfiguration
        let database = Scratch.url("example-\(UUID().uuidString).sqlite").path
        let run = try peerledger(
            ["config", "check", "--config", example], environment: ["PATH": "/usr/bin:/bin", "PEERLEDGER_DB": database])
        #expect(run.status == 0, "\(run.output) \(run.errors)")
        #expect(run.output.contains("db"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: database), "config check created the ledger")
    }

    @Test("serve with a wrong configuration refuses to start, names the problem and creates no ledger")
    func serveRefusesBadConfiguration() throws {
        let database = Scratch.url("refused-\(UUID().uuidString).sqlite").path
        let path = configurationFile("db = \"\(database)\"\noutbox_interval = 86401\n")
        let run = try peerledger(["serve", "--config", path], environment: ["PATH": "/usr/bin:/bin"], seconds: 30)
        #expect(run.status == 78)
        #expect(run.errors.contains("\(path): outbox_interval must be from 0 to 86400 seconds, got 86401"), "\(run.errors)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test("serve takes the ledger from the file, PEERLEDGER_DB over the file, and --db over both")
    func servePrecedence() throws {
        let fromFile = Scratch.url("from-file-\(UUID().uuidString).sqlite").path
        let fromEnvironment = Scratch.url("from-env-\(UUID().uuidString).sqlite").path
        let fromFlag = Scratch.url("from-flag-\(UUID().uuidString).sqlite").path
        let path = configurationFile("db = \"\(fromFile)\"\nport = 0\npoll_interval = 0\noutbox_interval = 0\n")
        let cases: [([String], [String: String], String)] = [
            ([], [:], fromFile),
            ([], ["PEERLEDGER_DB": fromEnvironment], fromEnvironment),
            (["--db", fromFlag], ["PEERLEDGER_DB": fromEnvironment], fromFlag),
        ]
        for (flags, environment, expected) in cases {
            let server = try ServeRun(["--config", path] + flags, environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 })
            #expect(server.firstLine.hasPrefix("PeerLedger serving \(expected) on http://127.0.0.1:"), "\(server.firstLine)")
            #expect(try server.terminate() == 0)
        }
    }

    @Test("plain HTTP on a non-loopback address warns that session passwords and API signatures travel in clear; loopback does not")
    func plainHTTPWarning() throws {
        let database = Scratch.url("warning-\(UUID().uuidString).sqlite").path
        let open = try ServeRun(["--db", database, "--host", "0.0.0.0", "--port", "0", "--poll-interval", "0", "--outbox-interval", "0"])
        let port = try #require(open.port)
        #expect(open.errors.contains("Warning: serving plain HTTP on 0.0.0.0:\(port), which is not a loopback address: BGP session passwords"))
        #expect(open.errors.contains("API call signatures travel in clear"))
        #expect(try open.terminate() == 0)

        let loopback = try ServeRun(["--db", database, "--host", "127.0.0.1", "--port", "0", "--poll-interval", "0", "--outbox-interval", "0"])
        #expect(!loopback.errors.contains("travel in clear"))
        #expect(try loopback.terminate() == 0)
    }

    @Test(
        "serve --tls-cert --tls-key serves HTTPS; after the files change, SIGHUP gives new connections the new certificate while the server and an open connection go on",
        .enabled(if: TestCertificates.available, "openssl is not installed"))
    func sighupReload() async throws {
        let (certificates, live) = try TLSTests.liveCertificate()
        let renewed = try certificates.issue(commonName: "ledger-b.peering.test", serial: 2002, name: "b")
        let database = Scratch.url("tls-\(UUID().uuidString).sqlite").path
        let server = try ServeRun([
            "--db", database, "--port", "0", "--tls-cert", live.certificate, "--tls-key", live.key, "--poll-interval", "0",
            "--outbox-interval", "0", "--log-level", "info",
        ])
        #expect(server.firstLine.contains(" on https://127.0.0.1:"), "\(server.firstLine)")
        let port = try #require(server.port)

        let open = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
        #expect(try await open.health() == 200)
        #expect(try await open.peerSerial() == "03E9")

        // A bad key first: the old certificate stays and the log says why.
        let other = try certificates.issue(commonName: "someone-else.peering.test", serial: 3003, name: "other")
        try TestCertificates.replace(live.key, with: other.key)
        server.signal(SIGHUP)
        #expect(server.waitForErrors(containing: "TLS certificate not reloaded"), "\(server.errors)")
        let during = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
        #expect(try await during.health() == 200)
        #expect(try await during.peerSerial() == "03E9")

        try TestCertificates.replace(live.certificate, with: renewed.certificate)
        try TestCertificates.replace(live.key, with: renewed.key)
        server.signal(SIGHUP)
        #expect(server.waitForErrors(containing: "TLS certificate reloaded"), "\(server.errors)")
        #expect(server.errors.contains("serial=07D2"), "\(server.errors)")
        #expect(server.process.isRunning)

        let fresh = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
        #expect(try await fresh.health() == 200)
        #expect(try await fresh.peerSerial() == "07D2")

        #expect(try await open.health() == 200)
        #expect(try server.terminate() == 0)
        #expect(!server.errors.contains("PRIVATE KEY"))
    }
}
