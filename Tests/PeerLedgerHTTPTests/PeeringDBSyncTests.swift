import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerPeeringDB
import PeerLedgerTestSupport
import Testing

/// A stand-in for www.peeringdb.com/api on loopback: serves `{"data":[...]}` pages per object
/// type, honouring `since` (records updated at or after it, deleted ones included) the way
/// PeeringDB does, and remembers every request it got.
actor FakePeeringDB {
    struct Record {
        var updated: String
        var json: String
        var deleted: Bool
    }

    var records: [String: [Int: Record]] = [:]
    var requests: [(path: String, since: String?, authorization: String?)] = []

    func put(_ type: String, _ id: Int, updated: String, deleted: Bool = false, _ fields: String) {
        let status = deleted ? "deleted" : "ok"
        records[type, default: [:]][id] = Record(
            updated: updated,
            json: #"{"id": \#(id), \#(fields), "created": "2010-07-29T00:00:00Z", "updated": "\#(updated)", "status": "\#(status)"}"#,
            deleted: deleted)
    }

    func page(_ type: String, since: String?, authorization: String?) -> String {
        requests.append(("/api/\(type)", since, authorization))
        let sinceTime = since.flatMap(Int64.init).map { Timestamp(millis: $0 * 1000) }
        let rows = (records[type] ?? [:]).sorted { $0.key < $1.key }.map(\.value).filter { record in
            guard let sinceTime else { return !record.deleted }
            return (Timestamp(parsing: record.updated) ?? Timestamp(millis: 0)) >= sinceTime
        }
        return #"{"data": [\#(rows.map(\.json).joined(separator: ", "))], "meta": {}}"#
    }

    func takeRequests() -> [(path: String, since: String?, authorization: String?)] {
        defer { requests = [] }
        return requests
    }
}

@Suite("PeeringDB incremental sync over HTTP")
struct PeeringDBSyncTests {
    @Test("a second sync asks each type only for what changed since the newest updated already imported, and applies changes and deletions")
    func incrementalSync() async throws {
        let upstream = FakePeeringDB()
        await upstream.put("org", 2, updated: "2023-10-30T09:54:43Z", #""name": "Equinix, Inc.""#)
        await upstream.put("org", 14, updated: "2021-01-01T00:00:00Z", #""name": "Akamai Technologies, Inc""#)
        await upstream.put("ix", 1, updated: "2024-07-26T15:34:35Z", #""org_id": 2, "name": "Equinix Ashburn""#)
        await upstream.put("ixlan", 1, updated: "2023-01-25T04:18:09Z", #""ix_id": 1"#)
        await upstream.put("net", 2, updated: "2024-01-01T00:00:00Z", #""org_id": 14, "name": "Akamai Technologies", "asn": 20940, "policy_general": "Open""#)
        await upstream.put("net", 1418, updated: "2023-06-01T00:00:00Z", #""org_id": 14, "name": "Amazon.com", "asn": 16509, "policy_general": "Selective""#)
        await upstream.put("netixlan", 38, updated: "2024-02-01T00:00:00Z", #""net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 20940, "ipaddr4": "206.126.236.102""#)
        await upstream.put("netixlan", 39, updated: "2024-02-01T00:00:00Z", #""net_id": 1418, "ix_id": 1, "ixlan_id": 1, "asn": 16509, "ipaddr4": "206.126.236.68""#)

        let router = Router()
        router.get("api/:type") { request, context async throws -> String in
            let type = try context.parameters.require("type")
            return await upstream.page(
                type, since: request.uri.queryParameters.get("since"), authorization: request.headers[.authorization])
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let source = PeeringDBAPI(baseURL: "http://127.0.0.1:\(port)/api", apiKey: "k3y-for-tests")
            let ledger = try Ledger.inMemory()
            let metadata = EventMetadata(actor: "test")

            let first = try await ledger.importPeeringDB(from: source, metadata: metadata)
            #expect(first.eventsAppended == 8)
            let firstRequests = await upstream.takeRequests()
            #expect(firstRequests.map(\.path) == ["/api/org", "/api/ix", "/api/ixlan", "/api/ixpfx", "/api/net", "/api/netixlan", "/api/poc"])
            #expect(firstRequests.allSatisfy { $0.since == nil }, "the first sync takes everything")
            #expect(firstRequests.allSatisfy { $0.authorization == "Api-Key k3y-for-tests" })

            // Upstream: Akamai turns Selective, Amazon leaves Equinix Ashburn.
            await upstream.put("net", 2, updated: "2025-03-01T00:00:00Z", #""org_id": 14, "name": "Akamai Technologies", "asn": 20940, "policy_general": "Selective""#)
            await upstream.put("netixlan", 39, updated: "2025-03-02T00:00:00Z", deleted: true, #""net_id": 1418, "ix_id": 1, "ixlan_id": 1, "asn": 16509, "ipaddr4": "206.126.236.68""#)

            let second = try await ledger.importPeeringDB(from: source, metadata: metadata)
            let secondRequests = await upstream.takeRequests()
            let since = Dictionary(uniqueKeysWithValues: secondRequests.map { ($0.path, $0.since) })
            #expect(since["/api/net"] == "1704067200", "net: since 2024-01-01T00:00:00Z, the newest net updated")
            #expect(since["/api/netixlan"] == "1706745600", "netixlan: since 2024-02-01T00:00:00Z")
            #expect(since["/api/org"] == "1698659683", "org: since 2023-10-30T09:54:43Z")
            #expect(since["/api/ixpfx"] == .some(nil), "no ixpfx yet: everything")
            #expect(second.eventsAppended == 2)
            #expect(second.counts[.net] == .init(created: 0, changed: 1, removed: 0, unchanged: 0), "Amazon (2023) is not asked for again")
            #expect(second.counts[.netixlan] == .init(created: 0, changed: 0, removed: 1, unchanged: 1))
            let types = try ledger.readNow { db in
                try String.fetchAll(db, sql: "SELECT type FROM events ORDER BY position DESC LIMIT 2")
            }
            #expect(types == ["PeeringDBObjectRemoved", "PeeringDBObjectChanged"])

            // Nothing new upstream: the third sync asks from the new marks and appends nothing.
            let third = try await ledger.importPeeringDB(from: source, metadata: metadata)
            let thirdSince = Dictionary(uniqueKeysWithValues: await upstream.takeRequests().map { ($0.path, $0.since) })
            #expect(thirdSince["/api/net"] == "1740787200", "net: since 2025-03-01T00:00:00Z")
            #expect(thirdSince["/api/netixlan"] == "1740873600", "netixlan: since the deletion's updated")
            #expect(third.eventsAppended == 0)

            let api = APIv1(ledger: ledger)
            let answer = try await api.call("action=getCommunications&public_id=1")
            #expect(answer.data?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Akamai Technologies"])
        }
    }

    @Test("an HTTP error from PeeringDB aborts the sync and names the URL, never the key")
    func httpError() async throws {
        let router = Router()
        router.get("api/:type") { _, _ async throws -> String in throw HTTPError(.serviceUnavailable) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let ledger = try Ledger.inMemory()
            do {
                _ = try await ledger.importPeeringDB(
                    from: PeeringDBAPI(baseURL: "http://127.0.0.1:\(port)/api", apiKey: "s3cret"), metadata: EventMetadata(actor: "test"))
                Issue.record("the sync did not fail")
            } catch let error as PeeringDBFetchError {
                #expect(error.description == "http://127.0.0.1:\(port)/api/org?depth=0: HTTP 503 Service Unavailable")
                #expect(!error.description.contains("s3cret"))
            }
            #expect(try ledger.eventCount() == 0)
        }
    }
}
