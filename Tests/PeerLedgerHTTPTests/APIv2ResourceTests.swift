import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerAPIv2
import PeerLedgerDomain
import PeerLedgerFixtures
import PeerLedgerPeeringDB
import PeerLedgerRouters
import PeerLedgerTestSupport
import Testing

/// APIv2's networks at an exchange, peering requests and routers, over the live server, checked
/// against what APIv1 answers for the same ledger.
@Suite("APIv2 networks, requests and routers")
struct APIv2ResourceTests {
    static let shape = WorldShape(
        networks: 40, exchanges: 4, netixlans: 60, contacts: 10, bigExchangeMembers: 12, ownExchanges: 3, sessions: 20,
        requests: 6, events: 1_500)

    /// A small synthetic world with our own network (net 1) set.
    static func world() async throws -> Ledger {
        let ledger = try SyntheticWorld.openLedger(at: nil)
        _ = try await SyntheticWorld(shape: shape, seed: 5).build(into: ledger, scratch: Scratch.folder)
        try ledger.setOwnNetwork(asn: SyntheticPeeringDB.asn(SyntheticWorld.ownNetID), metadata: EventMetadata(actor: "test"))
        return ledger
    }

    /// The PeeringDB fixture (Equinix Ashburn and Chicago; 6connect is us, AS8038).
    static func fixtureLedger() async throws -> Ledger {
        let ledger = try Ledger.inMemory()
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/peeringdb")
        _ = try await ledger.importPeeringDB(from: PeeringDBFolder(path: fixtures.path), metadata: EventMetadata(actor: "test"))
        try ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        return ledger
    }

    static let request = """
        {"public_id":1,"peer_participant_id":262,"source_participant_id":2335,"peer_name":"1&1 Internet","peer_asn":8560,
        "email_from":"ops@6connect.com","email_to":"peering@1und1.net","subject":"Peering request","body":"Hello.",
        "type":"text","status":"sent"}
        """

    // MARK: Networks

    @Test("the networks at the big exchange show, for every network, the is_peer, qualified and request_status getPeers gives")
    func networksMatchGetPeers() async throws {
        let ledger = try await Self.world()
        let key = try ledger.createAPIKey(name: "dashboard", scope: .read, metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            let response = try await client.execute(
                uri: "/api/v2/exchanges/\(SyntheticWorld.bigExchange)/networks?limit=1000", method: .get, headers: bearer(key))
            #expect(response.status == .ok)
            let page = try response.json()
            #expect(page["next"] == nil)
            let networks = try #require(page["items"]?.arrayValue)

            let v1 = try await SignedClient(client, key: key.key.apiKey, secret: key.secret).call(
                "action=getPeers&public_id=\(SyntheticWorld.bigExchange)")
            let peers = try #require(v1.body["data"]?.arrayValue)
            #expect(networks.count == peers.count)
            #expect(networks.count == Self.shape.bigExchangeMembers - 1)  // every member but us
            var byID: [Int64: JSON] = [:]
            for peer in peers {
                if let id = peer["id"]?.stringValue.flatMap({ Int64($0) }) { byID[id] = peer }
            }
            var peered = 0, requested = 0
            for network in networks {
                let id = try #require(network["id"]?.intValue)
                let peer = try #require(byID[id], "network \(id) is not in getPeers")
                #expect(network["public_id"] == .int(SyntheticWorld.bigExchange))
                #expect(network["name"] == peer["name"])
                #expect(network["asn"]?.intValue.map(String.init) == peer["asn"]?.stringValue)
                let isPeer = peer["is_peer"] == .int(1)
                #expect(network["is_peer"] == .bool(isPeer))
                #expect(network["qualified"] == peer["qualified"])
                let status = peer["request_status"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                #expect(network["request_status"]?.stringValue == status)
                if isPeer { peered += 1 }
                if status != nil { requested += 1 }
            }
            // The world has sessions and requests at the big exchange: both kinds of status are shown.
            #expect(peered > 0)
            #expect(requested > 0)
            #expect(networks.map { $0["id"]?.intValue ?? 0 } == networks.map { $0["id"]?.intValue ?? 0 }.sorted())
        }
    }

    @Test("networks page by network id to the end; getPeers' filters narrow them; a bad filter is 400 and an unknown exchange 404")
    func networksPagesAndFilters() async throws {
        let ledger = try await Self.world()
        let key = try ledger.createAPIKey(name: "dashboard", scope: .read, metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            let all = try await client.execute(uri: "/api/v2/exchanges/1/networks?limit=1000", method: .get, headers: bearer(key)).json()
            let ids = all["items"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
            var paged: [Int64] = []
            var next: String? = "/api/v2/exchanges/1/networks?limit=5"
            var pages = 0
            while let uri = next, pages < 10 {
                let page = try await client.execute(uri: uri, method: .get, headers: bearer(key)).json()
                paged += page["items"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
                next = page["next"]?.stringValue
                pages += 1
            }
            #expect(paged == ids)
            #expect(pages == 3)  // 11 networks, 5 a page

            let first = try #require(all["items"]?.arrayValue?.first)
            let asn = try #require(first["asn"]?.intValue)
            let byASN = try await client.execute(
                uri: "/api/v2/exchanges/1/networks?asn=AS\(asn)", method: .get, headers: bearer(key)).json()
            #expect(byASN["items"]?.arrayValue?.count == 1)
            #expect(byASN["items"]?.arrayValue?.first?["id"] == first["id"])

            let bad = try await client.execute(uri: "/api/v2/exchanges/1/networks?asn=not-an-asn", method: .get, headers: bearer(key))
            #expect(bad.status == .badRequest)
            #expect(bad.headers[.contentType] == "application/problem+json")
            #expect(try bad.json()["code"] == .string("parameter.invalid"))

            let unknown = try await client.execute(uri: "/api/v2/exchanges/99999/networks", method: .get, headers: bearer(key))
            #expect(unknown.status == .notFound)
            #expect(try unknown.json()["code"] == .string("resource.not-found"))

            let anonymous = try await client.execute(uri: "/api/v2/exchanges/1/networks", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    // MARK: Requests

    @Test("a request sent over APIv2 is recorded and queued, shows as sent at the exchange, and an Idempotency-Key repeat sends nothing")
    func sendRequestRecordsAndQueues() async throws {
        let ledger = try await Self.fixtureLedger()
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            var headers = bearer(writer, json: true)
            headers[HTTPField.Name("Idempotency-Key")!] = "request-262"
            let sent = try await client.execute(uri: "/api/v2/requests", method: .post, headers: headers, body: ByteBuffer(string: Self.request))
            #expect(sent.status == .created)
            #expect(sent.headers[.location] == "/api/v2/requests/1")
            let request = try sent.json()
            #expect(request["id"] == .int(1))
            #expect(request["status"] == .string("sent"))
            #expect(request["delivery_status"] == .string("queued"))
            #expect(request["peer_participant_id"] == .int(262))
            #expect(request["source_asn"] == .int(8038))
            #expect(request["email_to"] == .string("peering@1und1.net"))
            #expect(request["created"]?.stringValue?.hasSuffix("Z") == true)
            let events = try ledger.eventCount()

            let repeated = try await client.execute(uri: "/api/v2/requests", method: .post, headers: headers, body: ByteBuffer(string: Self.request))
            #expect(repeated.status == .created)
            #expect(try repeated.json()["id"] == .int(1))
            #expect(repeated.body == sent.body)
            #expect(try ledger.eventCount() == events)

            // A second request to the same network within the quiet period, without force.
            let again = try await client.execute(
                uri: "/api/v2/requests", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.request))
            #expect(again.status.code == 422)
            #expect(try again.json()["code"] == .string("request.within-quiet-period"))

            let networks = try await client.execute(uri: "/api/v2/exchanges/1/networks?id=262", method: .get, headers: bearer(writer)).json()
            #expect(networks["items"]?.arrayValue?.first?["request_status"] == .string("sent"))

            let listed = try await client.execute(uri: "/api/v2/requests?peer_participant_id=262", method: .get, headers: bearer(writer)).json()
            #expect(listed["items"]?.arrayValue?.map { $0["id"] } == [.int(1)])
            let none = try await client.execute(uri: "/api/v2/requests?peer_participant_id=2", method: .get, headers: bearer(writer)).json()
            #expect(none["items"]?.arrayValue?.isEmpty == true)
            let before = try await client.execute(uri: "/api/v2/requests?as_of=2000-01-01", method: .get, headers: bearer(writer)).json()
            #expect(before["items"]?.arrayValue?.isEmpty == true)
        }
        #expect(try ledger.readNow { db in try AuditQuery().events(db) }.filter { $0.type == "PeeringRequestSent" }.count == 1)
    }

    @Test("a request to an unknown network is refused with its code and records nothing; a read key cannot send")
    func sendRequestRefusals() async throws {
        let ledger = try await Self.fixtureLedger()
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "test"))
        let reader = try ledger.createAPIKey(name: "dashboard", scope: .read, metadata: EventMetadata(actor: "test"))
        let before = try ledger.eventCount()
        try await withLiveServer(ledger) { client in
            let unknown = Self.request.replacingOccurrences(of: #""peer_participant_id":262"#, with: #""peer_participant_id":77777"#)
            let refused = try await client.execute(
                uri: "/api/v2/requests", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: unknown))
            #expect(refused.status.code == 422)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(try refused.json()["code"] == .string("request.unknown-network"))

            let badMail = Self.request.replacingOccurrences(of: "peering@1und1.net", with: "not a mailbox")
            let invalid = try await client.execute(
                uri: "/api/v2/requests", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: badMail))
            #expect(invalid.status == .badRequest)
            #expect(try invalid.json()["code"] == .string("parameter.invalid"))

            let forbidden = try await client.execute(
                uri: "/api/v2/requests", method: .post, headers: bearer(reader, json: true), body: ByteBuffer(string: Self.request))
            #expect(forbidden.status == .forbidden)
            #expect(try forbidden.json()["code"] == .string("auth.scope-insufficient"))
        }
        #expect(try ledger.eventCount() == before)
    }

    @Test("answering a request records the answer, the network's status at the exchange becomes it, and a second answer is 409")
    func answerRequest() async throws {
        let ledger = try await Self.fixtureLedger()
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            let sent = try await client.execute(
                uri: "/api/v2/requests", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.request))
            let id = try #require(try sent.json()["id"]?.intValue)

            let answered = try await client.execute(
                uri: "/api/v2/requests/\(id)/answer", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"status":"accepted"}"#))
            #expect(answered.status == .ok)
            #expect(try answered.json()["status"] == .string("accepted"))

            let got = try await client.execute(uri: "/api/v2/requests/\(id)", method: .get, headers: bearer(writer)).json()
            #expect(got["status"] == .string("accepted"))
            let networks = try await client.execute(uri: "/api/v2/exchanges/1/networks?id=262", method: .get, headers: bearer(writer)).json()
            #expect(networks["items"]?.arrayValue?.first?["request_status"] == .string("accepted"))

            let twice = try await client.execute(
                uri: "/api/v2/requests/\(id)/answer", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"status":"rejected"}"#))
            #expect(twice.status == .conflict)
            #expect(try twice.json()["code"] == .string("request.answered"))

            let missing = try await client.execute(
                uri: "/api/v2/requests/999/answer", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"status":"accepted"}"#))
            #expect(missing.status == .notFound)
            #expect(try missing.json()["code"] == .string("resource.not-found"))

            let badAnswer = try await client.execute(
                uri: "/api/v2/requests/\(id)/answer", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"status":"maybe"}"#))
            #expect(badAnswer.status == .badRequest)
        }
        let answers = try ledger.readNow { db in try AuditQuery().events(db) }.filter { $0.type == "PeeringRequestAnswered" }
        #expect(answers.count == 1)
        #expect(answers.first?.stream == "request-1")
    }

    @Test("requests page in id order by following next, and the peer filter and as_of are kept in the link")
    func requestsPaged() async throws {
        let ledger = try await Self.fixtureLedger()
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            for (participant, asn, name) in [(262, 8560, "1&1 Internet"), (2, 20940, "Akamai Technologies"), (1418, 16509, "Amazon.com")] {
                let body = Self.request
                    .replacingOccurrences(of: #""peer_participant_id":262"#, with: #""peer_participant_id":\#(participant)"#)
                    .replacingOccurrences(of: #""peer_asn":8560"#, with: #""peer_asn":\#(asn)"#)
                    .replacingOccurrences(of: "1&1 Internet", with: name)
                let sent = try await client.execute(
                    uri: "/api/v2/requests", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: body))
                #expect(sent.status == .created, "\(String(buffer: sent.body))")
            }
            let first = try await client.execute(uri: "/api/v2/requests?limit=2", method: .get, headers: bearer(writer)).json()
            #expect(first["items"]?.arrayValue?.map { $0["id"] } == [.int(1), .int(2)])
            #expect(first["items"]?.arrayValue?.map { $0["peer_participant_id"] } == [.int(262), .int(2)])
            let next = try #require(first["next"]?.stringValue)
            #expect(next == "/api/v2/requests?limit=2&cursor=2")
            let second = try await client.execute(uri: next, method: .get, headers: bearer(writer)).json()
            #expect(second["items"]?.arrayValue?.map { $0["id"] } == [.int(3)])
            #expect(second["items"]?.arrayValue?.first?["peer_name"] == .string("Amazon.com"))
            #expect(second["next"] == nil)
        }
    }

    // MARK: Routers

    @Test("routers list their id, name, platform and access, never a password; as_of before a router was added lists none")
    func routersListed() async throws {
        let ledger = try Ledger.inMemory()
        let key = try ledger.createAPIKey(name: "dashboard", scope: .read, metadata: EventMetadata(actor: "test"))
        try ledger.addRouter(
            RouterRegistration(
                id: 422, name: "ar1.inoc.com", platform: .frr, access: RouterAccess(kind: .ssh, host: "192.0.2.1", user: "peerledger"),
                sshPassword: "router-login-secret"),
            metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            let response = try await client.execute(uri: "/api/v2/routers", method: .get, headers: bearer(key))
            #expect(response.status == .ok)
            #expect(!String(buffer: response.body).contains("router-login-secret"))
            let routers = try #require(try response.json()["items"]?.arrayValue)
            #expect(routers.count == 1)
            #expect(routers.first?["id"] == .int(422))
            #expect(routers.first?["name"] == .string("ar1.inoc.com"))
            #expect(routers.first?["platform"] == .string("frr"))
            #expect(routers.first?["access"] == .string("ssh"))

            let past = try await client.execute(uri: "/api/v2/routers?as_of=2000-01-01", method: .get, headers: bearer(key)).json()
            #expect(past["items"]?.arrayValue?.isEmpty == true)
            let badLimit = try await client.execute(uri: "/api/v2/routers?limit=0", method: .get, headers: bearer(key))
            #expect(badLimit.status == .badRequest)
        }
    }
}
