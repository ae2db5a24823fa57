import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerAPIv2
import PeerLedgerDomain
import PeerLedgerPeeringDB
import PeerLedgerTestSupport
import Testing

/// A network's history over APIv2, and the scope an API key's creation records.
@Suite("APIv2 network history and key scopes")
struct APIv2NetworkHistoryTests {
    /// The PeeringDB fixture (1&1 Internet is AS8560, net 262, at Equinix Ashburn; we are
    /// AS8038), on a clock that moves a second per reading so each event has its own time.
    static func fixtureLedger() async throws -> Ledger {
        let ledger = try TestLedger(start: "2026-11-20 09:00:00", stepMillis: 1000).ledger
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/peeringdb")
        _ = try await ledger.importPeeringDB(from: PeeringDBFolder(path: fixtures.path), metadata: EventMetadata(actor: "test"))
        try ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        return ledger
    }

    static let session = #"{"public_id":1,"source_asn":8038,"peer_asn":8560,"peer_participant_id":262,"peer_ipaddr":"206.126.236.33"}"#
    static let other = #"{"public_id":1,"source_asn":8038,"peer_asn":16509,"peer_ipaddr":"206.126.236.68"}"#

    /// Every page of `uri`, following `next`, at most `pages` of them.
    static func pages(_ client: any TestClientProtocol, _ uri: String, key: IssuedAPIKey, pages: Int = 20) async throws -> [JSON] {
        var items: [JSON] = []
        var next: String? = uri
        var count = 0
        while let link = next, count < pages {
            let response = try await client.execute(uri: link, method: .get, headers: bearer(key))
            #expect(response.status == .ok)
            let page = try response.json()
            items += page["items"]?.arrayValue ?? []
            next = page["next"]?.stringValue
            count += 1
        }
        #expect(next == nil, "more pages than \(pages)")
        return items
    }

    @Test("a network's history lists its PeeringDB record, a request to it, the answer and a session with it, in log order; as_of stops it then")
    func networkHistoryInOrder() async throws {
        let ledger = try await Self.fixtureLedger()
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            let sent = try await client.execute(
                uri: "/api/v2/requests", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: APIv2ResourceTests.request))
            #expect(sent.status == .created)
            let answered = try await client.execute(
                uri: "/api/v2/requests/1/answer", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"status":"accepted"}"#))
            #expect(answered.status == .ok)
            for body in [Self.session, Self.other] {
                let created = try await client.execute(
                    uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: body))
                #expect(created.status == .created)
            }

            let all = try await Self.pages(client, "/api/v2/networks/8560/history", key: writer)
            let positions = all.compactMap { $0["position"]?.intValue }
            #expect(positions == positions.sorted() && Set(positions).count == positions.count)
            #expect(all.first?["stream"] == .string("pdb-net-262"))
            let ours = all.compactMap { $0["type"]?.stringValue }.filter { !$0.hasPrefix("PeeringDB") }
            #expect(ours == ["PeeringRequestSent", "PeeringRequestAnswered", "SessionAdded"])
            #expect(all.last?["stream"] == .string("session-1"))
            // Nothing about another network: Amazon's session is not in 1&1's history.
            #expect(!all.contains { $0["stream"] == .string("session-2") })

            // The same history two events a page.
            let paged = try await Self.pages(client, "/api/v2/networks/8560/history?limit=2", key: writer)
            #expect(paged.compactMap { $0["position"]?.intValue } == positions)

            // As of the answer: the request and its answer, not the session added after it.
            let answer = try #require(all.first { $0["type"] == .string("PeeringRequestAnswered") })
            let then = try #require(answer["recorded_at"]?.stringValue)
            let past = try await Self.pages(client, "/api/v2/networks/8560/history?as_of=\(then)", key: writer)
            #expect(past.compactMap { $0["type"]?.stringValue }.filter { !$0.hasPrefix("PeeringDB") } == ["PeeringRequestSent", "PeeringRequestAnswered"])

            let unknown = try await client.execute(uri: "/api/v2/networks/64999/history", method: .get, headers: bearer(writer))
            #expect(unknown.status == .notFound)
            #expect(try unknown.json()["code"] == .string("resource.not-found"))
            let invalid = try await client.execute(uri: "/api/v2/networks/0/history", method: .get, headers: bearer(writer))
            #expect(invalid.status == .badRequest)
            #expect(try invalid.json()["code"] == .string("parameter.invalid"))
            let anonymous = try await client.execute(uri: "/api/v2/networks/8560/history", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    // MARK: Key scopes

    @Test("APIKeyCreated records the key's scope; an APIKeyCreated written without one still decodes, hashes as written and verifies")
    func keyScopeRecorded() async throws {
        let (ledger, writer, reader) = try APIv2Tests.ledgerWithKeys()
        let admin = try ledger.createAPIKey(name: "root", scope: .admin, metadata: EventMetadata(actor: "cli:test"))
        let created = try ledger.readNow { db in try AuditQuery(type: "APIKeyCreated").events(db) }
        let scopes = try created.map { event -> String? in
            guard case let .apiKeyCreated(payload) = try LedgerEvent(event) else { return nil }
            return payload.scope
        }
        #expect(scopes == ["write", "read", "admin"])
        #expect(created.map { $0.stream } == [writer, reader, admin].map { "apikey-\($0.key.apiKey)" })
        #expect(created.allSatisfy { !$0.payload.contains(writer.token) && !$0.payload.contains(writer.secret) })

        // An event as keys were recorded before they had scopes.
        let old = APIKeyCreated(apiKey: "9-OLDKEY", name: "legacy", readOnly: true)
        _ = try await ledger.write(EventMetadata(actor: "cli:test")) { tx in
            try tx.append(.apiKeyCreated(old), to: "apikey-9-OLDKEY", expecting: .noStream)
        }
        let stored = try #require(try ledger.readNow { db in try AuditQuery(stream: "apikey-9-OLDKEY").events(db) }.first)
        #expect(stored.payload == #"{"api_key":"9-OLDKEY","name":"legacy","read_only":true}"#)
        guard case let .apiKeyCreated(decoded) = try LedgerEvent(stored) else {
            Issue.record("the stored event is not an APIKeyCreated")
            return
        }
        #expect(decoded.scope == nil)
        #expect(decoded.readOnly)
        let report = try await ledger.reading { reader in try reader.verifyLog() }
        #expect(report.isValid, "\(report.summary)")
    }
}
