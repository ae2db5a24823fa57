import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerMail
@testable import PeerLedgerFixtures
import PeerLedgerTestSupport

/// Numbers from input that used to reach an arithmetic trap, and times that do not exist: each is
/// refused with a message naming where it came from, and nothing is appended.
@Suite("No input reaches a trap")
struct NumericInputTests {
    /// Unix seconds whose milliseconds overflow Int64 (the issue's value), and the smallest Int64.
    static let overflowingSeconds = ["9223372036854776", "-9223372036854775808", "9223372036854775807", "99999999999999999999999"]

    /// Every time parameter the issue names, with a call that reads it: the seed's session and
    /// the PeeringDB fixture are in the ledger, so each call would otherwise answer success:1.
    static let timeParameters: [(name: String, call: String)] = [
        ("as_of", "target=peering&action=getSessions&public_id=1&as_of="),
        ("created", "target=peering&action=getSessions&public_id=1&created="),
        ("modified", "target=peering&action=getSessions&public_id=1&modified="),
        ("date_created", "target=peering&action=getPeers&public_id=1&date_created="),
        ("date_lastupdated", "target=peering&action=getPeers&public_id=1&date_lastupdated="),
        ("since", "target=audit&action=getEvents&since="),
        ("until", "target=audit&action=getEvents&until="),
        ("as_of", "target=audit&action=getEvents&as_of="),
    ]

    static func world() async throws -> TestLedger {
        let (t, _) = try await TestLedger.withPeeringDB()
        try await t.call(amazon)
        return t
    }

    @Test(
        "a time parameter in Unix seconds beyond any real moment is refused naming the parameter, and nothing is appended",
        arguments: timeParameters.indices)
    func overflowingUnixSeconds(_ index: Int) async throws {
        let (name, call) = Self.timeParameters[index]
        let t = try await Self.world()
        // The same call with a real moment is answered.
        let fine = try await t.call(call + "2026-11-20")
        #expect(fine.succeeded, "\(fine.message)")
        let before = try t.eventCount()
        for value in Self.overflowingSeconds {
            let answer = try await t.call(call + value)
            #expect(!answer.succeeded)
            #expect(answer.message.hasPrefix("\(name) must be a time such as"), "\(answer.message)")
            #expect(answer.message.contains("'\(value)'"))
        }
        #expect(try t.eventCount() == before)
    }

    @Test("a day that does not exist is refused, never moved into the next month: 2026-02-31 is not 3 March", arguments: timeParameters.indices)
    func impossibleDay(_ index: Int) async throws {
        let (name, call) = Self.timeParameters[index]
        let t = try await Self.world()
        let before = try t.eventCount()
        for value in ["2026-02-31", "2026-02-31+10:00:00", "2025-02-29", "2026-04-31T00:00:00Z", "2026-11-20+24:00:00", "2026-11-20+23:59:60"] {
            let answer = try await t.call(call + value)
            #expect(!answer.succeeded, "\(name)=\(value) was accepted")
            #expect(answer.message.hasPrefix("\(name) must be a time such as"), "\(answer.message)")
        }
        #expect(try t.eventCount() == before)
    }

    @Test("a getSessions filter on 2026-02-31 used to match sessions created on 3 March; now it is refused")
    func impossibleDayDoesNotMatchTheNextMonth() async throws {
        let t = try TestLedger(start: "2026-03-03 09:00:00")
        try await t.call(amazon)
        #expect(try await t.call("action=getSessions&public_id=1&created=2026-03-03+09:00:00").message == "1 sessions found.")
        let answer = try await t.call("action=getSessions&public_id=1&created=2026-02-31+09:00:00")
        #expect(answer.body == .object([
            ("success", .int(0)),
            ("message", .string("created must be a time such as 2014-05-22 23:14:54 (UTC; a date that exists, years 0001 to 9999, or Unix seconds), got '2026-02-31 09:00:00'")),
        ]))
    }

    @Test("times: the last day of each month exists, the day after does not; leap years by the Gregorian rule")
    func daysOfTheMonth() {
        for (text, exists) in [
            ("2026-01-31", true), ("2026-02-28", true), ("2026-02-29", false), ("2026-02-31", false), ("2024-02-29", true),
            ("2000-02-29", true), ("1900-02-29", false), ("2100-02-29", false), ("2026-04-30", true), ("2026-04-31", false),
            ("2026-06-31", false), ("2026-09-31", false), ("2026-11-31", false), ("2026-12-31", true), ("2026-12-32", false),
            ("2026-13-01", false), ("2026-00-10", false), ("2026-11-00", false),
        ] {
            #expect((Timestamp(parsing: text) != nil) == exists, "\(text)")
        }
        #expect(Timestamp(parsing: "2024-02-29")?.apiText == "2024-02-29 00:00:00")
    }

    @Test("times: hour 24, minute 60 and second 60 are refused; 23:59:59.999 is the last moment of a day")
    func timesOfTheDay() {
        #expect(Timestamp(parsing: "2026-11-20 24:00:00") == nil)
        #expect(Timestamp(parsing: "2026-11-20 23:60:00") == nil)
        #expect(Timestamp(parsing: "2026-11-20 23:59:60") == nil)
        #expect(Timestamp(parsing: "2026-11-20T23:59:60Z") == nil)
        #expect(Timestamp(parsing: "2026-11-20T23:59:59.999Z")?.iso8601 == "2026-11-20T23:59:59.999Z")
        #expect(Timestamp(parsing: "2026-11-20 00:00:00")?.apiText == "2026-11-20 00:00:00")
    }

    @Test("times: years 0001 to 9999 and the Unix seconds between them are accepted, and nothing outside")
    func range() {
        #expect(Timestamp(parsing: "0001-01-01") == Timestamp.earliest)
        #expect(Timestamp(parsing: "9999-12-31T23:59:59.999Z") == Timestamp.latest)
        #expect(Timestamp(parsing: "0000-12-31") == nil)
        #expect(Timestamp(parsing: "-62135596800") == Timestamp.earliest)
        #expect(Timestamp(parsing: "-62135596801") == nil)
        #expect(Timestamp(parsing: "253402300799")?.apiText == "9999-12-31 23:59:59")
        #expect(Timestamp(parsing: "253402300800") == nil)
        #expect(Timestamp(parsing: "1396870357")?.apiText == "2014-04-07 11:32:37")
        for text in Self.overflowingSeconds { #expect(Timestamp(parsing: text) == nil, "\(text)") }
        // The earliest and latest moments format as four-digit years, so they sort as text.
        #expect(Timestamp.earliest.iso8601 == "0001-01-01T00:00:00.000Z")
        #expect(Timestamp.latest.iso8601 == "9999-12-31T23:59:59.999Z")
        // A clock set absurdly far off is held within the range.
        #expect(Timestamp(Date(timeIntervalSince1970: 1e300)) == Timestamp.latest)
        #expect(Timestamp(Date(timeIntervalSince1970: -1e300)) == Timestamp.earliest)
        #expect(Timestamp(Date(timeIntervalSince1970: .nan)).millis == 0)
    }

    @Test("a moment plus a delay is held at the last moment instead of overflowing")
    func advancing() {
        let sent = Timestamp(parsing: "2014-04-23 10:31:33")!
        #expect(sent.advanced(bySeconds: 30 * 86_400).apiText == "2014-05-23 10:31:33")
        #expect(sent.advanced(bySeconds: Int64.max) == Timestamp.latest)
        #expect(sent.advanced(bySeconds: Int64.min) == Timestamp.earliest)
        #expect(sent.advanced(bySeconds: 9_223_372_036_854_776) == Timestamp.latest)
        #expect(RetryPolicy(firstDelaySeconds: Int64.max / 2, maximumDelaySeconds: Int64.max).delay(afterAttempt: 6) == Int64.max)
        #expect(RetryPolicy(firstDelaySeconds: 60).delay(afterAttempt: 3) == 240)
    }

    @Test(
        "ids, ASNs and counts beyond 64 bits or their range are refused naming the parameter",
        arguments: [
            ("action=updateSession&id=9223372036854775808&note=x", "id must be a positive integer, got '9223372036854775808'"),
            ("action=updateSession&id=1&prfx_max=99999999999999999999", "prfx_max must be a non-negative integer, got '99999999999999999999'"),
            ("action=updateSession&id=1&prfx_max=4294967296", "prfx_max must be a non-negative integer, got '4294967296'"),
            ("action=updateSession&id=1&peer_asn=AS9223372036854775808", "peer_asn must be an AS number from 1 to 4294967295, got 'AS9223372036854775808'"),
            ("action=updateSession&id=1&expected_version=-9223372036854775808", "expected_version must be a positive integer, got '-9223372036854775808'"),
            ("action=getSessions&public_id=18446744073709551616", "public_id must be a positive integer, got '18446744073709551616'"),
            ("action=deleteSession&id=1&expected_version=9223372036854775808", "expected_version must be a positive integer, got '9223372036854775808'"),
            ("target=audit&action=getEvents&limit=9223372036854775808", "limit must be a positive integer, got '9223372036854775808'"),
            ("target=audit&action=getEvents&after_position=-1", "after_position must be a non-negative integer, got '-1'"),
        ])
    func hugeNumbers(_ call: String, _ message: String) async throws {
        let t = try await Self.world()
        let before = try t.eventCount()
        let answer = try await t.call(call)
        #expect(answer.message == message)
        #expect(!answer.succeeded)
        #expect(try t.eventCount() == before)
    }

    @Test("a replay's own network must be an AS number: a huge one is refused when the scenario is read")
    func replaySelf() throws {
        let json = try JSON.parse(#"{"start": "2014-04-07 11:32:37", "steps": [{"self": 9223372036854775807}]}"#)
        #expect(throws: Refusal("bad.json: step 1: self must be an AS number from 1 to 4294967295")) {
            try ReplayScenario(name: "bad.json", json: json)
        }
        let badStart = try JSON.parse(#"{"start": "2026-02-31 00:00:00", "steps": []}"#)
        #expect(throws: Refusal(#"bad.json: start must be a time such as "2014-04-07 11:32:37""#)) {
            try ReplayScenario(name: "bad.json", json: badStart)
        }
    }

    @Test("our own network is an AS number: peerledger self with a number outside 1 to 4294967295 is refused")
    func ownNetwork() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let before = try t.eventCount()
        #expect(throws: Refusal("asn must be an AS number from 1 to 4294967295, got 9223372036854775807")) {
            try t.ledger.setOwnNetwork(asn: Int64.max, metadata: EventMetadata(actor: "test"))
        }
        #expect(try t.eventCount() == before)
    }
}
