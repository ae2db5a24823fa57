import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// A test ledger with ar1.inoc.com registered and a router in memory behind it.
struct RouterTestLedger {
    let t: TestLedger
    let router = FakeRouter()

    init(platform: RouterPlatform = .frr) throws {
        t = try TestLedger(routers: router)
        try registerAR1(t.ledger, platform: platform)
    }

    /// Calls as `noc`, the automation that configures routers.
    @discardableResult
    func call(_ query: String) async throws -> APIAnswer { try await t.call(query, actor: "noc") }

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

    /// The seed's Akamai session as FRR prints it once configured (`frr defaults traditional`):
    /// no `activate` under IPv4 unicast, which FRR applies by itself.
    static let akamaiRunning = """
        Building configuration...

        Current configuration:
        !
        frr version 8.4.4
        frr defaults traditional
        hostname ar1
        !
        router bgp 32787
         neighbor group_b peer-group
         neighbor 206.126.236.102 remote-as 20940
         neighbor 206.126.236.102 peer-group group_b
         neighbor 206.126.236.102 description Akamai Technologies
         neighbor 206.126.236.102 password 0
         neighbor 206.126.236.102 update-source 1.2.3.4
         !
         address-family ipv4 unicast
          neighbor 206.126.236.102 maximum-prefix 20
         exit-address-family
        exit
        !
        end

        """

    @Test("dry_run of a session already on the router shows no difference, though FRR prints no IPv4 'activate'")
    func dryRunOfPresentSession() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        r.router.setRunning(Self.akamaiRunning)
        let answer = try await r.call("action=configureSession&session_id=1&dry_run=1")
        #expect(answer.data?["diff"] == .array([]))
        // With `no bgp default ipv4-unicast` FRR prints the activate line, so its absence is a difference.
        r.router.setRunning(Self.akamaiRunning.replacingOccurrences(of: "router bgp 32787\n", with: "router bgp 32787\n no bgp default ipv4-unicast\n"))
        let explicit = try await r.call("action=configureSession&session_id=1&dry_run=1")
        #expect(explicit.data?["diff"] == .array([.string("+ neighbor 206.126.236.102 activate")]))
    }

    @Test("dry_run compares block by block: an IPv6 neighbor's activate belongs under address-family ipv6 unicast")
    func dryRunComparesBlocks() throws {
        var neighbor = akamaiNeighbor(group: nil, password: nil)
        neighbor.address = IPAddress("2001:504:0:2::6509:1")!
        neighbor.localAddress = nil
        let configuration = try RouterConfiguration.render(neighbor, platform: .frr, operation: .configure)
        let present = """
            router bgp 32787
             neighbor 2001:504:0:2::6509:1 remote-as 20940
             neighbor 2001:504:0:2::6509:1 description Akamai Technologies
             !
             address-family ipv6 unicast
              neighbor 2001:504:0:2::6509:1 activate
              neighbor 2001:504:0:2::6509:1 maximum-prefix 20
             exit-address-family
            exit
            """
        #expect(ConfigurationDiff.lines(configuration, running: present, peer: "2001:504:0:2::6509:1") == [])
        // The same lines under IPv4 unicast are not the session: the IPv6 ones are missing, the
        // IPv4 limit is extra (the IPv4 activate is implied there, so it is no difference).
        let elsewhere = present.replacingOccurrences(of: "address-family ipv6 unicast", with: "address-family ipv4 unicast")
        #expect(ConfigurationDiff.lines(configuration, running: elsewhere, peer: "2001:504:0:2::6509:1") == [
            "+ neighbor 2001:504:0:2::6509:1 activate", "+ neighbor 2001:504:0:2::6509:1 maximum-prefix 20",
            "- neighbor 2001:504:0:2::6509:1 maximum-prefix 20",
        ])
    }

    @Test("configureSession records the peer group's router-safe name in SessionConfigurationRequested")
    func routerSafeNameRecorded() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamai)
        let answer = try await r.call("action=configureSession&session_id=1")
        #expect(answer.succeeded, "\(answer.message)")
        #expect(r.router.pushed.first?.text.contains("neighbor 206.126.236.102 peer-group group-b\n") == true)
        let requested = try #require(try r.t.events().first { $0.type == "SessionConfigurationRequested" })
        #expect(requested.payload.contains(#""router_peer_group":"group-b""#))
        // The session keeps its own name.
        #expect(answer.data?["peer_group"] == .string("group b"))
    }

    @Test("Two peer groups that would share one name on the router are refused, naming both, and nothing is pushed")
    func sharedRouterNameRefused() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamai)
        try await r.call(amazon.replacingOccurrences(of: "LAME-PEERS", with: "group-b"))
        let before = try r.t.eventCount()
        let answer = try await r.call("action=configureSession&session_id=1")
        #expect(answer.message == "peer_group 'group b' is configured on ar1.inoc.com as 'group-b', the same name as peer_group 'group-b' of session 2; rename one of the two peer groups so each keeps its own group on the router. Nothing was pushed")
        let other = try await r.call("action=configureSession&session_id=2&dry_run=1")
        #expect(other.message.hasPrefix("peer_group 'group-b' is configured on ar1.inoc.com as 'group-b', the same name as peer_group 'group b' of session 1"))
        #expect(r.router.pushed.isEmpty)
        #expect(try r.t.eventCount() == before)
        // Once the other group has a name of its own, the push goes through.
        #expect(try await r.call("action=updateSession&id=2&peer_group=LAME-PEERS").succeeded)
        #expect(try await r.call("action=configureSession&session_id=1").succeeded)
    }

    @Test("A push the router runs but does not save is recorded as failed (not_saved), with the router's reason")
    func notSavedIsFailed() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        r.router.fail(with: .notSaved("FRR did not save the configuration (vtysh write exited 0): Can't open configuration file /etc/frr/bgpd.conf.Xy12Ab."))
        let answer = try await r.call("action=configureSession&session_id=1")
        #expect(answer.message == "Router ar1.inoc.com runs the configuration but did not save it, so the push is recorded as failed: FRR did not save the configuration (vtysh write exited 0): Can't open configuration file /etc/frr/bgpd.conf.Xy12Ab.")
        let failed = try #require(try r.t.events().last)
        #expect(failed.type == "SessionConfigurationFailed")
        #expect(failed.payload.contains(#""reason":"not_saved""#))
        #expect(try r.session()?.text(.state) == "not configured")
    }

    @Test("config with a tab or another control character inside a line is refused, naming config; line breaks separate commands")
    func configControlCharacters() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        let before = try r.t.eventCount()
        let tabbed = try await r.call("action=configureSession&session_id=1&config=" + Parameters.encode("conf t\nrouter bgp 32787\nneighbor 206.126.236.102\tdescription x\nend"))
        #expect(tabbed.message == "config must not contain control characters other than line breaks (found a tab)")
        #expect(try r.t.eventCount() == before)
        #expect(r.router.pushed.isEmpty)
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

    @Test("a router whose platform this build does not know is refused with router.platform-unknown, naming it, and nothing is pushed")
    func unknownPlatform() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        try executeRaw(r.t.ledger, "UPDATE routers SET platform = 'vyos' WHERE id = 422")
        let before = try r.t.eventCount()
        #expect(throws: Refusal("router 422 has platform 'vyos', which this build does not know", code: .routerPlatformUnknown)) {
            try r.t.ledger.readingNow { reader in try reader.pushTarget(sessionID: 1) }
        }
        #expect(try await r.call("action=configureSession&session_id=1").message == "router 422 has platform 'vyos', which this build does not know")
        #expect(try r.t.eventCount() == before)
        #expect(r.router.pushed.isEmpty)
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
        // Its state, and the drift (a neighbor in no session) recorded on the router's stream.
        #expect(first.first?.eventsAppended == 2)
        #expect(first.first?.driftRecorded == true)
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
        let gone = try #require(try await poller.pollAll().first)
        #expect(gone.missingSessions == [1])
        #expect(gone.driftRecorded)
        let drifts = try r.t.ledger.readingNow { reader in try reader.events(matching: AuditQuery(type: RouterDriftObserved.type)) }.map { try LedgerEvent($0) }
        #expect(drifts == [
            .routerDriftObserved(.init(routerID: 422, unknownNeighbors: [.init(address: "206.126.236.9", remoteASN: 64512)], missingSessions: [], unpushedSessions: [])),
            // The stranger gone: no drift left, recorded as such.
            .routerDriftObserved(.init(routerID: 422, unknownNeighbors: [], missingSessions: [], unpushedSessions: [])),
            .routerDriftObserved(.init(routerID: 422, unknownNeighbors: [], missingSessions: [1], unpushedSessions: [])),
        ])
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
        #expect(report.eventsAppended == 2)
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
