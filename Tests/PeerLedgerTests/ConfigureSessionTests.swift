import Foundation
import GRDB
import Testing

@testable import PeerLedger

/// A test ledger with ar1.inoc.com registered and a router in memory behind it.
struct RouterTestLedger {
    let t: TestLedger
    let router = FakeRouter()
    let api: APIv1

    init(platform: RouterPlatform = .frr) throws {
        t = try TestLedger()
        try registerAR1(t.ledger, platform: platform)
        api = APIv1(ledger: t.ledger, routers: router)
    }

    @discardableResult
    func call(_ query: String) async throws -> APIAnswer {
        let text = query.hasPrefix("target=") ? query : "target=peering&" + query
        return await api.handle(APIRequest(parameters: try Parameters(formEncoded: text), actor: "noc"))
    }

    func types() throws -> [String] { try t.events().map(\.type) }

    func session(_ id: Int64 = 1) throws -> Session? { try t.ledger.readNow { db in try Session.fetch(db, id: id) } }
}

@Suite("configureSession and deleteSession on a router")
struct ConfigureSessionTests {
    @Test("getSessions names the session's router: resource_name comes from routers add")
    func resourceName() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        let answer = try await r.call("action=getSessions&public_id=1")
        #expect(answer.data?.arrayValue?.first?["resource_name"] == .string("ar1.inoc.com"))
    }

    @Test("configureSession renders, pushes, records requested then applied, and the state leaves not configured")
    func configurePushes() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        #expect(try r.session()?.text(.state) == "not configured")
        let answer = try await r.call("action=configureSession&session_id=1")
        #expect(answer.message == "Configuration pushed to ar1.inoc.com: Akamai Technologies (AS32787V1.2.3.4) - (AS20940V206.126.236.102)")
        #expect(answer.data?["state"] == .string("configured"))
        #expect(r.router.pushed.count == 1)
        #expect(r.router.pushed.first?.text.contains("neighbor 206.126.236.102 password 0\n") == true)
        #expect(try r.types() == ["RouterAdded", "SessionAdded", "SessionConfigurationRequested", "SessionConfigurationApplied"])
        let requested = try #require(try r.t.events().first { $0.type == "SessionConfigurationRequested" })
        #expect(requested.payload.contains(#"neighbor 206.126.236.102 password <redacted>\n"#))
        #expect(requested.metadata.contains(#""actor":"noc""#))
        // updateSession still works with the session's current version.
        let update = try await r.call("action=updateSession&id=1&note=after+push&expected_version=3")
        #expect(update.succeeded, "\(update.message)")
    }

    @Test("A router refusing the credentials answers the seed's 'Unable to authenticate ' and records the failure")
    func authenticationFailure() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        r.router.fail(with: .authentication("Permission denied (publickey,password)."))
        let answer = try await r.call("action=configureSession&session_id=1&username=noc&password=wrong")
        #expect(answer.text == #"{"success":0,"message":"Unable to authenticate "}"#)
        #expect(r.router.credentialsSeen.last == RouterCredentials(username: "noc", password: "wrong"))
        #expect(try r.types().suffix(2) == ["SessionConfigurationRequested", "SessionConfigurationFailed"])
        #expect(try r.session()?.text(.state) == "not configured")
        var exported = ""
        try r.t.ledger.export { exported += $0 }
        #expect(!exported.contains("wrong"))
    }

    @Test("An unreachable router and a rejected command each answer a message saying which")
    func unreachableAndRejected() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        r.router.fail(with: .unreachable("Exiting: failed to connect to any daemons."))
        #expect(try await r.call("action=configureSession&session_id=1").message
            == "Unable to reach router ar1.inoc.com: Exiting: failed to connect to any daemons.")
        r.router.fail(with: .rejected("% Unknown command: neighbor 206.126.236.102 bogus"))
        #expect(try await r.call("action=configureSession&session_id=1").message
            == "Router ar1.inoc.com rejected the configuration: % Unknown command: neighbor 206.126.236.102 bogus")
        let failed = try r.t.events().filter { $0.type == "SessionConfigurationFailed" }.map(\.payload)
        #expect(failed.count == 2)
        #expect(failed.last?.contains(#""reason":"rejected""#) == true)
        #expect(try r.session()?.text(.state) == "not configured")
    }

    @Test("config given by the caller is pushed as given; its passwords are redacted in the log")
    func configGiven() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        let seedConfig =
            "conf t\nrouter bgp 32787\nneighbor 206.126.236.102 remote-as 20940\nneighbor 206.126.236.102 peer-group group b\nneighbor 206.126.236.102 description Akamai Technologies\nneighbor 206.126.236.102 maximum-prefix 20\nneighbor 206.126.236.102 password 0 0\nend\nwrite"
        let answer = try await r.call("action=configureSession&session_id=1&config=" + Parameters.encode(seedConfig))
        #expect(answer.succeeded, "\(answer.message)")
        #expect(r.router.pushed.first?.text == seedConfig)
        let requested = try #require(try r.t.events().first { $0.type == "SessionConfigurationRequested" })
        #expect(requested.payload.contains(#"password 0 <redacted>\nend"#))
        #expect(requested.payload.contains(#""given_by_caller":true"#))
    }

    @Test("dry_run answers the configuration and its difference from the running configuration, and appends nothing")
    func dryRun() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        r.router.setRunning("router bgp 32787\n neighbor 206.126.236.102 remote-as 20940\n neighbor 206.126.236.102 description Old name\nexit\n")
        let before = try r.t.eventCount()
        let answer = try await r.call("action=configureSession&session_id=1&dry_run=1")
        #expect(answer.message == "Dry run for ar1.inoc.com: nothing was pushed")
        let diff = answer.data?["diff"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(diff.contains("+ neighbor 206.126.236.102 description Akamai Technologies"))
        #expect(diff.contains("- neighbor 206.126.236.102 description Old name"))
        #expect(diff.contains("+ neighbor 206.126.236.102 password <redacted>"))
        #expect(!diff.contains { $0.contains("remote-as") })
        #expect(answer.data?["config"]?.stringValue?.contains("password <redacted>") == true)
        #expect(r.router.pushed.isEmpty)
        #expect(try r.t.eventCount() == before)
    }

    @Test("configureSession refuses a session whose peer name would inject a command, and appends nothing")
    func injectionThroughAPI() async throws {
        let r = try RouterTestLedger(platform: .junos)
        try await r.call(akamaiOneWordGroup.replacingOccurrences(of: "Akamai+Technologies", with: "Akamai%22%3B+delete+protocols"))
        let before = try r.t.eventCount()
        let answer = try await r.call("action=configureSession&session_id=1")
        #expect(answer.message.hasPrefix("peer_name 'Akamai\"; delete protocols' cannot be rendered for junos"))
        #expect(try r.t.eventCount() == before)
        #expect(r.router.pushed.isEmpty)
    }

    @Test("configureSession needs a session on a registered router")
    func refusals() async throws {
        let r = try RouterTestLedger()
        #expect(try await r.call("action=configureSession").message == "configureSession needs session_id: the session to configure")
        #expect(try await r.call("action=configureSession&session_id=41").message == "No session with id 41")
        try await r.call(akamaiOneWordGroup.replacingOccurrences(of: "resource_id=422", with: "resource_id=423"))
        #expect(try await r.call("action=configureSession&session_id=1").message.hasPrefix("resource_id 423 of session 1 is not a registered router"))
        #expect(try await r.call("action=configureSession&session_id=1&dry_run=maybe").message == "dry_run must be 0 or 1, got 'maybe'")
    }

    @Test("deleteSession removes the neighbor from the router first; keep_on_router=1 leaves it there")
    func deleteRemovesFromRouter() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        try await r.call(amazon.replacingOccurrences(of: "LAME-PEERS", with: "LAME-PEERS"))
        try await r.call("action=configureSession&session_id=1")
        try await r.call("action=configureSession&session_id=2")
        let answer = try await r.call("action=deleteSession&id=1")
        #expect(answer.text == #"{"success":1,"message":"1 sessions deleted."}"#)
        #expect(r.router.pushed.last?.text == "conf t\nrouter bgp 32787\nno neighbor 206.126.236.102\nend\nwrite\n")
        let kept = try await r.call("action=deleteSession&id=2&keep_on_router=1")
        #expect(kept.succeeded)
        #expect(r.router.pushed.count == 3)
        #expect(try r.types().suffix(5) == [
            "SessionConfigurationApplied", "SessionConfigurationRequested", "SessionConfigurationApplied", "SessionDeleted",
            "SessionDeleted",
        ])
    }

    @Test("deleteSession keeps the session when the router refuses to remove the neighbor")
    func deleteRefusedByRouter() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        try await r.call("action=configureSession&session_id=1")
        r.router.fail(with: .unreachable("ar1.inoc.com did not answer within 30 s"))
        let answer = try await r.call("action=deleteSession&id=1")
        #expect(answer.message == "Unable to reach router ar1.inoc.com: ar1.inoc.com did not answer within 30 s; session 1 was not deleted (keep_on_router=1 deletes it from the ledger only)")
        #expect(try r.session()?.isDeleted == false)
    }

    @Test("A poll appends SessionStateObserved only on change, at most one per session, and reports drift")
    func pollOnlyOnChange() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        try await r.call("action=configureSession&session_id=1")
        let poller = RouterPoller(ledger: r.t.ledger, connector: r.router)
        r.router.report([
            ObservedNeighbor(address: "206.126.236.102", remoteASN: 20940, state: .established, prefixesReceived: 12, lastError: nil),
            ObservedNeighbor(address: "206.126.236.102", remoteASN: 20940, state: .established, prefixesReceived: 12, lastError: nil),
            ObservedNeighbor(address: "206.126.236.9", remoteASN: 64512, state: .active, prefixesReceived: 0, lastError: nil),
        ])
        let first = try await poller.pollAll()
        #expect(first.first?.eventsAppended == 1)
        #expect(first.first?.unknownNeighbors.map(\.address) == ["206.126.236.9"])
        #expect(first.first?.lines.last == "  drift: neighbor 206.126.236.9 (AS64512, active) is on the router but in no session of ar1.inoc.com")
        let sessions = try await r.call("action=getSessions&public_id=1")
        #expect(sessions.data?.arrayValue?.first?["state"] == .string("established"))
        #expect(sessions.data?.arrayValue?.first?["prfx_received"] == .string("12"))
        let count = try r.t.eventCount()
        #expect(try await poller.pollAll().first?.eventsAppended == 0)
        #expect(try r.t.eventCount() == count)
        r.router.report([
            ObservedNeighbor(
                address: "206.126.236.102", remoteASN: 20940, state: .idle, prefixesReceived: 0,
                lastError: "Cease/Maximum Number of Prefixes Reached")
        ])
        let down = try await poller.pollAll()
        #expect(down.first?.changes == ["session 1 (206.126.236.102): idle, 0 prefixes, last error: Cease/Maximum Number of Prefixes Reached"])
        let state = try r.t.ledger.readNow { db in try SessionRouterState.fetch(db, session: 1) }
        #expect(state?.lastError == "Cease/Maximum Number of Prefixes Reached")
        r.router.report([])
        #expect(try await poller.pollAll().first?.missingSessions == [1])
        // The projections rebuild to the same rows.
        #expect(try r.t.ledger.rebuild().matches)
    }

    @Test("A neighbor configured by hand is observed, reported as never pushed, and its session stays not configured")
    func observedButNeverPushed() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        r.router.report([
            ObservedNeighbor(address: "206.126.236.102", remoteASN: 20940, state: .established, prefixesReceived: 7, lastError: nil)
        ])
        let report = try #require(try await RouterPoller(ledger: r.t.ledger, connector: r.router).pollAll().first)
        #expect(report.eventsAppended == 1)
        #expect(report.unpushedSessions == [1])
        #expect(report.lines.last == "  drift: session 1 is on ar1.inoc.com but was never pushed by PeerLedger (its state stays not configured)")
        let session = try #require(try r.session())
        #expect(session.text(.state) == "not configured")
        #expect(session.int(.prfx_received) == 7)
    }

    @Test("routers add refuses a taken id, a taken name and names that are not host names")
    func registration() throws {
        let t = try TestLedger()
        try registerAR1(t.ledger)
        #expect(throws: Refusal("router 422 is already registered as ar1.inoc.com; remove it first")) { try registerAR1(t.ledger) }
        let bad = RouterRegistration(id: 5, name: "ar1\n; rm", platform: .frr, access: RouterAccess(kind: .local))
        #expect(throws: Refusal.self) { try t.ledger.addRouter(bad, metadata: EventMetadata(actor: "t")) }
        let option = RouterRegistration(id: 6, name: "ar6", platform: .frr, access: RouterAccess(kind: .ssh, host: "-oProxyCommand=x"))
        #expect(throws: Refusal.self) { try t.ledger.addRouter(option, metadata: EventMetadata(actor: "t")) }
        let ssh = RouterRegistration(
            id: 7, name: "ar7.inoc.com", platform: .frr, access: RouterAccess(kind: .ssh, host: "127.0.0.1", port: 2222, user: "noc"),
            sshPassword: "router-login-pw")
        try t.ledger.addRouter(ssh, metadata: EventMetadata(actor: "t"))
        var exported = ""
        try t.ledger.export { exported += $0 }
        #expect(!exported.contains("router-login-pw"))
        #expect(try t.ledger.routers().map(\.name) == ["ar7.inoc.com", "ar1.inoc.com"])
        try t.ledger.removeRouter("ar1.inoc.com", metadata: EventMetadata(actor: "t"))
        #expect(try t.ledger.routers().map(\.id) == [7])
    }
}
