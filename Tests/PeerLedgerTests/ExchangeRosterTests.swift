import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

/// The roster of an exchange kept between reads (`ExchangeRoster`): used while the log it was
/// read at is the reader's log and no PeeringDB event followed; read anew otherwise. Our status
/// with each member is always read fresh.
@Suite struct ExchangeRosterTests {
    /// getPeers at `exchange` as the general query and JSON values give it, in the same snapshot.
    static func expected(_ t: TestLedger, exchange: Int64 = 1) throws -> String {
        try PeerAnswerTests.valueAnswer(t, exchange: exchange, ips: false, contacts: false, log: false)
    }

    @Test func aWriteThatLeavesPeeringDBAloneKeepsTheRosterAndShowsTheNewStatus() async throws {
        let t = try await PeerAnswerTests.variedLedger()
        let first = try await t.call("action=getPeers&public_id=1")
        #expect(first.text == (try Self.expected(t)))
        try await t.call("action=updatePeer&participant_id=2&public_id=1&request_status=accepted&qualified=1")
        try await t.call(
            "action=addSession&source_asn=8038&source_ipaddr=206.126.236.5&resource_id=1&peer_asn=16509&peer_name=Amazon&peer_participant_id=1418&peer_ipaddr=206.126.236.68&public_id=1&type=Peer"
        )
        let position = try t.ledger.headPosition()
        try t.ledger.readNow { (db: Database) throws in
            #expect(try ExchangeRoster.shared.members(db, exchange: 1, position: position) != nil)
        }
        let second = try await t.call("action=getPeers&public_id=1")
        #expect(second.text == (try Self.expected(t)))
        #expect(second.text != first.text)
        #expect(second.text.contains(#""request_status":"accepted""#))
    }

    @Test func aRosterIsAnchoredAgainAtEachCheckAndReadAgainAfterAPeeringDBEvent() async throws {
        let t = try await PeerAnswerTests.variedLedger()
        let roster = ExchangeRoster()
        func members() throws -> [ExchangeRoster.Member]? {
            try t.ledger.readNow { db in try roster.members(db, exchange: 1, position: try ProjectionState.position(db)) }
        }
        let first = try #require(try members())
        #expect(roster.anchor(of: 1) == (try t.ledger.headPosition()))
        try await t.call("action=updatePeer&participant_id=2&public_id=1&notes_private=later")
        #expect(try members()?.map(\.netID) == first.map(\.netID))
        #expect(roster.anchor(of: 1) == (try t.ledger.headPosition()))
        let fixture = try PeeringDBFixture()
        try fixture.edit(.netixlan) { records in records.removeAll { $0["net_id"] as? Int == 2 } }
        try await t.importPeeringDB(fixture)
        #expect(try members()?.map(\.netID).contains(2) == false)
        #expect(roster.anchor(of: 1) == (try t.ledger.headPosition()))
    }

    @Test func aPeeringDBChangeIsSeenByTheNextRead() async throws {
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try await t.importPeeringDB(fixture)
        try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        // A log of its own (no other test's roster shares its anchor).
        try await t.call("action=updatePeer&participant_id=262&public_id=1&notes_private=\(UUID().uuidString)")
        let before = try await t.call("action=getPeers&public_id=1")
        #expect(before.text.contains(#""name":"1&1 Internet""#))
        try fixture.set(.net, id: 262, "name", "IONOS")
        try fixture.set(.netixlan, id: 3, "ipaddr6", NSNull())
        try await t.importPeeringDB(fixture)
        let after = try await t.call("action=getPeers&public_id=1")
        #expect(after.text.contains(#""name":"IONOS""#))
        #expect(!after.text.contains("1&1 Internet"))
        #expect(after.text == (try Self.expected(t)))
    }

    @Test func aPeeringDBChangeFromAnotherLedgerOnTheSameFileIsSeen() async throws {
        let path = Scratch.url("roster-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fixture = try PeeringDBFixture()
        let ledger = try Ledger.open(at: path)
        _ = try await ledger.importPeeringDB(from: fixture.source, lenient: false, metadata: EventMetadata(actor: "test"))
        let api = APIv1(ledger: ledger)
        let call = try Parameters(formEncoded: "target=peering&action=getPeers&public_id=1")
        #expect(await api.call(call).text.contains("Akamai Technologies"))
        try fixture.set(.net, id: 2, "name", "Akamai (renamed elsewhere)")
        let other = try Ledger.open(at: path)
        _ = try await other.importPeeringDB(from: fixture.source, lenient: false, metadata: EventMetadata(actor: "test"))
        let after = await api.call(call).text
        #expect(after.contains("Akamai (renamed elsewhere)"))
        #expect(!after.contains("Akamai Technologies"))
    }

    @Test func anAnchorHoldsOnlyForTheSameLogWithNoPeeringDBEventSince() async throws {
        let t = try await PeerAnswerTests.variedLedger()
        let anchor = try t.ledger.headPosition()
        let hash = try t.ledger.readNow { db in try #require(try ExchangeRoster.hash(db, at: anchor)) }
        try await t.call("action=updatePeer&participant_id=2&public_id=1&notes_private=\(UUID().uuidString)")
        let afterStatus = try t.ledger.headPosition()
        try t.ledger.readNow { (db: Database) throws in
            #expect(try ExchangeRoster.stillValid(db, anchor: anchor, hash: hash, position: anchor))
            #expect(try ExchangeRoster.stillValid(db, anchor: anchor, hash: hash, position: afterStatus))
            // Another log's event at that position, a snapshot before the anchor, too far away.
            #expect(!(try ExchangeRoster.stillValid(db, anchor: anchor, hash: String(repeating: "0", count: 64), position: afterStatus)))
            #expect(!(try ExchangeRoster.stillValid(db, anchor: afterStatus, hash: hash, position: anchor)))
            #expect(!(try ExchangeRoster.stillValid(db, anchor: anchor, hash: hash, position: anchor + ExchangeRoster.reach + 1)))
        }
        let fixture = try PeeringDBFixture()
        try fixture.set(.net, id: 1418, "aka", "AWS")
        try await t.importPeeringDB(fixture)
        let afterImport = try t.ledger.headPosition()
        try t.ledger.readNow { (db: Database) throws in
            #expect(!(try ExchangeRoster.stillValid(db, anchor: anchor, hash: hash, position: afterImport)))
            #expect(try ExchangeRoster.stillValid(db, anchor: afterImport, hash: try #require(try ExchangeRoster.hash(db, at: afterImport)), position: afterImport))
        }
    }

    @Test func twoLedgersWithDifferentLogsDoNotShareARoster() async throws {
        let a = try await PeerAnswerTests.variedLedger()
        try await a.call("action=updatePeer&participant_id=262&public_id=1&notes_private=\(UUID().uuidString)")
        _ = try await a.call("action=getPeers&public_id=1")
        // The same steps up to the import, with another name: same positions, other hashes.
        let b = try TestLedger()
        let fixture = try PeeringDBFixture()
        try fixture.set(.net, id: 262, "name", "Not 1&1")
        try await b.importPeeringDB(fixture)
        try b.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        let answer = try await b.call("action=getPeers&public_id=1")
        #expect(answer.text.contains(#""name":"Not 1&1""#))
        #expect(answer.text == (try Self.expected(b)))
    }
}
