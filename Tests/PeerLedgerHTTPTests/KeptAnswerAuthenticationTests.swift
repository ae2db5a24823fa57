import Foundation
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// List reads answered from the read-answer cache are authenticated in the same reader access
/// as the cached answer (`APIv1.handle(signed:)`) and sent from one buffer per answer: a kept
/// answer never lets in a call the key no longer allows, and every response carries its bytes.
@Suite("HTTP: kept answers and authentication")
struct KeptAnswerAuthenticationTests {
    static let query = "target=peering&action=getSessions&public_id=1"

    @Test func aRevokedKeyIsRefusedOnTheNextCallEvenWhenTheAnswerIsKept() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "dashboard", readOnly: true, metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger) { client in
            let signer = SignedClient(client, key: key.apiKey, secret: secret)
            let first = try await signer.get(Self.query)
            let second = try await signer.get(Self.query)
            #expect(first.status == .ok)
            #expect(String(buffer: second.body) == String(buffer: first.body))
            _ = try ledger.revokeAPIKey("dashboard", metadata: EventMetadata(actor: "cli:test"))
            let revoked = try await signer.get(Self.query)
            #expect(revoked.status == .unauthorized)
            #expect(String(buffer: revoked.body) == #"{"success":0,"message":"Invalid apiKey or hash"}"#)
        }
    }

    @Test func aKeyRevokedByAnotherProcessOnTheSameFileIsRefusedOnTheNextCall() async throws {
        let path = Scratch.url("kept-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try Ledger.open(at: path)
        let (key, secret) = try ledger.createAPIKey(name: "dashboard", readOnly: true, metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger) { client in
            let signer = SignedClient(client, key: key.apiKey, secret: secret)
            for _ in 0..<3 { #expect(try await signer.get(Self.query).status == .ok) }
            // `peerledger keys revoke` from a shell: another connection, another Ledger.
            let other = try Ledger.open(at: path)
            _ = try other.revokeAPIKey("dashboard", metadata: EventMetadata(actor: "cli:test"))
            #expect(try await signer.get(Self.query).status == .unauthorized)
        }
    }

    @Test func aWrongSignatureOrAStaleTimeIsRefusedEvenWhenTheAnswerIsKept() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "noc", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger) { client in
            let signer = SignedClient(client, key: key.apiKey, secret: secret)
            #expect(try await signer.get(Self.query).status == .ok)
            #expect(try await SignedClient(client, key: key.apiKey, secret: "00000000000000000000000000000000").get(Self.query).status == .unauthorized)
            let tampered = signed(Self.query, key: key.apiKey, secret: secret).replacingOccurrences(of: "public_id=1", with: "public_id=2")
            #expect(try await client.execute(uri: "/api/v1/api.php?" + tampered, method: .get).status == .unauthorized)
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await signer.get(Self.query + "&time=\(now)").status == .ok)
            let stale = try await signer.get(Self.query + "&time=\(now - 400)")
            #expect(stale.status == .unauthorized)
            #expect(String(buffer: stale.body).contains("refused as a possible replay"))
            // Unsigned: refused before anything is read.
            #expect(try await client.execute(uri: "/api/v1/api.php?" + Self.query, method: .get).status == .unauthorized)
        }
    }

    @Test func keptAnswersAreSentWholeToEveryCallAndAWriteIsSeenByTheNext() async throws {
        let ledger = try Ledger.inMemory()
        let (key, secret) = try ledger.createAPIKey(name: "noc", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger) { client in
            let signer = SignedClient(client, key: key.apiKey, secret: secret)
            let before = try await signer.get(Self.query)
            // The seed says "No peers found." for an empty getSessions too.
            #expect(String(buffer: before.body) == #"{"success":1,"message":"No peers found."}"#)
            let add = try await signer.get(HTTPTests.addAmazon)
            #expect(String(buffer: add.body).contains(#""success":1"#))
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { String(buffer: try await signer.get(Self.query).body) } }
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
        try await withLiveServer(ledger) { client in
            let signer = SignedClient(client, key: key.apiKey, secret: secret)
            // An unknown parameter on a cached action: refused (success:0) once let in, 401 before.
            let bogus = Self.query + "&bogus=1"
            #expect(try await SignedClient(client, key: key.apiKey, secret: "00000000000000000000000000000000").get(bogus).status == .unauthorized)
            let refused = try await signer.get(bogus)
            #expect(refused.status == .ok)
            #expect(String(buffer: refused.body) == #"{"success":0,"message":"getSessions does not take parameter bogus"}"#)
            // as_of is never cached; it still answers.
            let past = try await signer.get(Self.query + "&as_of=2020-01-01")
            #expect(String(buffer: past.body).contains(#""success":1"#))
        }
    }
}
