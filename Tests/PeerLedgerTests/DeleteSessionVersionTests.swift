import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// A router in memory that, while a configuration is being pushed, lets another writer change
/// the session: the interleaving an optimistic-concurrency check must catch.
final class InterleavingRouter: RouterConnector, RouterConnection, @unchecked Sendable {
    private let lock = NSLock()
    private var _during: (@Sendable () async -> Void)?
    private var _pushed = 0

    var pushed: Int { lock.withLock { _pushed } }
    func duringNextPush(_ body: @escaping @Sendable () async -> Void) { lock.withLock { _during = body } }

    func connection(to router: BGPRouter, credentials: RouterCredentials?, storedPassword: String?) -> any RouterConnection { self }

    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) {
        let during = lock.withLock {
            _pushed += 1
            defer { _during = nil }
            return _during
        }
        await during?()
    }

    func runningConfiguration() async throws(RouterAccessError) -> String { "" }
    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] { [] }
}

@Suite("deleteSession with expected_version")
struct DeleteSessionVersionTests {
    @Test("a stale expected_version is a conflict and deletes nothing; the current one deletes the session")
    func ledgerOnly() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call("action=updateSession&id=1&note=maintenance+window+agreed")
        let before = try t.eventCount()
        let stale = try await t.call("action=deleteSession&id=1&expected_version=1")
        #expect(stale.message == "Conflict: session-1 is at version 2, the write expected version 1; read it again and retry.")
        #expect(!stale.succeeded)
        #expect(try t.eventCount() == before)
        #expect(try await t.call("action=getSessions&public_id=1&peer_asn=16509").message == "1 sessions found.")
        let current = try await t.call("action=deleteSession&id=1&expected_version=2")
        #expect(current.message == "1 sessions deleted.")
        #expect(try t.events().last?.type == "SessionDeleted")
        #expect(try await t.call("action=getSessions&public_id=1&peer_asn=16509").message == "No peers found.")
    }

    @Test("a session on its router with a stale expected_version: nothing is pushed, nothing recorded, nothing deleted")
    func staleOnRouter() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        #expect(try await r.call("action=configureSession&session_id=1").succeeded)
        // SessionAdded, then the push's SessionConfigurationRequested and SessionConfigurationApplied.
        #expect(try r.session()?.version == 3)
        let before = try r.t.eventCount()
        let stale = try await r.call("action=deleteSession&id=1&expected_version=1")
        #expect(stale.message == "Conflict: session-1 is at version 3, the write expected version 1; read it again and retry.")
        #expect(r.router.pushed.count == 1)
        #expect(try r.t.eventCount() == before)
        #expect(try r.session()?.isDeleted == false)
    }

    @Test("a session on its router with the current expected_version is removed there, then deleted")
    func currentOnRouter() async throws {
        let r = try RouterTestLedger()
        try await r.call(akamaiOneWordGroup)
        #expect(try await r.call("action=configureSession&session_id=1").succeeded)
        let answer = try await r.call("action=deleteSession&id=1&expected_version=3")
        #expect(answer.message == "1 sessions deleted.")
        #expect(r.router.pushed.last?.text.contains("no neighbor 206.126.236.102") == true)
        #expect(try r.types().suffix(3) == ["SessionConfigurationRequested", "SessionConfigurationApplied", "SessionDeleted"])
        #expect(try r.session()?.isDeleted == true)
    }

    @Test("a write that reaches the session while its neighbor is being removed makes the deletion a conflict")
    func changedDuringRemoval() async throws {
        let router = InterleavingRouter()
        let t = try TestLedger(routers: router)
        try registerAR1(t.ledger)
        let api = t.api
        let call = { (query: String) in try await api.call(query, actor: "noc") }
        #expect(try await call(akamaiOneWordGroup).succeeded)
        #expect(try await call("action=configureSession&session_id=1").succeeded)
        let update = try Parameters(formEncoded: "target=peering&action=updateSession&id=1&prfx_max=40")
        router.duringNextPush { await api.call(update, actor: "other") }
        let answer = try await call("action=deleteSession&id=1&expected_version=3")
        #expect(!answer.succeeded)
        #expect(answer.message.hasPrefix("Conflict: session 1 was changed while its neighbor was being removed from ar1.inoc.com (it is now at version 6)"))
        let session = try #require(try t.ledger.readNow { db in try Session.fetch(db, id: 1) })
        #expect(!session.isDeleted)
        #expect(session.int(.prfx_max) == 40)
        #expect(try t.events().map(\.type).contains("SessionDeleted") == false)
    }

    @Test("without expected_version a write during the removal does not stop the deletion (last writer wins, as before)")
    func changedDuringRemovalWithoutVersion() async throws {
        let router = InterleavingRouter()
        let t = try TestLedger(routers: router)
        try registerAR1(t.ledger)
        let api = t.api
        let call = { (query: String) in try await api.call(query, actor: "noc") }
        #expect(try await call(akamaiOneWordGroup).succeeded)
        #expect(try await call("action=configureSession&session_id=1").succeeded)
        let update = try Parameters(formEncoded: "target=peering&action=updateSession&id=1&prfx_max=40")
        router.duringNextPush { await api.call(update, actor: "other") }
        #expect(try await call("action=deleteSession&id=1").message == "1 sessions deleted.")
        #expect(router.pushed == 2)
    }

    @Test("the sessions deleted are the ones found before the removal push, even when the push changed what the criteria match")
    func criteriaMovedByThePush() async throws {
        // A clock that moves a second per reading, so the removal push changes `modified`.
        let router = FakeRouter()
        let t = try TestLedger(stepMillis: 1000, routers: router)
        let ledger = t.ledger
        try registerAR1(ledger)
        let call = { (query: String) in try await t.call(query, actor: "noc") }
        #expect(try await call(akamaiOneWordGroup).succeeded)
        #expect(try await call("action=configureSession&session_id=1").succeeded)
        let modified = try #require(try ledger.readNow { db in try Session.fetch(db, id: 1) }?.text(.modified))
        let answer = try await call("action=deleteSession&modified=\(Parameters.encode(modified))&expected_version=3")
        #expect(answer.message == "1 sessions deleted.")
        #expect(router.pushed.last?.text.contains("no neighbor 206.126.236.102") == true)
        #expect(try ledger.readNow { db in try Session.fetch(db, id: 1) }?.isDeleted == true)
    }
}
