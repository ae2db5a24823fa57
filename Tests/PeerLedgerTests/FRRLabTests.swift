import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// What a push to a real FRR records and shows: a save FRR did not make is a failure, a session
/// already on the router shows no difference, and the seed's own peer group configures.
@Suite(
    "Real FRR: saved pushes, normalised diffs, router-safe names",
    .enabled(if: BGPLab.unavailableReason == nil, "needs root, FRR, BIRD 2 and iproute2"), .timeLimit(.minutes(3)))
struct FRRLabTests {
    /// A ledger with the lab's FRR registered as ar1.inoc.com (router 422) and the seed's
    /// Akamai session pointed at the lab's peer, with `group`.
    static func ledger(_ lab: BGPLab, group: String = "group b") async throws -> TestLedger {
        let t = try TestLedger()
        try t.ledger.addRouter(
            RouterRegistration(
                id: 422, name: "ar1.inoc.com", platform: .frr,
                access: RouterAccess(kind: .local, vtyshSocket: lab.frrSockets, vtyshConfigDir: lab.frrConfig, netns: lab.ours)),
            metadata: EventMetadata(actor: "test"))
        let added = try await t.call(
            "action=addSession&public_id=1&source_asn=\(lab.ourASN)&resource_id=422&peer_asn=\(lab.peerASN)&peer_name=Akamai+Technologies&peer_participant_id=2&peer_ipaddr=\(lab.peerAddress)&peer_group=\(Parameters.encode(group))&prfx_max=20&password=0&type=Peer")
        #expect(added.succeeded, "\(added.message)")
        return t
    }

    @Test("Without 'service integrated-vtysh-config' FRR runs a push it cannot save: vtysh exits 0, the push is recorded as SessionConfigurationFailed with FRR's reason")
    func unsavedPushIsFailed() async throws {
        try await BGPLab.with(prefixes: 1, integratedConfig: false) { lab in
            let t = try await Self.ledger(lab)
            let answer = try await t.call("action=configureSession&session_id=1")
            #expect(!answer.succeeded)
            #expect(answer.message.hasPrefix("Router ar1.inoc.com runs the configuration but did not save it"), "\(answer.message)")
            // FRR's reason: bgpd cannot create its file beside the configuration it was started with.
            #expect(answer.message.contains("Can't open configuration file \(lab.folder.path)/frr.conf."), "\(answer.message)")
            #expect(answer.message.contains("needs a vtysh.conf with the line 'service integrated-vtysh-config'"))

            let failed = try #require(try t.events().last)
            #expect(failed.type == "SessionConfigurationFailed")
            #expect(failed.payload.contains(#""reason":"not_saved""#))
            #expect(failed.payload.contains("Can't open configuration file \(lab.folder.path)/frr.conf."))
            #expect(!failed.payload.contains("password 0"))
            // It is what makes the failure matter: FRR runs the neighbor and would lose it on restart.
            #expect(try await lab.vtysh(["show running-config"]).contains("neighbor \(lab.peerAddress) remote-as \(lab.peerASN)"))
            let session = try #require(try t.ledger.readNow { db in try Session.fetch(db, id: 1) })
            #expect(session.text(.state) == "not configured")
            let state = try t.ledger.readNow { db in try SessionRouterState.fetch(db, session: 1) }
            #expect(state?.lastPush == "failed: not_saved")
        }
    }

    @Test("With 'service integrated-vtysh-config' the push is saved to frr.conf in the configuration folder and recorded as applied")
    func savedPushIsApplied() async throws {
        try await BGPLab.with(prefixes: 1, integratedConfig: true) { lab in
            let t = try await Self.ledger(lab)
            let answer = try await t.call("action=configureSession&session_id=1")
            #expect(answer.succeeded, "\(answer.message)")
            #expect(try t.events().last?.type == "SessionConfigurationApplied")
            let saved = try String(contentsOfFile: lab.savedConfig, encoding: .utf8)
            #expect(saved.contains(" neighbor \(lab.peerAddress) remote-as \(lab.peerASN)\n"))
            #expect(saved.contains(" neighbor \(lab.peerAddress) description Akamai Technologies\n"))

            // Removing is checked the same way: the saved file loses the neighbor too.
            let deleted = try await t.call("action=deleteSession&id=1")
            #expect(deleted.message == "1 sessions deleted.")
            #expect(!(try String(contentsOfFile: lab.savedConfig, encoding: .utf8)).contains("neighbor \(lab.peerAddress) "))
        }
    }

    @Test("A session already on the router shows an empty dry-run diff, though FRR does not print its IPv4 'activate'")
    func presentSessionHasNoDiff() async throws {
        try await BGPLab.with(prefixes: 1) { lab in
            let t = try await Self.ledger(lab)
            let before = try await t.call("action=configureSession&session_id=1&dry_run=1")
            let firstDiff = before.data?["diff"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(firstDiff.contains("+ neighbor \(lab.peerAddress) remote-as \(lab.peerASN)"), "\(firstDiff)")
            #expect(firstDiff.contains("+ neighbor \(lab.peerAddress) password <redacted>"), "\(firstDiff)")

            #expect(try await t.call("action=configureSession&session_id=1").succeeded)
            let running = try await lab.vtysh(["show running-config"])
            #expect(!running.contains("neighbor \(lab.peerAddress) activate"))
            let after = try await t.call("action=configureSession&session_id=1&dry_run=1")
            #expect(after.message == "Dry run for ar1.inoc.com: nothing was pushed")
            #expect(after.data?["diff"] == .array([]), "\(running)")

            // A change shows as exactly that change.
            let changed = try await t.call("action=configureSession&session_id=1&dry_run=1&prfx_max=30")
            #expect(changed.data?["diff"] == .array([
                .string("+ neighbor \(lab.peerAddress) maximum-prefix 30"), .string("- neighbor \(lab.peerAddress) maximum-prefix 20"),
            ]))
        }
    }

    @Test("The seed's peer_group 'group a' configures on FRR as group-a, and the configuration event says so")
    func seedGroupConfigures() async throws {
        try await BGPLab.with(prefixes: 1) { lab in
            let t = try await Self.ledger(lab, group: "group a")
            let answer = try await t.call("action=configureSession&session_id=1")
            #expect(answer.succeeded, "\(answer.message)")
            #expect(answer.data?["peer_group"] == .string("group a"))
            let running = try await lab.vtysh(["show running-config"])
            #expect(running.contains(" neighbor group-a peer-group\n"), "\(running)")
            #expect(running.contains(" neighbor \(lab.peerAddress) peer-group group-a\n"), "\(running)")
            let requested = try #require(try t.events().first { $0.type == "SessionConfigurationRequested" })
            #expect(requested.payload.contains(#""router_peer_group":"group-a""#))
            #expect(try t.events().last?.type == "SessionConfigurationApplied")
            #expect(try String(contentsOfFile: lab.savedConfig, encoding: .utf8).contains(" neighbor group-a peer-group\n"))
            #expect(try t.ledger.verify().isValid)
            #expect(try t.ledger.rebuild().matches)
        }
    }
}
