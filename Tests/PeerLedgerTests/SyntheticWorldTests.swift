import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
import PeerLedgerTestSupport

/// The world generator behind `peerledger generate-world` and the benchmark: deterministic,
/// built through the real event types, and holding the big exchange the reads are measured on.
@Suite struct SyntheticWorldTests {
    /// A small world: 20 members at the big exchange, us at 4 exchanges, 400 events.
    static let small = WorldShape(
        networks: 60, exchanges: 6, netixlans: 90, contacts: 20, bigExchangeMembers: 20, ownExchanges: 4, sessions: 40,
        requests: 10, events: 400)

    static func build(_ shape: WorldShape = small, seed: UInt64 = 7) async throws -> (Ledger, WorldSummary) {
        let ledger = try SyntheticWorld.openLedger(at: nil)
        let summary = try await SyntheticWorld(shape: shape, seed: seed).build(into: ledger, scratch: Scratch.folder)
        return (ledger, summary)
    }

    @Test func theSameSeedAndEventCountGiveTheSameLogAndHashChainHead() async throws {
        let (first, one) = try await Self.build()
        let (_, two) = try await Self.build()
        #expect(one.totalEvents == 400)
        #expect(two.totalEvents == 400)
        #expect(one.head.count == 64)
        #expect(one.head == two.head)
        #expect(one.historyEvents == two.historyEvents)
        #expect(one.requestEvents == two.requestEvents)
        let (_, other) = try await Self.build(seed: 8)
        #expect(other.head != one.head)
        let verified = try first.verify()
        #expect(verified.events == 400)
        #expect(verified.lastHash == one.head)
        #expect(verified.firstBad == nil)
    }

    @Test func theWorldsProjectionsEqualARebuildFromItsLog() async throws {
        let (ledger, _) = try await Self.build()
        let report = try ledger.rebuild()
        #expect(report.events == 400)
        #expect(report.matches)
    }

    /// Log first with several catch-ups, or each batch projected in its transaction: the same
    /// log and the same projections.
    @Test func aWorldAppendedLogFirstEqualsOneProjectedBatchByBatch() async throws {
        var shape = Self.small
        shape.events = 6_000
        var logFirst = SyntheticWorld(shape: shape, seed: 7)
        logFirst.catchUpInterval = 2_000
        var eachBatch = logFirst
        eachBatch.projectingEachBatch = true
        let (one, two) = (try SyntheticWorld.openLedger(at: nil), try SyntheticWorld.openLedger(at: nil))
        let first = try await logFirst.build(into: one, scratch: Scratch.folder)
        let second = try await eachBatch.build(into: two, scratch: Scratch.folder)
        #expect(first.head == second.head)
        #expect(first.batchedEvents > 5_000)
        #expect(first.catchUps == 3)
        #expect(first.caughtUpEvents == first.batchedEvents)
        #expect(second.catchUps == 0 && second.caughtUpEvents == 0)
        #expect(try one.projectionLag() == 0)
        #expect(try one.projectionChecksum() == two.projectionChecksum())
        #expect(try one.rebuild().matches)
    }

    @Test func theLogHoldsTheImportOurNetworkSessionsRequestsAndEveryKindOfHistory() async throws {
        let (ledger, summary) = try await Self.build()
        let types = try ledger.readNow { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT type, COUNT(*) FROM events GROUP BY type").map {
                ($0[0] as String, $0[1] as Int)
            })
        }
        // org 66, ix 6, ixlan 6, ixpfx 12, net 60, netixlan 90, poc 20.
        #expect(types["PeeringDBObjectCreated"] == 260)
        #expect(summary.peeringDBEvents == 260)
        #expect(types["OwnNetworkSet"] == 1)
        #expect(types["RouterAdded"] == 2)
        #expect(types["SessionAdded"] == 40)
        #expect(types["PeeringRequestSent"] == 10)
        #expect(summary.requestEvents == (types["PeeringRequestSent"] ?? 0) + (types["PeeringRequestDelivered"] ?? 0) + (types["PeeringRequestAnswered"] ?? 0))
        let history = ["SessionStateObserved", "SessionUpdated", "PeerUpdated", "PeerStatusReset"].map { types[$0] ?? 0 }
        #expect(history.allSatisfy { $0 > 0 })
        #expect(history.reduce(0, +) == summary.historyEvents)
        #expect(400 == 260 + 1 + 2 + 40 + summary.requestEvents + summary.historyEvents)
        // No mail is queued for the requests.
        #expect(try ledger.readNow { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") } == 0)
    }

    @Test func everyMemberOfTheBigExchangeHasASessionAndACommunicationsHistory() async throws {
        let (ledger, summary) = try await Self.build()
        #expect(summary.bigExchangeSessions == 19)
        #expect(summary.bigExchangeRequests == 5)
        let sessions = try await APIv1(ledger: ledger).call("target=peering&action=getSessions&public_id=1")
        #expect(sessions.body["data"]?.arrayValue?.count == 19)
        let communications = try await APIv1(ledger: ledger).call("target=peering&action=getCommunications&public_id=1")
        let peers = communications.body["data"]?.arrayValue ?? []
        #expect(peers.count == 19)
        #expect(peers.allSatisfy { ($0["log_data"]?.arrayValue?.count ?? 0) >= 1 })
        #expect(peers.allSatisfy { $0["is_peer"] == .bool(true) })
        #expect(peers.filter { $0["request_status"] != .null }.count >= 5)
        let ours = try ledger.readNow { db in try OwnNetwork.fetch(db) }
        #expect(ours?.netID == SyntheticWorld.ownNetID)
    }

    @Test func aBiggerEventCountOnlyAddsHistory() async throws {
        var shape = Self.small
        shape.events = 700
        let (_, bigger) = try await Self.build(shape)
        let (_, smaller) = try await Self.build()
        #expect(bigger.totalEvents == 700)
        #expect(bigger.historyEvents == smaller.historyEvents + 300)
        #expect(bigger.sessionEvents == smaller.sessionEvents)
    }

    @Test func scalesBelowTheRealisticWorldShrinkInProportionAndKeepTheBigExchange() {
        #expect(WorldShape.scaled(toEvents: 1_000_000) == WorldShape.realistic)
        #expect(WorldShape.scaled(toEvents: 5_000_000).networks == 33_000)
        let tenth = WorldShape.scaled(toEvents: 100_000)
        #expect(tenth.networks == 3_300)
        #expect(tenth.exchanges == 130)
        #expect(tenth.netixlans == 6_000)
        #expect(tenth.sessions == 2_000)
        #expect(tenth.requests == 1_000)
        let hundredth = WorldShape.scaled(toEvents: 10_000)
        #expect(hundredth.bigExchangeMembers == 1_000)
        #expect(hundredth.networks == 1_000)
        #expect(hundredth.exchanges == 50)
        #expect(hundredth.sessions == 1_048)
        #expect(hundredth.requests == 500)
    }

    @Test func aShapeWithoutRoomForTheBigExchangeIsRefused() async throws {
        var shape = Self.small
        shape.networks = 10
        let ledger = try SyntheticWorld.openLedger(at: nil)
        await #expect(throws: Refusal.self) {
            try await SyntheticWorld(shape: shape).build(into: ledger, scratch: Scratch.folder)
        }
        #expect(try ledger.readNow { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") } == 0)
    }
}
