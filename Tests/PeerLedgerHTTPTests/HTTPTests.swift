import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerTestSupport
import Synchronization
import Testing

/// Collects every log line (message and metadata) so tests can look for leaked secrets.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.lines.withLock { $0.append("\(event.message) \(all)") }
        }
    }
}

@Suite("HTTP API")
struct HTTPTests {
    let ledger: Ledger
    let key: APIKey
    let secret: String
    let readOnlyKey: APIKey
    let readOnlySecret: String
    let logs = LogCapture()

    init() throws {
        ledger = try Ledger.inMemory()
        (key, secret) = try ledger.createAPIKey(name: "noc-automation", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        (readOnlyKey, readOnlySecret) = try ledger.createAPIKey(name: "dashboard", readOnly: true, metadata: EventMetadata(actor: "cli:test"))
    }

    /// The seed's Amazon.com session, as a signed call names it.
    static let addAmazon = "target=peering&" + amazon

    @Test("a signed GET and a signed POST form body are served; the write is recorded under the key's name")
    func signedCalls() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            let post = try await client.execute(
                uri: "/api/v1/api.php", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: signed(Self.addAmazon, key: key.apiKey, secret: secret)))
            #expect(post.status == .ok)
            #expect(try post.json()["message"] == .string("Session added: Amazon.com (AS8038V1.2.3.5) - (AS16509V206.126.236.68)"))
            #expect(post.headers[HTTPField.Name("X-Request-Id")!] != nil)
            let get = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret),
                method: .get)
            #expect(get.status == .ok)
            #expect(try get.json()["message"] == .string("1 sessions found."))
            #expect(get.headers[.contentType] == "application/json; charset=utf-8")
        }
        let added = try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }
        #expect(added.count == 1)
        let metadata = try JSON.parse(added[0].metadata)
        #expect(metadata["actor"] == .string("noc-automation"))
        #expect(metadata["client_address"] == .string("127.0.0.1"))
    }

    @Test("a wrong, missing or revoked signature is HTTP 401 with the JSON envelope")
    func unauthenticated() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            let query = "target=peering&action=getSessions&public_id=1"
            let wrongSecret = try await client.execute(
                uri: "/api/v1/api.php?" + signed(query, key: key.apiKey, secret: "00000000000000000000000000000000"), method: .get)
            #expect(wrongSecret.status == .unauthorized)
            #expect(String(buffer: wrongSecret.body) == #"{"success":0,"message":"Invalid apiKey or hash"}"#)
            let unsigned = try await client.execute(uri: "/api/v1/api.php?" + query, method: .get)
            #expect(unsigned.status == .unauthorized)
            #expect(try unsigned.json()["message"] == .string("Authentication required: sign the call with apiKey and hash"))
            // A parameter changed after signing breaks the signature.
            let tampered = signed(query, key: key.apiKey, secret: secret).replacingOccurrences(of: "public_id=1", with: "public_id=2")
            #expect(try await client.execute(uri: "/api/v1/api.php?" + tampered, method: .get).status == .unauthorized)
            _ = try ledger.revokeAPIKey("noc-automation", metadata: EventMetadata(actor: "cli:test"))
            let revoked = try await client.execute(uri: "/api/v1/api.php?" + signed(query, key: key.apiKey, secret: secret), method: .get)
            #expect(revoked.status == .unauthorized)
        }
    }

    @Test("a time parameter more than 5 minutes away is refused as a possible replay")
    func replayProtection() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            let now = Int(Date().timeIntervalSince1970)
            let fresh = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=peering&action=getSessions&public_id=1&time=\(now)", key: key.apiKey, secret: secret),
                method: .get)
            #expect(fresh.status == .ok)
            let stale = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=peering&action=getSessions&public_id=1&time=\(now - 400)", key: key.apiKey, secret: secret),
                method: .get)
            #expect(stale.status == .unauthorized)
            #expect(try stale.json()["message"]?.stringValue?.contains("refused as a possible replay") == true)
        }
    }

    @Test("a read-only key can read but not write")
    func readOnlyKey() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            let write = try await client.execute(
                uri: "/api/v1/api.php?" + signed(Self.addAmazon, key: readOnlyKey.apiKey, secret: readOnlySecret), method: .get)
            #expect(write.status == .ok)
            #expect(String(buffer: write.body) == #"{"success":0,"message":"API key dashboard is read-only; addSession writes"}"#)
            let read = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=peering&action=getSessions&public_id=1", key: readOnlyKey.apiKey, secret: readOnlySecret),
                method: .get)
            #expect(try read.json()["success"] == .int(1))
        }
        #expect(try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }.isEmpty)
    }

    @Test("the Idempotency-Key header makes a retried write return the first answer and append nothing")
    func idempotencyHeader() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            let uri = "/api/v1/api.php?" + signed(Self.addAmazon, key: key.apiKey, secret: secret)
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "add-amazon-1"]
            let first = try await client.execute(uri: uri, method: .get, headers: headers)
            let second = try await client.execute(uri: uri, method: .get, headers: headers)
            #expect(String(buffer: first.body) == String(buffer: second.body))
            #expect(try first.json()["success"] == .int(1))
        }
        #expect(try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }.count == 1)
    }

    @Test("the audit target answers over HTTP")
    func auditOverHTTP() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            _ = try await client.execute(uri: "/api/v1/api.php?" + signed(Self.addAmazon, key: key.apiKey, secret: secret), method: .get)
            let history = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=audit&action=getHistory&session=1", key: readOnlyKey.apiKey, secret: readOnlySecret),
                method: .get)
            let events = try history.json()["data"]?.arrayValue
            #expect(events?.map { $0["type"] } == [.string("SessionAdded")])
        }
    }

    @Test("server logs name the request, the action and the actor, and never a secret, password or signature")
    func logsHoldNoSecrets() async throws {
        let query = signed(Self.addAmazon, key: key.apiKey, secret: secret)
        let hash = String(query.split(separator: "&hash=").last ?? "")
        try await withLiveServer(ledger, logger: logs.logger) { client in
            _ = try await client.execute(uri: "/api/v1/api.php?" + query, method: .get)
            _ = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: "wrong"),
                method: .get)
            // An action name carrying a newline and a secret-looking value is not echoed into the log.
            _ = try await client.execute(
                uri: "/api/v1/api.php?" + signed("target=peering&action=get%0Aace12345", key: key.apiKey, secret: secret), method: .get)
        }
        let text = logs.text
        #expect(text.contains("addSession"))
        #expect(text.contains("noc-automation"))
        for leaked in [secret, "ace12345", hash, hash.removingPercentEncoding ?? hash] {
            #expect(!text.contains(leaked), "log contains \(leaked)")
        }
    }

    @Test("a POST body over 1 MiB is refused with the envelope, not a crash")
    func oversizedBody() async throws {
        try await withLiveServer(ledger, logger: logs.logger) { client in
            let body = ByteBuffer(string: "target=peering&action=addSession&note=" + String(repeating: "a", count: 1_100_000))
            let response = try await client.execute(uri: "/api/v1/api.php", method: .post, body: body)
            #expect(response.status == .contentTooLarge)
            #expect(try response.json()["success"] == .int(0))
        }
    }
}

