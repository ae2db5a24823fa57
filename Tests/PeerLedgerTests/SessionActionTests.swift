import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Session actions")
struct SessionActionTests {
    @Test("addSession answers the seed's message and shape, with id as a number and state not configured")
    func addSessionSeedShape() async throws {
        let t = try TestLedger()
        let answer = try await t.call(amazon)
        #expect(answer.text.hasPrefix(#"{"success":1,"message":"Session added: Amazon.com (AS8038V1.2.3.5) - (AS16509V206.126.236.68)","data":{"id":1,"source_asn":"8038","source_ipaddr":"1.2.3.5","resource_id":"422","resource_name":null,"peer_asn":"16509""#))
        #expect(answer.data?["state"] == .string("not configured"))
        #expect(answer.data?["password"] == .string("ace12345"))
        #expect(answer.data?["ip_type"] == .string("ipv4"))
        #expect(answer.data?["prfx_received"] == .null)
    }

    @Test("getSessions returns the password, but the event log never holds it")
    func passwordStaysOutOfTheLog() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call("action=updateSession&id=1&password=s3cr3t-neighbor")
        let sessions = try await t.call("action=getSessions&public_id=1")
        #expect(sessions.data?.arrayValue?.first?["password"] == .string("s3cr3t-neighbor"))
        var exported = ""
        try t.ledger.export { exported += $0 + "\n" }
        #expect(!exported.contains("ace12345"))
        #expect(!exported.contains("s3cr3t-neighbor"))
        #expect(exported.contains("password_ref"))
    }

    @Test("updateSession records only the changed fields, from and to")
    func updateRecordsOnlyChanges() async throws {
        let t = try TestLedger()
        try await t.call(akamai)
        let answer = try await t.call("action=updateSession&id=1&note=Adding+an+awesome+note.&peer_group=group+a&peer_asn=20940")
        #expect(answer.message == "Session updated: Akamai Technologies (AS32787V1.2.3.4) - (AS20940V206.126.236.102)")
        let update = try #require(try t.events().last)
        #expect(update.type == "SessionUpdated")
        #expect(update.payload == #"{"changes":{"note":{"from":null,"to":"Adding an awesome note."},"peer_group":{"from":"group b","to":"group a"}},"session_id":1}"#)
    }

    @Test("updateSession that changes nothing appends nothing")
    func noOpUpdateAppendsNothing() async throws {
        let t = try TestLedger()
        try await t.call(akamai)
        let answer = try await t.call("action=updateSession&id=1&peer_group=group+b")
        #expect(answer.succeeded)
        #expect(try t.eventCount() == 1)
    }

    @Test("deleteSession is soft: the row stays with deleted = 1 and leaves getSessions unless deleted=1")
    func softDelete() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        #expect(try await t.call("action=deleteSession&id=1").text == #"{"success":1,"message":"1 sessions deleted."}"#)
        let live = try await t.call("action=getSessions&public_id=1")
        #expect(live.message == "1 sessions found.")
        #expect(live.data?.arrayValue?.first?["id"] == .string("2"))
        let deleted = try await t.call("action=getSessions&public_id=1&deleted=1")
        #expect(deleted.data?.arrayValue?.map { $0["id"] } == [.string("1")])
        #expect(try await t.call("action=deleteSession&id=1").text == #"{"success":0,"message":"No sessions found to delete."}"#)
    }

    @Test("deleteSession with no criteria deletes nothing and says so")
    func deleteWithoutCriteria() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        for query in ["action=deleteSession", "action=deleteSession&id=", "action=deleteSession&peer_name=&note="] {
            let answer = try await t.call(query)
            #expect(!answer.succeeded)
            #expect(answer.message.contains("needs at least one criterion"))
        }
        #expect(try t.eventCount() == 1)
        #expect(try await t.call("action=getSessions&public_id=1").message == "1 sessions found.")
    }

    @Test("deleteSession by criteria deletes every match in one command")
    func deleteByCriteria() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        let answer = try await t.call("action=deleteSession&public_id=1&resource_id=422")
        #expect(answer.message == "2 sessions deleted.")
        #expect(try await t.call("action=getSessions&public_id=1").message == "No peers found.")
    }

    @Test("getSessions with no match answers the seed's No peers found. as a success without data")
    func getSessionsEmpty() async throws {
        let t = try TestLedger()
        #expect(try await t.call("action=getSessions&public_id=1").text == #"{"success":1,"message":"No peers found."}"#)
    }

    @Test("getSessions requires public_id")
    func getSessionsNeedsExchange() async throws {
        let t = try TestLedger()
        let answer = try await t.call("action=getSessions")
        #expect(answer.text == #"{"success":0,"message":"getSessions needs public_id: the exchange whose sessions to list"}"#)
    }

    @Test("getSessions filters every field exactly, and by day for created")
    func getSessionsFilters() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        let cases: [(String, [String])] = [
            ("peer_asn=20940", ["2"]), ("peer_name=Amazon.com", ["1"]), ("peer_name=amazon", []),
            ("source_asn=32787", ["2"]), ("prfx_max=200", ["1"]), ("password=0", ["2"]), ("ip_type=ipv4", ["1", "2"]),
            ("state=not+configured", ["1", "2"]), ("created=2026-11-20", ["1", "2"]), ("created=2026-11-21", []),
            ("peer_ipaddr=206.126.236.102", ["2"]), ("id=1", ["1"]),
        ]
        for (filter, ids) in cases {
            let answer = try await t.call("action=getSessions&public_id=1&" + filter)
            #expect(answer.data?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [] == ids, "filter \(filter)")
        }
    }

    @Test("SQL in a filter value is a value, not SQL")
    func sqlInFilterIsInert() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        for injection in ["x%27+OR+%271%27%3D%271", "%27%3B+DROP+TABLE+sessions%3B+--"] {
            let answer = try await t.call("action=getSessions&public_id=1&peer_name=" + injection)
            #expect(answer.text == #"{"success":1,"message":"No peers found."}"#)
        }
        #expect(try await t.call("action=getSessions&public_id=1").message == "1 sessions found.")
    }

    @Test("bad input is refused naming the parameter, and appends nothing", arguments: [
        ("peer_asn=0", "peer_asn must be an AS number from 1 to 4294967295, got '0'"),
        ("peer_asn=4294967296", "peer_asn must be an AS number from 1 to 4294967295, got '4294967296'"),
        ("peer_asn=16509&source_asn=-5", "source_asn must be an AS number from 1 to 4294967295, got '-5'"),
        ("peer_asn=16509&peer_ipaddr=206.126.236.1x", "peer_ipaddr must be an IPv4 or IPv6 address, got '206.126.236.1x'"),
        ("peer_asn=16509&peer_ipaddr=206.126.236.068", "peer_ipaddr must be an IPv4 or IPv6 address, got '206.126.236.068'"),
        ("peer_asn=16509&ip_type=ipv6", "peer_ipaddr 206.126.236.200 is an ipv4 address but ip_type is ipv6"),
        ("peer_asn=16509&ip_type=ipx", "ip_type must be ipv4 or ipv6, got 'ipx'"),
        ("peer_asn=16509&prfx_max=ten", "prfx_max must be a non-negative integer, got 'ten'"),
        ("peer_asn=16509&prfx_max=-1", "prfx_max must be a non-negative integer, got '-1'"),
        ("peer_asn=16509&source_ipaddr=2001:504:0:2::1", "source_ipaddr 2001:504:0:2::1 is an ipv6 address but peer_ipaddr 206.126.236.200 is ipv4"),
        ("peer_asn=16509&peer_name=Amazon%0Aneighbor+6.6.6.6+remote-as+666", "peer_name must not contain control characters (found a line feed (LF)); they would become extra router commands or mail headers"),
        ("peer_asn=16509&note=a%0Db", "note must not contain control characters (found a carriage return (CR)); they would become extra router commands or mail headers"),
        ("peer_asn=16509&password=pw%00x", "password must not contain control characters (found U+0000); they would become extra router commands or mail headers"),
        ("peer_asn=16509&peer_group=g%09b", "peer_group must not contain control characters (found a tab); they would become extra router commands or mail headers"),
        ("peer_asn=16509&state=up", "state must be one of: not configured, configured, idle, connect, active, opensent, openconfirm, established; got 'up'"),
        ("peer_asn=16509&id=5", "addSession does not take parameter id"),
        ("peer_asn=16509&public_id=abc", "public_id must be a positive integer, got 'abc'"),
        ("peer_asn=16509&peer_ipaddr=", "addSession needs peer_ipaddr"),
    ])
    func refusedInput(_ input: (String, String)) async throws {
        let t = try TestLedger()
        // The input's parameters replace these defaults (raw form text, so nothing is decoded twice).
        var raw: [(String, String)] = [("action", "addSession"), ("public_id", "1"), ("peer_ipaddr", "206.126.236.200")]
        for piece in input.0.split(separator: "&") {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            raw.removeAll { $0.0 == parts[0] }
            raw.append((parts[0], parts.count > 1 ? parts[1] : ""))
        }
        let query = raw.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let answer = try await t.call(query)
        #expect(answer.text == APIAnswer.failure(input.1).text)
        #expect(try t.eventCount() == 0)
    }

    @Test("the same peer address twice on one router and exchange is refused while the first lives")
    func duplicateAddress() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let again = try await t.call("action=addSession&public_id=1&resource_id=422&peer_asn=16509&peer_ipaddr=206.126.236.68")
        #expect(again.message == "peer_ipaddr 206.126.236.68 already has session 1 on router 422 at exchange 1; update or delete that session instead")
        // Another router at the same exchange may have its own session with that address.
        #expect(try await t.call("action=addSession&public_id=1&resource_id=423&peer_asn=16509&peer_ipaddr=206.126.236.68").succeeded)
        // After deletion the address is free again.
        try await t.call("action=deleteSession&id=1")
        #expect(try await t.call("action=addSession&public_id=1&resource_id=422&peer_asn=16509&peer_ipaddr=206.126.236.68").succeeded)
    }

    @Test("IPv6 addresses are stored in canonical form and infer ip_type")
    func ipv6Canonical() async throws {
        let t = try TestLedger()
        let answer = try await t.call("action=addSession&public_id=1&peer_asn=16509&peer_ipaddr=2001:0504:0000:0002:0000:0000:0001:6509")
        #expect(answer.data?["peer_ipaddr"] == .string("2001:504:0:2::1:6509"))
        #expect(answer.data?["ip_type"] == .string("ipv6"))
        let dup = try await t.call("action=addSession&public_id=1&peer_asn=16509&peer_ipaddr=2001:504:0:2::1:6509")
        #expect(!dup.succeeded)
    }

    @Test("updateSession and deleteSession of an unknown id are refused")
    func unknownIDs() async throws {
        let t = try TestLedger()
        #expect(try await t.call("action=updateSession&id=41&note=x").text == #"{"success":0,"message":"No session with id 41 to update"}"#)
        #expect(try await t.call("action=updateSession&note=x").message == "updateSession needs id: the session to change")
        #expect(try await t.call("action=deleteSession&id=41").message == "No sessions found to delete.")
        #expect(try t.eventCount() == 0)
    }

    @Test("each session event writes a line in the peer's communications history")
    func communicationsHistory() async throws {
        let t = try TestLedger()
        try await t.call(akamai)
        try await t.call("action=updateSession&id=1&prfx_max=25")
        try await t.call("action=deleteSession&id=1")
        let lines = try await t.ledger.reading { reader in try reader.peerLogEntries(participant: 2, exchange: 1).map(\.json) }
        #expect(lines.map { $0["message"]?.stringValue } == [
            "Session deleted: Akamai Technologies (AS32787V1.2.3.4) - (AS20940V206.126.236.102)",
            "Session updated: Akamai Technologies (AS32787V1.2.3.4) - (AS20940V206.126.236.102)",
            "Session added: Akamai Technologies (AS32787V1.2.3.4) - (AS20940V206.126.236.102)",
        ])
        #expect(lines.last?.serialized() == #"{"message":"Session added: Akamai Technologies (AS32787V1.2.3.4) - (AS20940V206.126.236.102)","time":"2026-11-20 09:00:00","request_id":null,"session_id":"1","public_id":"1"}"#)
    }

    @Test("unknown target and action are refused by name")
    func unknownTargetAndAction() async throws {
        let t = try TestLedger()
        #expect(try await t.call("target=ipam&action=get").message == "Unknown target 'ipam' (expected peering or audit)")
        #expect(try await t.call("action=getPeerz").message == "Unknown action 'getPeerz' for target peering")
        #expect(try await t.call("target=peering").message == "action is required")
    }
}

