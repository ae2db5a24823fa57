import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerAPIv2
import PeerLedgerDomain
import PeerLedgerRouters
import PeerLedgerTestSupport
import Testing

/// APIv2's configuration resources over the live server, with routers in memory: rendered per
/// platform as APIv1 renders them, a dry run that pushes and records nothing, a push recorded as
/// APIv1 records it, and each refusal with its code.
@Suite("APIv2 configurations")
struct APIv2ConfigurationTests {
    let ledger: Ledger
    let writer: IssuedAPIKey
    let reader: IssuedAPIKey
    let router = FakeRouter()

    /// ar1.inoc.com (422, FRR), rs1.inoc.com (423, BIRD) and mx1.inoc.com (424, Junos).
    init() throws {
        (ledger, writer, reader) = try APIv2Tests.ledgerWithKeys()
        let metadata = EventMetadata(actor: "cli:test")
        for (id, name, platform) in [(422, "ar1.inoc.com", RouterPlatform.frr), (423, "rs1.inoc.com", .bird2), (424, "mx1.inoc.com", .junos)] {
            try ledger.addRouter(
                RouterRegistration(id: Int64(id), name: name, platform: platform, access: RouterAccess(kind: .local)), metadata: metadata)
        }
    }

    /// The seed's Amazon.com session (password ace12345) on router `resource`.
    static func amazon(on resource: Int?) -> String {
        let router = resource.map { #","resource_id":\#($0)"# } ?? ""
        return #"{"public_id":1,"source_asn":8038,"source_ipaddr":"1.2.3.5","peer_asn":16509,"peer_name":"Amazon.com","peer_ipaddr":"206.126.236.68","prfx_max":200,"password":"ace12345"\#(router)}"#
    }

    /// Creates the session over APIv2 and answers its id.
    func create(_ client: any TestClientProtocol, _ body: String) async throws -> Int64 {
        let created = try await client.execute(
            uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: body))
        #expect(created.status == .created)
        return try #require(try created.json()["id"]?.intValue)
    }

    func types() throws -> [String] { try ledger.readNow { db in try AuditQuery().events(db) }.map(\.type) }

    // MARK: Render

    @Test("the configuration is the FRR and the BIRD text APIv1's dry run renders, its password redacted, and reading it records nothing")
    func renderFRRAndBIRD() async throws {
        try await withLiveServer(ledger, routers: router) { client in
            let frr = try await create(client, Self.amazon(on: 422))
            let bird = try await create(client, Self.amazon(on: 423).replacingOccurrences(of: "206.126.236.68", with: "206.126.236.69"))
            let before = try ledger.eventCount()
            let v1 = SignedClient(client, key: writer.key.apiKey, secret: writer.secret)
            for (id, platform, routerName, line) in [
                (frr, "frr", "ar1.inoc.com", "neighbor 206.126.236.68 remote-as 16509"),
                (bird, "bird2", "rs1.inoc.com", "protocol bgp peerledger_session_\(bird) {"),
            ] {
                let response = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration", method: .get, headers: bearer(reader))
                #expect(response.status == .ok)
                let answer = try response.json()
                #expect(answer["session_id"] == .int(id))
                #expect(answer["platform"] == .string(platform))
                #expect(answer["router_name"] == .string(routerName))
                #expect(answer["operation"] == .string("configure"))
                let config = try #require(answer["config"]?.stringValue)
                #expect(config.contains(line))
                #expect(config.contains("<redacted>"))
                #expect(!config.contains("ace12345"))
                let dryRun = try await v1.call("action=configureSession&session_id=\(id)&dry_run=1")
                #expect(dryRun.data?["config"]?.stringValue == config)
            }
            #expect(try ledger.eventCount() == before)
        }
        #expect(router.pushed.isEmpty)
    }

    @Test("as_of renders the session as it stood then: a limit changed since is not in the configuration of before")
    func renderAsOf() async throws {
        let stepping = try TestLedger(start: "2026-11-20 09:00:00", stepMillis: 1000)
        let ledger = stepping.ledger
        try registerAR1(ledger)
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger, routers: router) { client in
            let created = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.amazon(on: 422)))
            let id = try #require(try created.json()["id"]?.intValue)
            let before = try #require(try created.json()["modified"]?.stringValue)
            let patched = try await client.execute(
                uri: "/api/v2/sessions/\(id)", method: .patch, headers: bearer(writer, json: true), body: ByteBuffer(string: #"{"prfx_max":300}"#))
            #expect(patched.status == .ok)
            let now = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration", method: .get, headers: bearer(writer)).json()
            #expect(now["config"]?.stringValue?.contains("maximum-prefix 300") == true)
            let then = try await client.execute(
                uri: "/api/v2/sessions/\(id)/configuration?as_of=\(before)", method: .get, headers: bearer(writer)).json()
            #expect(then["config"]?.stringValue?.contains("maximum-prefix 200") == true)
            #expect(then["config"]?.stringValue?.contains("<redacted>") == true)
        }
    }

    // MARK: Dry run

    @Test("the dry run answers APIv1's diff against the running configuration, pushes nothing and records nothing")
    func dryRunDiffs() async throws {
        router.setRunning("router bgp 8038\n neighbor 206.126.236.68 remote-as 16509\n neighbor 206.126.236.68 maximum-prefix 100\n")
        try await withLiveServer(ledger, routers: router) { client in
            let id = try await create(client, Self.amazon(on: 422))
            let before = try ledger.eventCount()
            let response = try await client.execute(
                uri: "/api/v2/sessions/\(id)/configuration/dry-run", method: .post, headers: bearer(writer))
            #expect(response.status == .ok)
            let answer = try response.json()
            let diff = try #require(answer["diff"]?.arrayValue?.compactMap { $0.stringValue })
            #expect(diff.contains("+ neighbor 206.126.236.68 password <redacted>"))
            #expect(!diff.joined().contains("ace12345"))
            #expect(!diff.contains("+ neighbor 206.126.236.68 remote-as 16509"))
            let v1 = try await SignedClient(client, key: writer.key.apiKey, secret: writer.secret)
                .call("action=configureSession&session_id=\(id)&dry_run=1")
            #expect(v1.data?["diff"]?.arrayValue?.compactMap { $0.stringValue } == diff)
            #expect(try ledger.eventCount() == before)
        }
        #expect(router.pushed.isEmpty)
    }

    @Test("a dry run against a router that cannot be reached is 503 router.unreachable and records nothing")
    func dryRunUnreachable() async throws {
        try await withLiveServer(ledger, routers: router) { client in
            let id = try await create(client, Self.amazon(on: 422))
            router.fail(with: .unreachable("no route to host"))
            let before = try ledger.eventCount()
            let response = try await client.execute(
                uri: "/api/v2/sessions/\(id)/configuration/dry-run", method: .post, headers: bearer(writer))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.json()
            #expect(problem["code"] == .string("router.unreachable"))
            #expect(problem["detail"] == .string("Unable to reach router ar1.inoc.com: no route to host"))
            #expect(try ledger.eventCount() == before)
        }
    }

    // MARK: Push

    @Test("a push records requested then applied, as APIv1's configureSession, and an Idempotency-Key repeat pushes and records nothing")
    func pushRecordsAsV1() async throws {
        try await withLiveServer(ledger, routers: router) { client in
            let id = try await create(client, Self.amazon(on: 422))
            var headers = bearer(writer)
            headers[HTTPField.Name("Idempotency-Key")!] = "push-amazon-1"
            let pushed = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration/push", method: .post, headers: headers)
            #expect(pushed.status == .ok)
            let session = try pushed.json()
            #expect(session["state"] == .string("configured"))
            #expect(pushed.headers[.eTag] == "\"3\"")
            #expect(router.pushed.count == 1)
            #expect(router.pushed.first?.text.contains("neighbor 206.126.236.68 password ace12345\n") == true)
            let count = try ledger.eventCount()

            let again = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration/push", method: .post, headers: headers)
            #expect(again.status == .ok)
            #expect(try again.json()["state"] == .string("configured"))
            #expect(router.pushed.count == 1)
            #expect(try ledger.eventCount() == count)
        }
        #expect(Array(try types().suffix(3)) == ["SessionAdded", "SessionConfigurationRequested", "SessionConfigurationApplied"])
        let requested = try #require(try ledger.readNow { db in try AuditQuery(type: "SessionConfigurationRequested").events(db) }.first)
        #expect(requested.payload.contains("neighbor 206.126.236.68 password <redacted>"))
        #expect(!requested.payload.contains("ace12345"))
        #expect(try JSON.parse(requested.metadata)["actor"] == .string("automation"))
    }

    @Test("a push the router refuses is recorded as failed and answered 502 or 503 with the router's code, never 500")
    func pushFailuresRecorded() async throws {
        try await withLiveServer(ledger, routers: router) { client in
            let id = try await create(client, Self.amazon(on: 422))
            for (error, status, code) in [
                (RouterAccessError.unreachable("no route to host"), 503, "router.unreachable"),
                (.rejected("% Unknown command"), 502, "router.rejected"),
                (.authentication("denied"), 502, "router.authentication-failed"),
                (.notSaved("write failed"), 502, "router.not-saved"),
            ] {
                router.fail(with: error)
                let response = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration/push", method: .post, headers: bearer(writer))
                #expect(response.status.code == status)
                #expect(try response.json()["code"] == .string(code))
            }
            // A failed push repeated with its Idempotency-Key answers the same failure, though
            // the router would take it now, and neither pushes nor records anything.
            var headers = bearer(writer)
            headers[HTTPField.Name("Idempotency-Key")!] = "push-after-failure"
            let first = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration/push", method: .post, headers: headers)
            #expect(try first.json()["code"] == .string("router.not-saved"))
            router.fail(with: nil)
            let count = try ledger.eventCount()
            let again = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration/push", method: .post, headers: headers)
            #expect(again.status.code == 502)
            #expect(try again.json()["code"] == .string("router.not-saved"))
            #expect(try ledger.eventCount() == count)
        }
        #expect(router.pushed.isEmpty)
        let failed = try ledger.readNow { db in try AuditQuery(type: "SessionConfigurationFailed").events(db) }
        #expect(failed.map { try? JSON.parse($0.payload)["reason"]?.stringValue } == ["unreachable", "rejected", "authentication", "not_saved", "not_saved"])
    }

    // MARK: Refusals

    @Test("a read key is 403 on dry run and push; reading the configuration is allowed; nothing is pushed or recorded")
    func readScopeForbidden() async throws {
        try await withLiveServer(ledger, routers: router) { client in
            let id = try await create(client, Self.amazon(on: 422))
            let before = try ledger.eventCount()
            for action in ["dry-run", "push"] {
                let response = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration/\(action)", method: .post, headers: bearer(reader))
                #expect(response.status == .forbidden)
                #expect(try response.json()["code"] == .string("auth.scope-insufficient"))
            }
            let read = try await client.execute(uri: "/api/v2/sessions/\(id)/configuration", method: .get, headers: bearer(reader))
            #expect(read.status == .ok)
            #expect(try ledger.eventCount() == before)
        }
        #expect(router.pushed.isEmpty)
    }

    @Test("no router, an unknown router, a Junos push and no session are each refused with their code, and nothing is pushed or recorded")
    func refusalsWithCodes() async throws {
        try await withLiveServer(ledger, routers: router) { client in
            let none = try await create(client, Self.amazon(on: nil))
            let unknown = try await create(client, Self.amazon(on: 999).replacingOccurrences(of: "206.126.236.68", with: "206.126.236.70"))
            let junos = try await create(client, Self.amazon(on: 424).replacingOccurrences(of: "206.126.236.68", with: "206.126.236.71"))
            let before = try ledger.eventCount()
            for action in ["configuration", "configuration/dry-run", "configuration/push"] {
                let method: HTTPRequest.Method = action == "configuration" ? .get : .post
                let noRouter = try await client.execute(uri: "/api/v2/sessions/\(none)/\(action)", method: method, headers: bearer(writer))
                #expect(noRouter.status.code == 422)
                #expect(try noRouter.json()["code"] == .string("session.no-router"))
                let unknownRouter = try await client.execute(uri: "/api/v2/sessions/\(unknown)/\(action)", method: method, headers: bearer(writer))
                #expect(unknownRouter.status.code == 422)
                #expect(try unknownRouter.json()["code"] == .string("router.unknown"))
                let missing = try await client.execute(uri: "/api/v2/sessions/9999/\(action)", method: method, headers: bearer(writer))
                #expect(missing.status == .notFound)
                #expect(try missing.json()["code"] == .string("resource.not-found"))
            }
            let rendered = try await client.execute(uri: "/api/v2/sessions/\(junos)/configuration", method: .get, headers: bearer(writer))
            #expect(rendered.status == .ok)
            #expect(try rendered.json()["platform"] == .string("junos"))
            let pushed = try await client.execute(uri: "/api/v2/sessions/\(junos)/configuration/push", method: .post, headers: bearer(writer))
            #expect(pushed.status.code == 422)
            #expect(try pushed.json()["code"] == .string("router.platform-unsupported"))
            #expect(try ledger.eventCount() == before)
        }
        #expect(router.pushed.isEmpty)
    }
}
