import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// configureSession, poll and deleteSession against a real FRR with a real BIRD 2 peer.
@Suite("Real BGP lab: FRR as our router, BIRD 2 as the peer", .timeLimit(.minutes(3)))
struct RouterLabTests {
    /// Polls until `accept` holds for the state and prefix count of session 1; after `seconds`
    /// the wait fails naming `what` it awaited and the state last seen.
    static func pollUntil(
        _ what: String, _ poller: RouterPoller, _ ledger: Ledger, seconds: Int, _ accept: (SessionRouterState) -> Bool
    ) async throws -> SessionRouterState? {
        var last: SessionRouterState?
        do {
            try await waitUntil(what, within: .seconds(seconds), every: .milliseconds(250)) {
                let reports = try await poller.pollAll()
                if let error = reports.first?.error { throw TestFailure("poll failed: \(error)") }
                last = try ledger.readNow { db in try SessionRouterState.fetch(db, session: 1) }
                return last.map(accept) ?? false
            }
        } catch let failure as TestFailure {
            throw TestFailure("\(failure); last seen: \(last.map { String(describing: $0) } ?? "no state")")
        }
        return last
    }

    @Test(
        "addSession, configureSession, poll: established with every prefix; over prfx_max it goes down with the reason; deleteSession removes the neighbor",
        .enabled(if: BGPLab.unavailableReason == nil, "needs root, FRR, BIRD 2 and iproute2"))
    func fullCycle() async throws {
        try await BGPLab.with(prefixes: 10) { lab in try await Self.run(lab) }
    }

    static func run(_ lab: BGPLab) async throws {
        let t = try TestLedger()
        try t.ledger.addRouter(
            RouterRegistration(
                id: 422, name: "ar1.inoc.com", platform: .frr,
                access: RouterAccess(kind: .local, vtyshSocket: lab.frrSockets, vtyshConfigDir: lab.frrConfig, netns: lab.ours)),
            metadata: EventMetadata(actor: "test"))
        // Every call goes through the HTTP server, signed, as a ProVision client sends it.
        try await withSignedLiveServer(t.ledger) { client in try await scenario(lab, t, client) }
    }

    static func scenario(_ lab: BGPLab, _ t: TestLedger, _ client: SignedClient) async throws {
        let call = client.call
        let added = try await call(
            "action=addSession&public_id=1&source_asn=\(lab.ourASN)&source_ipaddr=\(lab.ourAddress)&resource_id=422&peer_asn=\(lab.peerASN)&peer_name=BIRD+peer&peer_participant_id=2&peer_ipaddr=\(lab.peerAddress)&peer_group=LAB_PEERS&prfx_max=100&note=lab")
        #expect(added.succeeded, "\(added.message)")

        let configured = try await call("action=configureSession&session_id=1")
        #expect(configured.succeeded, "\(configured.message)")
        let running = try await lab.vtysh(["show running-config"])
        #expect(running.contains("neighbor \(lab.peerAddress) remote-as \(lab.peerASN)"))
        #expect(running.contains("neighbor \(lab.peerAddress) description BIRD peer"))

        let poller = RouterPoller(ledger: t.ledger)
        let up = try await pollUntil("session 1 established with 10 prefixes", poller, t.ledger, seconds: 30) { $0.bgpState == "established" && $0.prefixesReceived == 10 }
        #expect(up?.bgpState == "established")
        let sessions = try await call("action=getSessions&public_id=1")
        let session = sessions.data?.arrayValue?.first
        #expect(session?["state"] == .string("established"))
        #expect(session?["prfx_received"] == .string("10"))
        #expect(session?["resource_name"] == .string("ar1.inoc.com"))
        // Nothing changed: a poll appends nothing.
        let count = try t.eventCount()
        #expect(try await poller.pollAll().first?.eventsAppended == 0)
        #expect(try t.eventCount() == count)

        // The peer now sends more than prfx_max: FRR tears the session down.
        #expect(try await call("action=updateSession&id=1&prfx_max=5").succeeded)
        let reconfigured = try await call("action=configureSession&session_id=1")
        #expect(reconfigured.succeeded, "\(reconfigured.message)")
        let down = try await pollUntil("session 1 idle with an error", poller, t.ledger, seconds: 30) { $0.bgpState == "idle" && $0.lastError != nil }
        #expect(down?.bgpState == "idle")
        #expect(down?.lastError == "Cease/Maximum Number of Prefixes Reached")
        let after = try await call("action=getSessions&public_id=1")
        #expect(after.data?.arrayValue?.first?["state"] == .string("idle"))
        // The audit shows when it went up and when and why it went down.
        let history = try await call("target=audit&action=getHistory&session=1")
        let observed = history.data?.arrayValue?.filter { $0["type"] == .string("SessionStateObserved") } ?? []
        #expect(observed.contains { $0["payload"]?["state"] == .string("established") })
        #expect(observed.last?["payload"]?["state"] == .string("idle"))
        #expect(observed.last?["payload"]?["last_error"] == .string("Cease/Maximum Number of Prefixes Reached"))

        // A rejected command answers the router's own message.
        let rejected = try await call(
            "action=configureSession&session_id=1&config=" + Parameters.encode("conf t\nrouter bgp \(lab.ourASN)\nneighbor \(lab.peerAddress) bogus\nend"))
        #expect(rejected.message.hasPrefix("Router ar1.inoc.com rejected the configuration: % Unknown command"), "\(rejected.message)")

        // deleteSession removes the neighbor from FRR.
        let deleted = try await call("action=deleteSession&id=1")
        #expect(deleted.message == "1 sessions deleted.")
        let afterDelete = try await lab.vtysh(["show running-config"])
        #expect(!afterDelete.contains("neighbor \(lab.peerAddress) "))
        #expect(try t.ledger.verify().isValid)
        #expect(try t.ledger.rebuild().matches)
    }

    @Test(
        "An unreachable router (no daemon on the socket) answers a message saying so",
        .enabled(if: toolAvailable("vtysh"), "needs vtysh (apt-get install frr)"))
    func unreachable() async throws {
        let t = try TestLedger()
        try t.ledger.addRouter(
            RouterRegistration(
                id: 422, name: "ar1.inoc.com", platform: .frr, access: RouterAccess(kind: .local, vtyshSocket: "/nonexistent-peerledger")),
            metadata: EventMetadata(actor: "test"))
        try await t.call(akamaiOneWordGroup)
        let answer = try await t.call("action=configureSession&session_id=1")
        #expect(answer.message.hasPrefix("Unable to reach router ar1.inoc.com: "), "\(answer.message)")
        #expect(try t.events().last?.type == "SessionConfigurationFailed")
    }
}

/// FRR reached over SSH (vtysh as the remote command) through a local OpenSSH server.
@Suite("Real FRR over SSH", .timeLimit(.minutes(3)))
struct RouterSSHTests {
    @Test(
        "configureSession over ssh pushes with the right key and answers 'Unable to authenticate ' with a wrong one",
        .enabled(if: BGPLab.unavailableReason == nil, "needs root, FRR, BIRD 2 and iproute2"),
        .enabled(if: LocalSSHServer.unavailableReason == nil, "needs root and OpenSSH's sshd, ssh and ssh-keygen"))
    func sshAccess() async throws {
        let lab = BGPLab(prefixes: 1)
        let sshd = try LocalSSHServer()
        do {
            try await lab.start()
            try await sshd.start(using: lab)
            try await Self.run(lab, sshd)
        } catch {
            await sshd.stop()
            await lab.tearDown()
            throw error
        }
        await sshd.stop()
        await lab.tearDown()
    }

    static func run(_ lab: BGPLab, _ sshd: LocalSSHServer) async throws {
        let t = try TestLedger()
        for (id, name, key) in [(422, "ar1.inoc.com", sshd.clientKey), (423, "ar2.inoc.com", sshd.wrongKey)] {
            try t.ledger.addRouter(
                RouterRegistration(
                    id: Int64(id), name: name, platform: .frr,
                    access: RouterAccess(
                        kind: .ssh, vtyshSocket: lab.frrSockets, vtyshConfigDir: lab.frrConfig, host: "127.0.0.1", port: sshd.port, user: "root", keyFile: key)),
                metadata: EventMetadata(actor: "test"))
        }
        let api = APIv1(ledger: t.ledger)
        let call = { (query: String) in try await api.call(query, actor: "noc") }
        for router in [422, 423] {
            let added = try await call(
                "action=addSession&public_id=1&source_asn=\(lab.ourASN)&resource_id=\(router)&peer_asn=\(lab.peerASN)&peer_name=SSH+peer+\(router)&peer_ipaddr=\(lab.peerAddress)")
            #expect(added.succeeded, "\(added.message)")
        }
        let pushed = try await call("action=configureSession&session_id=1")
        #expect(pushed.succeeded, "\(pushed.message)")
        #expect(try await lab.vtysh(["show running-config"]).contains("neighbor \(lab.peerAddress) description SSH peer 422"))
        let refused = try await call("action=configureSession&session_id=2")
        #expect(refused.text == #"{"success":0,"message":"Unable to authenticate "}"#)
        let reports = try await RouterPoller(ledger: t.ledger).pollAll()
        #expect(reports.first { $0.router.id == 422 }?.error == nil)
        #expect(reports.first { $0.router.id == 423 }?.error?.reason == "authentication")
    }
}

/// A BIRD 2 router: one file per session in the folder its configuration includes.
@Suite("Real BIRD 2 as our router", .timeLimit(.minutes(3)))
struct BIRDRouterLabTests {
    @Test(
        "configureSession writes a protocol block that birdc configure applies; a broken one is refused and undone; deleteSession removes it",
        .enabled(if: BGPLab.unavailableReason == nil, "needs root, FRR, BIRD 2 and iproute2"))
    func birdRouter() async throws {
        try await BGPLab.with(prefixes: 1) { lab in try await Self.run(lab) }
    }

    static func run(_ lab: BGPLab) async throws {
        let t = try TestLedger()
        try t.ledger.addRouter(
            RouterRegistration(
                id: 500, name: "rs1.inoc.com", platform: .bird2,
                access: RouterAccess(kind: .local, netns: lab.peer, birdSocket: lab.birdSocket, birdConfigDir: lab.birdSessions)),
            metadata: EventMetadata(actor: "test"))
        let api = APIv1(ledger: t.ledger)
        let call = { (query: String) in try await api.call(query, actor: "noc") }
        func protocols() async throws -> String {
            try await lab.sh(["birdc", "-s", lab.birdSocket, "show", "protocols"])
        }
        let added = try await call(
            "action=addSession&public_id=1&source_asn=\(lab.peerASN)&source_ipaddr=\(lab.peerAddress)&resource_id=500&peer_asn=65009&peer_name=Not+there+yet&peer_ipaddr=10.0.0.9&prfx_max=10")
        #expect(added.succeeded, "\(added.message)")
        let configured = try await call("action=configureSession&session_id=1")
        #expect(configured.succeeded, "\(configured.message)")
        #expect(try await protocols().contains("peerledger_session_1"))

        let reports = try await RouterPoller(ledger: t.ledger).pollAll()
        let report = try #require(reports.first)
        #expect(report.error == nil)
        // BIRD's own session to FRR is not in the ledger: drift.
        #expect(report.unknownNeighbors.map(\.address) == [lab.ourAddress])
        let state = try t.ledger.readNow { db in try SessionRouterState.fetch(db, session: 1) }
        #expect(["active", "connect", "idle"].contains(state?.bgpState ?? "none"))

        let broken = try await call("action=configureSession&session_id=1&config=" + Parameters.encode("protocol bgp peerledger_session_1 { nonsense; }\n"))
        #expect(broken.message.hasPrefix("Router rs1.inoc.com rejected the configuration: "), "\(broken.message)")
        let file = lab.birdSessions + "/peerledger_session_1.conf"
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("neighbor 10.0.0.9 as 65009;"))

        let deleted = try await call("action=deleteSession&id=1")
        #expect(deleted.message == "1 sessions deleted.")
        #expect(try await !protocols().contains("peerledger_session_1"))
        #expect(!FileManager.default.fileExists(atPath: file))
    }
}
