import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

@testable import PeerLedgerHTTP

/// APIv2's list reads kept between writes: never stale, never another token's, never a read the
/// rule leaves out.
@Suite("APIv2 read cache")
struct APIv2ReadCacheTests {
    let ledger: Ledger
    let writer: IssuedAPIKey
    let reader: IssuedAPIKey

    init() throws {
        (ledger, writer, reader) = try APIv2Tests.ledgerWithKeys()
    }

    @Test("a repeated session list gives the same bytes, and after a write the new session is in the next answer")
    func neverStaleAfterAWrite() async throws {
        try await withLiveServer(ledger) { client in
            let first = try await client.execute(uri: "/api/v2/sessions?public_id=1", method: .get, headers: bearer(reader))
            #expect(first.status == .ok)
            #expect(try first.json()["items"]?.arrayValue?.count == 0)
            let again = try await client.execute(uri: "/api/v2/sessions?public_id=1", method: .get, headers: bearer(reader))
            #expect(again.body == first.body)
            #expect(again.headers[.contentType] == first.headers[.contentType])

            let created = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: APIv2Tests.session(peer: "206.126.236.68")))
            #expect(created.status == .created)

            let after = try await client.execute(uri: "/api/v2/sessions?public_id=1", method: .get, headers: bearer(reader))
            let items = try after.json()["items"]?.arrayValue ?? []
            #expect(items.count == 1)
            #expect(items.first?["peer_ipaddr"] == .string("206.126.236.68"))
        }
    }

    @Test("a kept answer goes to no other token: a wrong token is 401 and a revoked one is 401 after its answer was kept")
    func onlyToItsToken() async throws {
        try await withLiveServer(ledger) { client in
            let kept = try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader))
            #expect(kept.status == .ok)
            let wrong = try await client.execute(
                uri: "/api/v2/sessions", method: .get, headers: [.authorization: "Bearer plt_" + String(repeating: "1", count: 64)])
            #expect(wrong.status == .unauthorized)
            let none = try await client.execute(uri: "/api/v2/sessions", method: .get)
            #expect(none.status == .unauthorized)

            _ = try ledger.revokeAPIKey(reader.key.apiKey, metadata: EventMetadata(actor: "cli:test"))
            let revoked = try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader))
            #expect(revoked.status == .unauthorized)
            #expect(try revoked.json()["code"] == .string("auth.token-invalid"))
        }
    }

    @Test("only GETs of sessions and exchanges without as_of are kept; the log, its stream, webhooks and writes never are")
    func whatIsKept() throws {
        func key(_ method: HTTPRequest.Method, _ uri: String) -> String? {
            APIv2ReadCache.key(Request(head: HTTPRequest(method: method, scheme: "http", authority: "x", path: uri), body: .init(buffer: ByteBuffer())))
        }
        #expect(key(.get, "/api/v2/sessions?public_id=1") != nil)
        #expect(key(.get, "/api/v2/exchanges") != nil)
        #expect(key(.get, "/api/v2/exchanges/7/networks?limit=10") != nil)
        #expect(key(.get, "/api/v2/sessions?as_of=2026-01-01T00:00:00Z") == nil)
        #expect(key(.post, "/api/v2/sessions") == nil)
        #expect(key(.get, "/api/v2/sessions/5") == nil)
        #expect(key(.get, "/api/v2/events") == nil)
        #expect(key(.get, "/api/v2/events/stream") == nil)
        #expect(key(.get, "/api/v2/webhooks") == nil)
        #expect(key(.get, "/api/v1/api.php?action=getSessions") == nil)
    }
}
