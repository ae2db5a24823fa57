import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerHTTP
import ServiceLifecycle
import PeerLedgerTestSupport
import Testing

/// Runs the server over HTTPS on a free loopback port for `body`, then shuts it down gracefully.
/// Waiting for the port is bounded: a server that never starts fails the test, never hangs it.
func servingHTTPS(
    ledger: Ledger, certificate: ReloadingCertificate, logger: Logger, _ body: @Sendable (Int) async throws -> Void
) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: logger, tls: certificate) { port in
        continuation.yield(port)
    }
    let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let port = try await withThrowingTaskGroup(of: Int?.self) { race in
            race.addTask { await ports.first { _ in true } }
            race.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            defer { race.cancelAll() }
            guard let first = try await race.next(), let port = first else { throw TestFailure("the HTTPS server did not start within 20 s") }
            return port
        }
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// An AsyncHTTPClient that trusts the test's CA and nothing else, with bounded waits.
func httpsClient(trusting caFile: String) -> HTTPClient {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(caFile)
    return HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(15))))
}

@Suite("HTTPS", .enabled(if: TestCertificates.available, "openssl is not installed"))
struct TLSTests {
    let ledger: Ledger
    let key: APIKey
    let secret: String
    let logs = LogCapture()

    init() throws {
        ledger = try Ledger.inMemory()
        (key, secret) = try ledger.createAPIKey(name: "noc-automation", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
    }

    /// A CA, a certificate from it (serial 1001, 0x03E9) copied to the paths the server reads.
    static func liveCertificate() throws -> (TestCertificates, files: (certificate: String, key: String)) {
        let certificates = try TestCertificates()
        let first = try certificates.issue(commonName: "ledger-a.peering.test", serial: 1001, name: "a")
        let live = (certificate: certificates.folder.appendingPathComponent("live.pem").path, key: certificates.folder.appendingPathComponent("live.key").path)
        try FileManager.default.copyItem(atPath: first.certificate, toPath: live.certificate)
        try FileManager.default.copyItem(atPath: first.key, toPath: live.key)
        return (certificates, live)
    }

    @Test("a signed APIv1 call over HTTPS is answered, the client trusting only the test's CA, over TLS 1.3")
    func signedCallOverHTTPS() async throws {
        let (certificates, live) = try Self.liveCertificate()
        let certificate = ReloadingCertificate(try ServerCertificate.load(certificateFile: live.certificate, keyFile: live.key))
        try await servingHTTPS(ledger: ledger, certificate: certificate, logger: logs.logger) { [key, secret] port in
            let client = httpsClient(trusting: certificates.caFile)
            do {
                var post = HTTPClientRequest(url: "https://127.0.0.1:\(port)/api/v1/api.php")
                post.method = .POST
                post.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
                post.body = .bytes(ByteBuffer(string: signed(HTTPTests.addAmazon, key: key.apiKey, secret: secret)))
                let added = try await client.execute(post, timeout: .seconds(15))
                let addedBody = String(buffer: try await added.body.collect(upTo: 1 << 20))
                #expect(added.status == .ok)
                #expect(try JSON.parse(addedBody)["message"] == .string("Session added: Amazon.com (AS8038V1.2.3.5) - (AS16509V206.126.236.68)"))
                let get = HTTPClientRequest(
                    url: "https://127.0.0.1:\(port)/api/v1/api.php?" + signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret))
                let read = try await client.execute(get, timeout: .seconds(15))
                #expect(try JSON.parse(String(buffer: try await read.body.collect(upTo: 1 << 20)))["message"] == .string("1 sessions found."))
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
            let connection = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
            #expect(try await connection.health() == 200)
            #expect(try await connection.negotiatedVersion() == .tlsv13)
        }
        // The password travelled inside TLS and, as over plain HTTP, reached no log line.
        #expect(!logs.text.contains("ace12345"))
    }

    @Test("over HTTPS the console's cookies are Secure as well as HttpOnly and SameSite=Strict")
    func consoleCookiesAreSecureOverHTTPS() async throws {
        let (certificates, live) = try Self.liveCertificate()
        let certificate = ReloadingCertificate(try ServerCertificate.load(certificateFile: live.certificate, keyFile: live.key))
        try await servingHTTPS(ledger: ledger, certificate: certificate, logger: logs.logger) { port in
            let client = httpsClient(trusting: certificates.caFile)
            do {
                let login = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/login"), timeout: .seconds(15))
                #expect(login.status == .ok)
                let cookie = try #require(login.headers["set-cookie"].first { $0.hasPrefix("peerledger_login=") })
                #expect(cookie.contains("Secure"))
                #expect(cookie.contains("HttpOnly"))
                #expect(cookie.contains("SameSite=Strict"))
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    @Test(
        "a client offering only TLS 1.0 or only TLS 1.1 is refused in the handshake and gets no answer",
        arguments: [TLSVersion.tlsv1, .tlsv11])
    func oldTLSRefused(_ version: TLSVersion) async throws {
        let (certificates, live) = try Self.liveCertificate()
        let certificate = ReloadingCertificate(try ServerCertificate.load(certificateFile: live.certificate, keyFile: live.key))
        try await servingHTTPS(ledger: ledger, certificate: certificate, logger: logs.logger) { port in
            // The CBC suites are the only ones TLS 1.0 and 1.1 have: offered, so that the server's
            // refusal is over the version, not over a cipher the client left out.
            let old = try await TLSConnection.connect(
                port: port, trusting: certificates.caFile, minimum: version, maximum: version,
                ciphers: "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")
            // The write fails once the refusal has closed the connection; either way no answer comes.
            try? await old.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await old.readResponse(seconds: 5) == nil)
            // The alert the server sent: it refused the version.
            let error = try #require(old.error)
            #expect(error.contains("TLSV1_ALERT_PROTOCOL_VERSION"), "\(error)")

            // The same client allowed TLS 1.2 is served.
            let current = try await TLSConnection.connect(
                port: port, trusting: certificates.caFile, minimum: version, maximum: .tlsv12,
                ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA")
            #expect(try await current.health() == 200)
            #expect(try await current.negotiatedVersion() == .tlsv12)
        }
    }

    @Test("under TLS an HTTP/1.0 request is answered then closed, and a 1.2 MiB request line is answered 414 in the JSON envelope")
    func connectionGuardUnderTLS() async throws {
        let (certificates, live) = try Self.liveCertificate()
        let certificate = ReloadingCertificate(try ServerCertificate.load(certificateFile: live.certificate, keyFile: live.key))
        try await servingHTTPS(ledger: ledger, certificate: certificate, logger: logs.logger) { port in
            let old = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
            try await old.send("GET /health HTTP/1.0\r\n\r\n")
            let answer = try #require(try await old.readResponse())
            #expect(answer.status == 200)
            #expect(answer.headers["connection"] == "close")
            #expect(try await old.isClosedByServer(within: 5))

            let huge = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
            try await huge.send("GET /api/v1/api.php?\(String(repeating: "a", count: 1_258_291)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let refused = try #require(try await huge.readResponse())
            #expect(refused.status == 414)
            #expect(refused.headers["content-type"] == "application/json; charset=utf-8")
            #expect(try JSON.parse(refused.body)["success"] == .int(0))
        }
    }

    @Test("after the certificate files change, a reload gives new connections the new certificate and an open connection keeps working")
    func reloadAfterRenewal() async throws {
        let (certificates, live) = try Self.liveCertificate()
        let renewed = try certificates.issue(commonName: "ledger-b.peering.test", serial: 2002, name: "b")
        let certificate = ReloadingCertificate(try ServerCertificate.load(certificateFile: live.certificate, keyFile: live.key))
        try await servingHTTPS(ledger: ledger, certificate: certificate, logger: logs.logger) { [key, secret] port in
            let open = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
            #expect(try await open.health() == 200)
            #expect(try await open.peerSerial() == "03E9")

            try TestCertificates.replace(live.certificate, with: renewed.certificate)
            try TestCertificates.replace(live.key, with: renewed.key)
            let reloaded = try certificate.reload()
            #expect(reloaded.serial == "07D2")
            #expect(reloaded.commonName == "ledger-b.peering.test")

            let fresh = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
            #expect(try await fresh.health() == 200)
            #expect(try await fresh.peerSerial() == "07D2")

            // The connection opened before the reload goes on, with the session it negotiated.
            let query = signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret)
            try await open.send("GET /api/v1/api.php?\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answer = try #require(try await open.readResponse())
            #expect(answer.status == 200)
            #expect(try JSON.parse(answer.body)["success"] == .int(1))
            #expect(try await open.peerSerial() == "03E9")
        }
    }

    @Test("a reload that finds a key of another certificate, or no certificate, keeps the old one and logs why, with no key in the log")
    func badRenewalKeepsTheOldCertificate() async throws {
        let (certificates, live) = try Self.liveCertificate()
        let other = try certificates.issue(commonName: "someone-else.peering.test", serial: 3003, name: "other")
        let certificate = ReloadingCertificate(try ServerCertificate.load(certificateFile: live.certificate, keyFile: live.key))
        let reloading = CertificateReloading(certificate: certificate, logger: logs.logger)
        try await servingHTTPS(ledger: ledger, certificate: certificate, logger: logs.logger) { port in
            try TestCertificates.replace(live.key, with: other.key)
            #expect(throws: CertificateProblem.self) { try certificate.reload() }
            reloading.reload()
            #expect(logs.text.contains("TLS certificate not reloaded, the TLS key \(live.key) does not belong to the certificate \(live.certificate)"))

            try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: live.certificate))
            reloading.reload()
            #expect(logs.text.contains("the TLS certificate \(live.certificate) holds no PEM certificate"))

            let connection = try await TLSConnection.connect(port: port, trusting: certificates.caFile)
            #expect(try await connection.health() == 200)
            #expect(try await connection.peerSerial() == "03E9")
        }
        #expect(!logs.text.contains("PRIVATE KEY"))
    }

    @Test("a certificate whose key does not match, or a missing key file, is refused at start naming the file")
    func startRefusesABadPair() throws {
        let certificates = try TestCertificates()
        let ours = try certificates.issue(commonName: "ledger-a.peering.test", serial: 1001, name: "a")
        let theirs = try certificates.issue(commonName: "someone-else.peering.test", serial: 3003, name: "other")
        #expect {
            try ServerCertificate.load(certificateFile: ours.certificate, keyFile: theirs.key)
        } throws: { error in
            "\(error)" == "the TLS key \(theirs.key) does not belong to the certificate \(ours.certificate)"
        }
        let missing = certificates.folder.appendingPathComponent("missing.key").path
        #expect {
            try ServerCertificate.load(certificateFile: ours.certificate, keyFile: missing)
        } throws: { error in
            "\(error)" == "the TLS key \(missing) cannot be read (no such file)"
        }
    }
}
