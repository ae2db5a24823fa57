import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerHTTP
import Testing
import PeerLedgerTestSupport

/// List reads answered from the read-answer cache are authenticated in the same reader access
/// as the cached answer (`APIv1.handle(signed:)`) and sent from one buffer per answer: a kept
/// answer never lets in a call the key no longer allows, and every response carries its bytes.
@Suite("HTTP: kept answers and authentication")
struct KeptAnswerAuthenticationTests {
    static let query = "target=peering&action=getSessions&public_id=1"

    func get(_ client: some TestClientProtocol, _ query: String, key: APIKey, secret: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/api.php?" + signed(query, key: key.apiKey, secret: secret), method: .get)
    }

    @Test func aRevokedKeyIsRefusedOnTheNextCallEvenWhenTheAnswerIsKept() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "dashboard", readOnly: true, metadata: EventMetadata(actor: "cli:test"))
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let first = try await get(client, Self.query, key: key, secret: secret)
            let second = try await get(client, Self.query, key: key, secret: secret)
            #expect(first.status == .ok)
            #expect(String(buffer: second.body) == String(buffer: first.body))
            _ = try ledger.revokeAPIKey("dashboard", metadata: EventMetadata(actor: "cli:test"))
            let revoked = try await get(client, Self.query, key: key, secret: secret)
            #expect(revoked.status == .unauthorized)
            #expect(String(buffer: revoked.body) == #"{"success":0,"message":"Invalid apiKey or hash"}"#)
        }
    }

    @Test func aKeyRevokedByAnotherProcessOnTheSameFileIsRefusedOnTheNextCall() async throws {
        let path = Scratch.url("kept-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try Ledger.open(at: path)
        let (key, secret) = try ledger.createAPIKey(name: "dashboard", readOnly: true, metadata: EventMetadata(actor: "cli:test"))
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            for _ in 0..<3 { #expect(try await get(client, Self.query, key: key, secret: secret).status == .ok) }
            // `peerledger keys revoke` from a shell: another connection, another Ledger.
            let other = try Ledger.open(at: path)
            _ = try other.revokeAPIKey("dashboard", metadata: EventMetadata(actor: "cli:test"))
            #expect(try await get(client, Self.query, key: key, secret: secret).status == .unauthorized)
        }
    }

    @Test func aWrongSignatureOrAStaleTimeIsRefusedEvenWhenTheAnswerIsKept() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "noc", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            #expect(try await get(client, Self.query, key: key, secret: secret).status == .ok)
            #expect(try await get(client, Self.query, key: key, secret: "00000000000000000000000000000000").status == .unauthorized)
            let tampered = signed(Self.query, key: key.apiKey, secret: secret).replacingOccurrences(of: "public_id=1", with: "public_id=2")
            #expect(try await client.execute(uri: "/api/v1/api.php?" + tampered, method: .get).status == .unauthorized)
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await get(client, Self.query + "&time=\(now)", key: key, secret: secret).status == .ok)
            let stale = try await get(client, Self.query + "&time=\(now - 400)", key: key, secret: secret)
            #expect(stale.status == .unauthorized)
            #expect(String(buffer: stale.body).contains("refused as a possible replay"))
            // Unsigned: refused before anything is read.
            #expect(try await client.execute(uri: "/api/v1/api.php?" + Self.query, method: .get).status == .unauthorized)
        }
    }

    @Test func keptAnswersAreSentWholeToEveryCallAndAWriteIsSeenByTheNext() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "noc", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let before = try await get(client, Self.query, key: key, secret: secret)
            // The seed says "No peers found." for an empty getSessions too.
            #expect(String(buffer: before.body) == #"{"success":1,"message":"No peers found."}"#)
            let add = try await get(client, HTTPTests.addAmazon, key: key, secret: secret)
            #expect(String(buffer: add.body).contains(#""success":1"#))
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { String(buffer: try await get(client, Self.query, key: key, secret: secret).body) } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            let expected = await APIv1(ledger: ledger).handle(
                APIRequest(parameters: try Parameters(formEncoded: Self.query), actor: "noc")).text
            #expect(expected.contains("1 sessions found."))
            #expect(bodies == Array(repeating: expected, count: 8))
        }
    }

    @Test func aCallTheCacheCannotAnswerIsAuthenticatedFirstThenHandled() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "noc", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            // An unknown parameter on a cached action: refused (success:0) once let in, 401 before.
            let bogus = Self.query + "&bogus=1"
            #expect(try await get(client, bogus, key: key, secret: "00000000000000000000000000000000").status == .unauthorized)
            let refused = try await get(client, bogus, key: key, secret: secret)
            #expect(refused.status == .ok)
            #expect(String(buffer: refused.body) == #"{"success":0,"message":"getSessions does not take parameter bogus"}"#)
            // as_of is never cached; it still answers.
            let past = try await get(client, Self.query + "&as_of=2020-01-01", key: key, secret: secret)
            #expect(String(buffer: past.body).contains(#""success":1"#))
        }
    }
}
