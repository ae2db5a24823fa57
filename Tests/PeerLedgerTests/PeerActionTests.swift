import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

@Suite("Peers: getPeers, getCommunications, resetPeerStatus, updatePeer")
struct PeerActionTests {
    /// 1&1 Internet (net 262) at Equinix Ashburn, field by field in APIv1's (PeeringDB v1) names.
    static let expected: [PeerField: String?] = [
        .public_id: "1", .id: "262", .asn: "8560", .name: "1&1 Internet", .aka: "1&1 Versatel",
        .website: "https://www.1und1.net", .notes_public: "Peering requests to peering@1und1.net",
        .notes_private: "Met at NANOG", .irr_as_set: "AS-1AND1", .info_traffic: "1-5Tbps",
        .info_ratio: "Mostly Outbound", .info_scope: "Europe", .info_type: "Cable/DSL/ISP", .info_prefixes: "150",
        .info_lookingglass: "https://lg.1und1.net", .info_routeserver: "telnet://route-server.1und1.net",
        .info_unicast: "1", .info_multicast: "0", .info_ipv6: "1", .policy_url: "https://www.1und1.net/peering",
        .policy_general: "Selective", .policy_locations: "Preferred", .policy_ratio: "Yes",
        .policy_contracts: "Private Only", .policy_nopublic: nil, .policy_noprivate: nil,
        .date_created: "2004-07-28 10:11:12", .date_lastupdated: "2022-07-27 05:33:22",
    ]

    static func oneAndOne(_ t: TestLedger) throws -> Peer {
        try #require(try t.ledger.readNow { db in try PeerDirectory.members(db, exchange: 1, participant: 262).first })
    }

    @Test("every getPeers field maps from the PeeringDB v2 net (info_prefixes4, looking_glass, notes, created/updated); fields v2 lacks are null")
    func fieldMapping() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        try await t.call("action=updatePeer&participant_id=262&public_id=1&notes_private=Met+at+NANOG")
        #expect(Set(Self.expected.keys) == Set(PeerField.allCases), "every getPeers field has an expected value here")
        let peer = try Self.oneAndOne(t)
        for field in PeerField.allCases {
            #expect(field.value(peer) == Self.expected[field] ?? nil, "\(field.rawValue)")
        }
    }

    @Test("each getPeers filter finds 1&1 Internet by its value, and a different value finds nobody")
    func everyFilter() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        try await t.call("action=updatePeer&participant_id=262&public_id=1&notes_private=Met+at+NANOG")
        for (field, value) in Self.expected {
            guard let value, field != .public_id else { continue }
            var given = value
            if field.matching == .substring { given = String(value.uppercased().dropFirst(2).dropLast(2)) }
            if field.matching == .date { given = String(value.prefix(10)) }
            let answer = try await t.call("action=getPeers&public_id=1&\(field.rawValue)=\(Parameters.encode(given))")
            let ids = answer.data?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(ids.contains("262"), "\(field.rawValue)=\(given): \(answer.message)")
        }
        let none = try await t.call("action=getPeers&public_id=1&policy_general=Open&name=1%261")
        #expect(none.body == .object([("success", .int(1)), ("message", .string("No peers found."))]))
        let missing = try await t.call("action=getPeers&public_id=1&policy_nopublic=N")
        #expect(missing.message == "No peers found.", "PeeringDB v2 no longer has policy_nopublic: it is null")
    }

    @Test("text filters are case-insensitive substrings; ids, ASNs and enums are exact")
    func filterMatching() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        func names(_ query: String) async throws -> [String] {
            try await t.call("action=getPeers&public_id=1&" + query).data?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        }
        #expect(try await names("name=AMAZON") == ["Amazon.com"])
        #expect(try await names("name=N") == ["1&1 Internet", "Akamai Technologies", "Amazon.com"])
        #expect(try await names("policy_general=open") == [])
        #expect(try await names("policy_general=Open") == ["Akamai Technologies"])
        #expect(try await names("asn=AS16509") == ["Amazon.com"])
        #expect(try await names("info_prefixes=600") == [])
        let bad = try await t.call("action=getPeers&asn=sixteen")
        #expect(bad.body == .object([("success", .int(0)), ("message", .string("asn must be an AS number from 1 to 4294967295, got 'sixteen'"))]))
    }

    @Test("is_peer is 1 while a non-deleted session exists with the network at the exchange, or when marked by updatePeer")
    func isPeer() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        func isPeer(_ id: String) async throws -> JSON? {
            try await t.call("action=getPeers&public_id=1&id=\(id)").data?.arrayValue?.first?["is_peer"]
        }
        #expect(try await isPeer("1418") == .int(0))
        try await t.call(amazon)
        #expect(try await isPeer("1418") == .int(1))
        let communications = try await t.call("action=getCommunications&public_id=1").data?.arrayValue
        #expect(communications?.first { $0["id"] == .string("1418") }?["is_peer"] == .bool(true))
        try await t.call("action=deleteSession&id=1")
        #expect(try await isPeer("1418") == .int(0))
        try await t.call("action=updatePeer&participant_id=1418&public_id=1&is_peer=1")
        #expect(try await isPeer("1418") == .int(1))
        try await t.call("action=updatePeer&participant_id=1418&public_id=1&is_peer=0")
        #expect(try await isPeer("1418") == .int(0))
    }

    @Test("qualified follows the configured policies and common address families, updatePeer overrides it, and it is null without our own network")
    func qualifiedRule() async throws {
        let t = try TestLedger()
        try await t.importPeeringDB(try PeeringDBFixture())
        func qualified() async throws -> [String: JSON] {
            var result: [String: JSON] = [:]
            for peer in try await t.call("action=getPeers&public_id=1").data?.arrayValue ?? [] {
                result[peer["name"]?.stringValue ?? ""] = peer["qualified"]
            }
            return result
        }
        #expect(try await qualified()["1&1 Internet"] == .null)
        try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        // 1&1: Selective, IPv4 like us; Akamai: Open, IPv6 like us; Amazon: Restrictive.
        #expect(try await qualified() == ["1&1 Internet": .bool(true), "Akamai Technologies": .bool(true), "Amazon.com": .bool(false)])
        try t.ledger.setOwnNetwork(asn: 8038, qualifiedPolicies: ["Open"], metadata: EventMetadata(actor: "test"))
        #expect(try await qualified()["1&1 Internet"] == .bool(false))
        try await t.call("action=updatePeer&participant_id=1418&public_id=1&qualified=1")
        #expect(try await qualified()["Amazon.com"] == .bool(true))
        try await t.call("action=updatePeer&participant_id=1418&public_id=1&qualified=")
        #expect(try await qualified()["Amazon.com"] == .bool(false))
    }

    @Test("include_public_ips gives the addresses at that exchange; include_contacts only Public and Users contacts")
    func includes() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let amazonPeer = try #require(
            try await t.call("action=getPeers&public_id=1&id=1418&include_public_ips=1").data?.arrayValue?.first)
        #expect(amazonPeer["public_ips"] == .array([
            .object([("public_id", .string("1")), ("ip_type", .string("ipv4")), ("ipaddr", .string("206.126.236.68"))]),
            .object([("public_id", .string("1")), ("ip_type", .string("ipv6")), ("ipaddr", .string("2001:504:0:2::407d:1"))]),
        ]))
        #expect(amazonPeer["contacts"] == .array([]))
        let oneAndOne = try #require(
            try await t.call("action=getPeers&public_id=1&id=262&include_contacts=true").data?.arrayValue?.first)
        #expect(oneAndOne["public_ips"] == .array([]))
        #expect(oneAndOne["contacts"]?.arrayValue?.compactMap { $0["email"]?.stringValue } == ["peering@1und1.net", "noc@1und1.net"])
        #expect(oneAndOne["contacts"]?.arrayValue?.first == .object([
            ("role", .string("Policy")), ("name", .string("Peering")), ("email", .string("peering@1und1.net")),
            ("phone", .string("+49 721 91374 0")),
        ]))
    }

    @Test("getPeers without public_id lists every network but ours, without an exchange")
    func withoutExchange() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let peers = try await t.call("action=getPeers").data?.arrayValue ?? []
        #expect(peers.compactMap { $0["name"]?.stringValue } == ["1&1 Internet", "Akamai Technologies", "Amazon.com"])
        #expect(peers.allSatisfy { $0["public_id"] == .null })
    }

    @Test("resetPeerStatus appends PeerStatusReset to peer-262@1 with a history line; an unknown peer appends nothing")
    func reset() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let count = try t.eventCount()
        let unknown = try await t.call("action=resetPeerStatus&participant_id=262&public_id=2")
        #expect(unknown.body == .object([("success", .int(0)), ("message", .string("Could not find peer matching parameters"))]))
        #expect(try t.eventCount() == count)
        let answer = try await t.call("action=resetPeerStatus&participant_id=262&public_id=1")
        #expect(answer.message == "1&1 Internet status reset")
        #expect(answer.data?["request_status"] == .string("none"))
        #expect(answer.data?["log_data"]?.arrayValue?.first?["message"] == .string("Peer status reset"))
        let event = try #require(try t.events().last)
        #expect(event.type == "PeerStatusReset" && event.stream == "peer-262@1")
    }

    @Test("updatePeer records only what changed, from and to, and refuses a bad request_status")
    func update() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let answer = try await t.call("action=updatePeer&participant_id=262&public_id=1&request_status=accepted")
        #expect(answer.message == "1&1 Internet updated")
        #expect(answer.data?["log_data"]?.arrayValue?.first?["message"] == .string("Peer updated: request_status null to accepted"))
        let count = try t.eventCount()
        let same = try await t.call("action=updatePeer&participant_id=262&public_id=1&request_status=accepted")
        #expect(same.message == "1&1 Internet unchanged")
        #expect(try t.eventCount() == count)
        let bad = try await t.call("action=updatePeer&participant_id=262&public_id=1&notes_private=line%0Abreak")
        #expect(bad.succeeded == false)
        #expect(bad.message.hasPrefix("notes_private must not contain control characters"))
        guard case let .peerUpdated(updated) = try LedgerEvent(try #require(try t.events().last)) else {
            Issue.record("expected PeerUpdated")
            return
        }
        #expect(updated.changes == ["request_status": .init(from: .null, to: .text("accepted"))])
    }

    @Test("getSessions names the exchange (public_name) from PeeringDB")
    func publicName() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        try await t.call(amazon)
        let sessions = try await t.call("action=getSessions&public_id=1")
        #expect(sessions.data?.arrayValue?.first?["public_name"] == .string("Equinix Ashburn"))
    }

    @Test("an exchange or network that does not exist is success:0, not an empty list")
    func unknownTargets() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        #expect(try await t.call("action=getCommunications&public_id=77").message == "No exchange with public_id 77 in the PeeringDB data")
        #expect(try await t.call("action=getPeers&public_id=77").succeeded == false)
        #expect(try await t.call("action=getPeers&id=77").message == "No network with id 77 in the PeeringDB data")
    }

    @Test("common exchanges are those where both we and the peer are present, with both sides' addresses")
    func commonExchanges() async throws {
        let (t, fixture) = try await TestLedger.withPeeringDB()
        // Amazon is at Ashburn and Chicago; we are at Ashburn only.
        #expect(try t.ledger.commonExchanges(with: 1418) == [
            CommonExchange(
                publicID: 1, name: "Equinix Ashburn", ourAddresses: ["206.126.236.5", "2001:504:0:2::8038:1"],
                theirAddresses: ["206.126.236.68", "2001:504:0:2::407d:1"]),
        ])
        try fixture.edit(.netixlan) { records in
            var chicago = records[0]
            chicago["id"] = 6
            chicago["ix_id"] = 2
            chicago["ixlan_id"] = 2
            chicago["ipaddr4"] = "208.115.136.5"
            chicago["ipaddr6"] = NSNull()
            records.append(chicago)
        }
        try await t.importPeeringDB(fixture)
        #expect(try t.ledger.commonExchanges(with: 1418).map(\.name) == ["Equinix Ashburn", "Equinix Chicago"])
        #expect(try t.ledger.commonExchanges(with: 99999) == [])
    }

    @Test("getCommunications as_of an earlier moment shows the peer's status then")
    func asOf() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        t.clock.set(Timestamp(parsing: "2026-11-21 10:00:00")!)
        try await t.call("action=updatePeer&participant_id=262&public_id=1&request_status=sent")
        func status(_ query: String) async throws -> JSON? {
            try await t.call(query).data?.arrayValue?.first { $0["id"] == .string("262") }?["request_status"]
        }
        #expect(try await status("action=getCommunications&public_id=1") == .string("sent"))
        #expect(try await status("action=getCommunications&public_id=1&as_of=2026-11-20+12:00:00") == .null)
    }
}
