import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

/// getPeers written straight into bytes (`JSONBytes`, `PeerAnswer`) and its members read in two
/// narrow passes (`ExchangeMembers`): the same bytes and the same peers as the JSON values and
/// the general query they replace.
@Suite struct PeerAnswerTests {
    static let strings = [
        "", "plain", "1&1 Internet", #"quote " inside"#, #"back\slash"#, "tab\there", "line\nbreak", "cr\rlf\r\n",
        String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }), "\u{7F}del", "é, ü, ß", "日本語のネットワーク",
        "emoji 😀🇩🇪", "\u{2028}", "a\u{2028}b\u{2029}c", "\u{2027}\u{202A}", "€ sign (E2 82 AC)", "â (C3 A2)",
        "ends with E2 80: \u{2000}", "</script>",
    ]

    @Test func stringsAreEscapedExactlyAsTheJSONWriterEscapesThem() {
        for text in Self.strings {
            var bytes: [UInt8] = []
            JSONBytes.appendString(text, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == JSON.string(text).serialized(), "\(text.debugDescription)")
        }
    }

    @Test func numbersFlagsAndNullsAreWrittenAsTheJSONWriterWritesThem() {
        for number: Int64 in [0, 1, 9, 10, -1, -9, -10, 8560, 4_294_967_295, .max, .min] {
            var plain: [UInt8] = [], quoted: [UInt8] = []
            JSONBytes.appendInt(number, to: &plain)
            JSONBytes.appendNumericString(number, to: &quoted)
            #expect(String(decoding: plain, as: UTF8.self) == JSON.int(number).serialized())
            #expect(String(decoding: quoted, as: UTF8.self) == JSON.numericString(number).serialized())
        }
        for flag: Bool? in [true, false, nil] {
            var bytes: [UInt8] = []
            JSONBytes.appendBool(flag, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == (flag.map(JSON.bool) ?? .null).serialized())
        }
        var bytes: [UInt8] = []
        JSONBytes.appendNumericString(nil, to: &bytes)
        JSONBytes.appendString(nil as String?, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "nullnull")
    }

    @Test func aNetixlanRecordGivesItsNetAndWhichAddressesAreSet() {
        func record(_ text: String) -> NetixlanRecord? {
            var text = text
            return text.withUTF8 { NetixlanRecord(text: UnsafeRawBufferPointer($0)) }
        }
        #expect(
            record(#"{"asn":8560,"ipaddr4":"206.126.236.200","ipaddr6":null,"ix_id":1,"net_id":262,"notes":""}"#)
                == NetixlanRecord(netID: 262, hasIPv4: true, hasIPv6: false))
        #expect(record(#"{"ipaddr4":"","ipaddr6":"2001:db8::1","net_id":2}"#) == NetixlanRecord(netID: 2, hasIPv4: false, hasIPv6: true))
        #expect(record(#"{"net_id":-7}"#) == NetixlanRecord(netID: -7, hasIPv4: false, hasIPv6: false))
        #expect(record(#" { "ipaddr4" : "10.0.0.1" , "net_id" : 5 } "#) == NetixlanRecord(netID: 5, hasIPv4: true, hasIPv6: false))
        // A quoted `net_id` inside another member's text is not the member.
        #expect(
            record(#"{"net_id":3,"notes":"x\",\"net_id\":5,\"ipaddr4\":\"1"}"#) == NetixlanRecord(netID: 3, hasIPv4: false, hasIPv6: false))
        // Not this reader's shape: the general query answers instead.
        for text in [
            #"{"ipaddr4":"10.0.0.1"}"#, #"{"net_id":"5"}"#, #"{"net_id":5.0}"#, #"{"net_id":1e3}"#, #"{"net_id":05}"#,
            #"{"net_id":99999999999999999999}"#, #"{"net\u005fid":5}"#, #"{"net_id":5,"x":[1]}"#, #"{"net_id":5,"x":{}}"#,
            #"{"net_id":5"#, #"{"net_id":5,}"#, #"[{"net_id":5}]"#, #"{"net_id":5} x"#, #"{"notes":"unterminated}"#, "",
        ] {
            #expect(record(text) == nil, "\(text)")
        }
    }

    /// The fixture with names that need escaping, a second address of Amazon at Ashburn with no
    /// address set, a net without IPv4 prefixes, and our status set for two peers.
    static func variedLedger(start: String = "2026-11-20 09:00:00") async throws -> TestLedger {
        let t = try TestLedger(start: start)
        let fixture = try PeeringDBFixture()
        try fixture.set(.net, id: 262, "name", "1&1 \"Internet\" \\ Ionos\tAG")
        try fixture.set(.net, id: 2, "name", "Akamaï 日本 😀 \u{2028}line")
        try fixture.set(.net, id: 1418, "info_prefixes4", NSNull())
        try fixture.edit(.netixlan) { records in
            guard var second = records.first(where: { $0["id"] as? Int == 4 }) else { return }
            second["id"] = 6
            second["ipaddr4"] = NSNull()
            second["ipaddr6"] = ""
            records.append(second)
        }
        try await t.importPeeringDB(fixture)
        try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        try await t.call("action=updatePeer&participant_id=262&public_id=1&request_status=sent&qualified=0&notes_private=Met")
        try await t.call("action=updatePeer&participant_id=2&public_id=1&is_peer=1")
        return t
    }

    /// getPeers' answer built the way it was before: a JSON value per peer, serialized.
    static func valueAnswer(_ t: TestLedger, exchange: Int64?, ips: Bool, contacts: Bool, log: Bool) throws -> String {
        try t.ledger.readNow { db in
            let own = try OwnNetwork.fetch(db)
            let candidates =
                if let exchange { try PeerDirectory.queriedMembers(db, exchange: exchange) } else { try PeerDirectory.networks(db) }
            let peers = PeerDirectory.sorted(candidates.filter { $0.netID != own?.netID })
            let data = try peers.map { try PeerActions.json($0, own: own, LedgerReader(db), publicIPs: ips, contacts: contacts, log: log) }
            return APIAnswer.success(Reply("\(peers.count) peers found.", data: .array(data))).text
        }
    }

    @Test func getPeersWritesTheSameBytesAsTheJSONValuesWould() async throws {
        let t = try await Self.variedLedger()
        for exchange: Int64? in [1, 2, nil] {
            for (ips, contacts, log) in [(false, false, false), (true, true, true), (true, false, false), (false, false, true)] {
                var query = "action=getPeers"
                if let exchange { query += "&public_id=\(exchange)" }
                if ips { query += "&include_public_ips=1" }
                if contacts { query += "&include_contacts=1" }
                if log { query += "&include_log_data=1" }
                let answer = try await t.call(query)
                #expect(answer.succeeded, "\(query)")
                #expect(answer.text == (try Self.valueAnswer(t, exchange: exchange, ips: ips, contacts: contacts, log: log)), "\(query)")
            }
        }
        let answer = try await t.call("action=getPeers&public_id=1")
        #expect(answer.text.contains(#""name":"1&1 \"Internet\" \\ Ionos\tAG""#))
        #expect(answer.text.contains(#""name":"Akamaï 日本 😀 \u2028line""#))
        #expect(answer.text.contains(#""info_prefixes":null"#))
    }

    @Test func anAnswerWrittenAsTextReadsBackAsItsValue() async throws {
        let t = try await Self.variedLedger()
        let answer = try await t.call("action=getPeers&public_id=1")
        let value = try t.ledger.readingNow { reader in try PeerActions.getPeers(try Parameters(formEncoded: "public_id=1"), reader) }
        #expect(answer.succeeded)
        #expect(answer.message == "3 peers found.")
        #expect(answer.body.serialized() == answer.text)
        #expect(answer.data?.arrayValue?.count == 3)
        #expect(answer == APIAnswer.success(Reply(value.message, data: value.data)))
        #expect(value == Reply("3 peers found.", data: answer.data))
        #expect(answer.data?.arrayValue?.first?["name"] == .string("1&1 \"Internet\" \\ Ionos\tAG"))
    }

    @Test func exchangeMembersAreTheSamePeersAsTheGeneralQueryGives() async throws {
        let t = try await Self.variedLedger()
        try t.ledger.readNow { db in
            for exchange: Int64 in [1, 2, 3] {
                let sessions = try PeerDirectory.networksWithSessions(db, exchange: exchange)
                let fast = try #require(try ExchangeMembers.read(db, exchange: exchange, withSessions: sessions))
                let general = try PeerDirectory.queriedMembers(db, exchange: exchange)
                #expect(fast.map(Self.summary).sorted() == general.map(Self.summary).sorted(), "exchange \(exchange)")
            }
            let amazon = try #require(try ExchangeMembers.read(db, exchange: 1, withSessions: []))
                .first { $0.netID == 1418 }
            // Two addresses at Ashburn: one with both families, one with none set.
            #expect(amazon?.hasIPv4 == true)
            #expect(amazon?.hasIPv6 == true)
        }
    }

    @Test func aMemberRecordOutsideTheCanonicalShapeFallsBackToTheGeneralQuery() async throws {
        // A log of its own from its first event (a clock no other test's ledger starts at): the
        // rows are changed below without an event, and no other ledger's roster
        // (`ExchangeRoster.shared`, anchored to a position and that event's hash) may be taken for
        // them. With the shared start, a test running beside this one could anchor a roster at a
        // position both logs share (they import the same data) between `removeAll` and the read.
        let t = try await Self.variedLedger(start: "2026-11-20 09:17:43")
        let before = try await t.call("action=getPeers&public_id=1")
        try await t.ledger.database.write { db in
            // Not a shape the projection writes (SQLite still reads net_id as 2).
            try db.execute(sql: #"UPDATE peeringdb_objects SET fields = '{"ix_id":1,"net_id":2.0,"ipaddr6":"2001:db8::2"}' WHERE type = 'netixlan' AND id = 3"#)
        }
        ExchangeRoster.shared.removeAll()
        try t.ledger.readNow { db in
            #expect(try ExchangeMembers.roster(db, exchange: 1) == nil)
            #expect(try ExchangeMembers.read(db, exchange: 1, withSessions: []) == nil)
            let members = try PeerDirectory.members(db, exchange: 1)
            #expect(members.map(Self.summary).sorted() == (try PeerDirectory.queriedMembers(db, exchange: 1)).map(Self.summary).sorted())
            #expect(members.contains { $0.netID == 2 })
        }
        t.api.readCache.removeAll()
        #expect(try await t.call("action=getPeers&public_id=1").text == before.text)
    }

    static func summary(_ peer: Peer) -> String {
        [
            "\(peer.netID)", peer.net.canonicalText, "\(peer.exchange ?? -1)", peer.requestStatus ?? "-",
            "\(peer.qualifiedOverride.map { $0 ? 1 : 0 } ?? -1)", "\(peer.markedPeer)", peer.notesPrivate ?? "-",
            "\(peer.hasSession)", "\(peer.hasIPv4)", "\(peer.hasIPv6)",
        ].joined(separator: "|")
    }
}
