import Foundation
import PropertyBased
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
@testable import PeerLedgerPeeringDB

/// Every parser of input, over generated text: (a) no text makes it trap, and what it accepts is
/// within range; (b) a valid value written out reads back as itself. Seeds: `PropertyRun`.
@Suite("Input parsers over generated input")
struct InputParserPropertyTests {
    // MARK: Times

    @Test("Timestamp(parsing:) never traps, and what it accepts lies in years 0001-9999 and reads back to itself")
    func timestampAnyText() {
        PropertyRun.check("Timestamp(parsing:) on any text", count: 5_000, InputText.any) { text in
            guard let moment = Timestamp(parsing: text) else { return }
            #expect(moment >= Timestamp.earliest && moment <= Timestamp.latest, "\(text)")
            #expect(Timestamp(parsing: moment.iso8601) == moment, "\(text)")
            #expect(Timestamp(parsing: moment.apiText)?.apiText == moment.apiText, "\(text)")
        }
    }

    @Test("a moment written as ISO 8601 or Unix seconds parses back to the same moment, across years 0001-9999")
    func timestampRoundTrip() {
        let moments = Gen.int64(in: Timestamp.earliest.millis...Timestamp.latest.millis).map(Timestamp.init(millis:))
        PropertyRun.check("parse(format(t)) == t for times", count: 5_000, moments) { moment in
            #expect(Timestamp(parsing: moment.iso8601) == moment, "\(moment.millis)")
            let second = Timestamp(millis: moment.millis - ((moment.millis % 1000) + 1000) % 1000)
            #expect(Timestamp(parsing: moment.apiText) == second, "\(moment.millis)")
            #expect(Timestamp(parsing: String(second.millis / 1000)) == second, "\(moment.millis)")
            #expect(Timestamp(parsing: String(moment.apiText.prefix(10)))?.apiText == String(moment.apiText.prefix(10)) + " 00:00:00")
        }
    }

    @Test("Unix seconds: every Int64 either is a moment of years 0001-9999 or is refused, never trapping")
    func unixSecondsAnyInt64() {
        PropertyRun.check("Timestamp(parsing:) on any Int64 of seconds", count: 5_000, Gen.int64()) { seconds in
            let parsed = Timestamp(parsing: String(seconds))
            if Timestamp.unixSeconds.contains(seconds) {
                #expect(parsed?.millis == seconds * 1000, "\(seconds)")
            } else {
                #expect(parsed == nil, "\(seconds)")
            }
        }
    }

    @Test("formatting any Int64 of milliseconds never traps")
    func formattingAnyMillis() {
        PropertyRun.check("Timestamp.iso8601/apiText on any Int64", count: 5_000, Gen.int64()) { millis in
            let moment = Timestamp(millis: millis)
            #expect(!moment.iso8601.isEmpty && !moment.apiText.isEmpty)
            _ = moment.advanced(bySeconds: millis)
        }
    }

    @Test("Values.time refuses exactly what Timestamp cannot read, naming the parameter")
    func valuesTime() {
        PropertyRun.check("Values.time on any text", InputText.any) { text in
            switch outcome({ () throws(Refusal) in try Values.time(text, field: "as_of") }) {
            case let .success(moment): #expect(Timestamp(parsing: text) == moment)
            case let .failure(refusal):
                #expect(Timestamp(parsing: text) == nil, "\(text)")
                #expect(refusal.message.hasPrefix("as_of must be a time such as"), "\(refusal.message)")
            }
        }
    }

    @Test("the projections' fast time conversion gives what parsing and formatting give, for any text")
    func recordedTime() {
        let canonical = Gen.int64(in: -90_000_000_000_000...260_000_000_000_000).map { Timestamp(millis: $0).iso8601 }
        PropertyRun.check("RecordedTime.apiText", Gen<String>.oneOf(InputText.any, canonical, canonical)) { text in
            #expect(RecordedTime.apiText(text) == (Timestamp(parsing: text)?.apiText ?? text), "\(text)")
        }
    }

    // MARK: Numbers

    @Test("ASNs: any text is an AS number from 1 to 4294967295 or refused naming the parameter; every ASN reads back")
    func asn() {
        PropertyRun.check("Values.asn on any text", InputText.any) { text in
            switch outcome({ () throws(Refusal) in try Values.asn(text, field: "peer_asn") }) {
            case let .success(value): #expect((1...4_294_967_295).contains(value), "\(text)")
            case let .failure(refusal):
                #expect(refusal.message.hasPrefix("peer_asn must be an AS number from 1 to 4294967295"), "\(refusal.message)")
            }
        }
        PropertyRun.check("Values.asn(format(n)) == n", Gen.int64(in: 1...4_294_967_295)) { asn in
            #expect(parsed { () throws(Refusal) in try Values.asn(String(asn), field: "peer_asn") } == asn)
            #expect(parsed { () throws(Refusal) in try Values.asn("AS\(asn)", field: "peer_asn") } == asn)
        }
        PropertyRun.check("ASNs outside 1-4294967295 are refused", Gen<Int64>.oneOf(Gen.int64(in: .min...0), Gen.int64(in: 4_294_967_296 ... .max))) { value in
            #expect(throws: Refusal.self, "\(value)") { try Values.asn(String(value), field: "peer_asn") }
        }
    }

    @Test("ids: any text is a positive Int64 or refused naming the parameter; every id reads back")
    func identifier() {
        PropertyRun.check("Values.identifier on any text", InputText.any) { text in
            switch outcome({ () throws(Refusal) in try Values.identifier(text, field: "session_id") }) {
            case let .success(value): #expect(value >= 1, "\(text)")
            case let .failure(refusal): #expect(refusal.message.hasPrefix("session_id must be a positive integer"), "\(refusal.message)")
            }
        }
        PropertyRun.check("Values.identifier(format(n)) == n", Gen.int64(in: 1 ... .max)) { id in
            #expect(parsed { () throws(Refusal) in try Values.identifier(String(id), field: "id") } == id)
        }
    }

    @Test("counts: any text is 0 to 4294967295 or refused naming the parameter; every count reads back")
    func count() {
        PropertyRun.check("Values.count on any text", InputText.any) { text in
            switch outcome({ () throws(Refusal) in try Values.count(text, field: "prfx_max") }) {
            case let .success(value): #expect((0...4_294_967_295).contains(value), "\(text)")
            case let .failure(refusal): #expect(refusal.message.hasPrefix("prfx_max must be a non-negative integer"), "\(refusal.message)")
            }
        }
        PropertyRun.check("Values.count(format(n)) == n", Gen.int64(in: 0...4_294_967_295)) { count in
            #expect(parsed { () throws(Refusal) in try Values.count(String(count), field: "prfx_max") } == count)
        }
    }

    @Test("flags: any text is 0/1 or refused naming the parameter; both values read back")
    func flag() {
        PropertyRun.check("Values.flag on any text", InputText.any) { text in
            switch outcome({ () throws(Refusal) in try Values.flag(text, field: "dry_run") }) {
            case let .success(value): #expect(parsed { () throws(Refusal) in try Values.flag(value ? "1" : "0", field: "dry_run") } == value)
            case let .failure(refusal): #expect(refusal.message.hasPrefix("dry_run must be 0 or 1"), "\(refusal.message)")
            }
        }
    }

    // MARK: Addresses

    @Test("IP addresses: any text is an address or refused naming the parameter; an accepted one reads back as itself")
    func addressAnyText() {
        let addressLike = zip(Gen.int(in: 0...999), Gen.int(in: 0...999), Gen.int(in: 0...999), Gen.int(in: 0...999))
            .map { parts in "\(parts.0).\(parts.1).\(parts.2).\(parts.3)" }
        PropertyRun.check("IPAddress on any text", Gen<String>.oneOf(InputText.any, addressLike, InputText.scalar.string(of: 0...60))) { text in
            switch outcome({ () throws(Refusal) in try IPAddress.parse(text, field: "peer_ipaddr") }) {
            case let .success(address): #expect(IPAddress(address.text) == address, "\(text)")
            case let .failure(refusal):
                #expect(refusal.message.hasPrefix("peer_ipaddr must be an IPv4 or IPv6 address"), "\(refusal.message)")
            }
        }
    }

    @Test("IPv4 and IPv6 addresses written out read back as the same address")
    func addressRoundTrip() {
        let ipv4 = zip(Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 0...255), Gen.int(in: 0...255))
            .map { parts in "\(parts.0).\(parts.1).\(parts.2).\(parts.3)" }
        PropertyRun.check("IPv4 parse(format(x)) == x", ipv4) { text in
            #expect(IPAddress(text)?.text == text)
            #expect(IPAddress(text)?.type == .ipv4)
        }
        // Eight groups, some zero so that `::` compression is exercised.
        let group = Gen<UInt16>.oneOf(Gen<UInt16>.value(in: 0...0), Gen<UInt16>.value(in: 0...0xFFFF))
        let ipv6 = group.array(of: 8).map { groups in groups.map { String($0, radix: 16) }.joined(separator: ":") }
        PropertyRun.check("IPv6 parse(format(x)) == x", ipv6) { full in
            let address = IPAddress(full)
            #expect(address?.type == .ipv6, "\(full)")
            #expect(address.flatMap { IPAddress($0.text) } == address, "\(full)")
            #expect(address?.text == address?.text.lowercased())
        }
    }

    // MARK: Session fields, form encoding, mail addresses, JSON

    @Test("every session field's parser: any text is its value or refused naming the field; an accepted value reads back")
    func sessionFields() {
        let fields = Gen<SessionField?>.element(of: SessionField.allCases).map { $0 ?? .id }
        PropertyRun.check("SessionField.parse on any text", zip(fields, InputText.any)) { field, text in
            switch outcome({ () throws(Refusal) in try field.parse(text) }) {
            case let .success(value):
                let written: String =
                    switch value {
                    case let .int(number): String(number)
                    case let .text(text): text
                    case .null: ""
                    }
                #expect(parsed { () throws(Refusal) in try field.parse(written) } == value, "\(field.rawValue)=\(text)")
            case let .failure(refusal): #expect(refusal.message.hasPrefix(field.rawValue), "\(field.rawValue): \(refusal.message)")
            }
        }
    }

    @Test("form decoding never traps on any text, and encoded parameters decode to themselves")
    func formEncoding() throws {
        PropertyRun.check("Parameters(formEncoded:) on any text", Gen<String>.oneOf(InputText.any, InputText.scalar.string(of: 0...80).map { $0 + "%" })) { text in
            _ = try? Parameters(formEncoded: text)
        }
        let value = Gen<String>.oneOf(InputText.any, InputText.edge)
        let pairs = zip(value, value, value).map { values in
            [(name: "note", value: values.0), (name: "as_of", value: values.1), (name: "peer_asn", value: values.2)]
        }
        try PropertyRun.check("Parameters(formEncoded: p.formEncoded) == p", pairs) { pairs in
            let parameters = try #require(try? Parameters(pairs))
            #expect(parsed { () throws(Refusal) in try Parameters(formEncoded: parameters.formEncoded) } == parameters)
        }
    }

    @Test("mail addresses: any text is a mailbox or refused naming the parameter; a mailbox written out reads back")
    func mailboxes() {
        let addressLike = zip(Gen.letterOrNumber.string(of: 1...12), Gen.letterOrNumber.string(of: 1...12), InputText.anyText)
            .map { parts in "\(parts.2) <\(parts.0)@\(parts.1).example>" }
        PropertyRun.check("Mailbox(parsing:) on any text", Gen<String>.oneOf(InputText.any, addressLike)) { text in
            switch outcome({ () throws(Refusal) in try Mailbox(parsing: text, field: "email_to") }) {
            case let .success(mailbox): #expect(parsed { () throws(Refusal) in try Mailbox(parsing: mailbox.description, field: "email_to") } == mailbox, "\(text)")
            case let .failure(refusal): #expect(refusal.message.hasPrefix("email_to"), "\(refusal.message)")
            }
        }
    }

    @Test("JSON: numbers of any size read as an integer, a double or an error, never a trap; every Int64 reads back")
    func jsonNumbers() {
        PropertyRun.check("JSON.parse on any text", Gen<String>.oneOf(InputText.any, InputText.digits.map { "[\($0)]" })) { text in
            _ = try? JSON.parse(text)
        }
        PropertyRun.check("JSON.parse(String(n)) == n", Gen.int64()) { number in
            #expect((try? JSON.parse("[\(number)]")) == .array([.int(number)]))
            #expect((try? JSON.parse(JSON.int(number).serialized()))?.intValue == number)
        }
    }

    // MARK: PeeringDB pages and router output

    @Test("a PeeringDB page with any number in id or asn: the record is taken only when both are in range, never a trap")
    func peeringDBNumbers() {
        let numbers = Gen<String>.oneOf(InputText.digits.filter { Double($0) != nil && !$0.hasPrefix("+") && !$0.hasPrefix("0") }, InputText.edge.filter { !$0.hasPrefix("AS") && !$0.hasPrefix("+") })
        PropertyRun.check("PeeringDB net id and asn", zip(numbers, numbers)) { id, asn in
            let page = PeeringDBPage(
                type: .net, source: "net.json",
                bytes: Array(
                    #"{"data":[{"id":\#(id),"org_id":1,"name":"1&1 Internet","asn":\#(asn),"created":"2004-07-28T00:00:00Z","updated":"2022-07-27T05:33:22Z","status":"ok"}],"meta":{}}"#
                        .utf8),
                isSnapshot: true)
            let (records, issues) = page.records()
            let idValid = Int64(id).map { $0 >= 1 } ?? false
            let asnValid = Int64(asn).map { (1...4_294_967_295).contains($0) } ?? false
            #expect(records.count == (idValid && asnValid ? 1 : 0), "id \(id), asn \(asn)")
            #expect(records.count + issues.count == 1, "id \(id), asn \(asn): \(issues)")
        }
    }

    @Test("FRR and BIRD output with any prefix count: counts within 0-4294967295 are read, others refused, never a trap")
    func routerCounts() {
        let numbers = Gen<String>.oneOf(InputText.digits, InputText.edge)
        PropertyRun.check("FRR acceptedPrefixCounter", zip(numbers, numbers)) { ipv4, ipv6 in
            let text = #"""
                {"206.126.236.68":{"remoteAs":16509,"bgpState":"Established","addressFamilyInfo":{"ipv4Unicast":{"acceptedPrefixCounter":\#(ipv4)},"ipv6Unicast":{"acceptedPrefixCounter":\#(ipv6)}}}}
                """#
            guard let neighbors = try? FRRNeighbors.parse(text) else { return }
            #expect(neighbors.allSatisfy { ($0.prefixesReceived ?? 0) >= 0 && ($0.prefixesReceived ?? 0) <= 4_294_967_295 }, "\(ipv4) \(ipv6)")
        }
        PropertyRun.check("BIRD Routes", zip(numbers, numbers)) { first, second in
            let text = """
                BIRD 2.0.12 ready.
                peerledger_session_1 BGP        ---        up     13:26:56.842  Established
                  BGP state:          Established
                    Neighbor address: 206.126.236.68
                    Neighbor AS:      16509
                  Channel ipv4
                    Routes:         \(first) imported, 0 exported, 0 preferred
                  Channel ipv6
                    Routes:         \(second) imported, 0 exported, 0 preferred
                """
            guard let neighbors = try? BIRDProtocols.parse(text) else { return }
            #expect(neighbors.allSatisfy { ($0.prefixesReceived ?? 0) >= 0 && ($0.prefixesReceived ?? 0) <= 4_294_967_295 }, "\(first) \(second)")
        }
    }
}

/// What a parser read, or nil when it refused.
func parsed<T>(_ body: () throws(Refusal) -> T) -> T? {
    try? body()
}

/// A parser's answer as a value: what it read, or its refusal.
func outcome<T>(_ body: () throws(Refusal) -> T) -> Result<T, Refusal> {
    do {
        return .success(try body())
    } catch {
        return .failure(error)
    }
}
