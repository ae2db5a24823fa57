import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// API key rows kept beside the read-answer cache's answers: valid at the one position they were
/// read at, so a key created or revoked (an event, a new position) is read again.
@Suite struct KeptKeyTests {
    static func stored(_ name: String, revoked: Bool = false) -> StoredAPIKey {
        StoredAPIKey(
            key: APIKey(apiKey: "1-\(name)", name: name, readOnly: true, createdAt: "2026-11-20 09:00:00", revokedAt: revoked ? "x" : nil),
            secret: "00112233445566778899aabbccddeeff")
    }

    @Test func aKeptKeyRowHoldsOnlyAtThePositionItWasReadAt() {
        let cache = ReadAnswerCache()
        cache.store(Self.stored("dashboard"), at: 7)
        #expect(cache.storedKey("1-dashboard", at: 7)?.key.name == "dashboard")
        #expect(cache.storedKey("1-dashboard", at: 8) == nil)
        #expect(cache.storedKey("1-other", at: 7) == nil)
        // A reader on an older snapshot keeps nothing over the newer position.
        cache.store(Self.stored("older"), at: 6)
        #expect(cache.storedKey("1-older", at: 6) == nil)
        // An answer at a newer position forgets the keys of the older one.
        cache.store(APIAnswer.success(Reply("ok")), for: "k", at: 9)
        #expect(cache.storedKey("1-dashboard", at: 7) == nil)
        #expect(cache.storedKey("1-dashboard", at: 9) == nil)
        cache.store(Self.stored("dashboard"), at: 9)
        cache.removeAll()
        #expect(cache.storedKey("1-dashboard", at: 9) == nil)
    }

    @Test func aRevokedKeyIsRefusedAfterItsRowWasKept() async throws {
        let t = try TestLedger()
        let (key, secret) = try t.ledger.createAPIKey(name: "dashboard", readOnly: true, metadata: EventMetadata(actor: "test"))
        let raw = signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret)
        for _ in 0..<3 {
            let (by, answer, _) = try await t.api.handle(signed: raw)
            #expect(by.name == "dashboard")
            #expect(answer.succeeded)
        }
        _ = try t.ledger.revokeAPIKey("dashboard", metadata: EventMetadata(actor: "test"))
        await #expect(throws: AuthenticationFailure(message: "Invalid apiKey or hash")) {
            _ = try await t.api.handle(signed: raw)
        }
        // A wrong signature is refused even while the key's row is kept.
        let other = try t.ledger.createAPIKey(name: "other", readOnly: true, metadata: EventMetadata(actor: "test"))
        let good = signed("target=peering&action=getSessions&public_id=1", key: other.key.apiKey, secret: other.secret)
        _ = try await t.api.handle(signed: good)
        let forged = signed("target=peering&action=getSessions&public_id=1", key: other.key.apiKey, secret: secret)
        await #expect(throws: AuthenticationFailure(message: "Invalid apiKey or hash")) {
            _ = try await t.api.handle(signed: forged)
        }
    }
}
