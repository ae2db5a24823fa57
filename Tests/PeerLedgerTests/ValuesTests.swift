import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Values, JSON, time and signatures")
struct ValuesTests {
    @Test("ProVision's documented signature example is reproduced and verified")
    func signatureTestVector() {
        let message = "target=ipam&action=get&type=IP&mask=24&apiKey=32-5DAYTJQY2TZHOFOB"
        let secret = "48b278ec873bda4738923dbc467f8669"
        #expect(RequestSignature.sign(message, secret: secret) == "yneSFMyxPPe+3W4IOkVp50K3VStatBcRRak+2ygDUWQ=")
        let raw = message + "&hash=yneSFMyxPPe%2B3W4IOkVp50K3VStatBcRRak%2B2ygDUWQ%3D"
        let split = try? CallSignature(raw: raw)
        #expect(split?.signed == Substring(message))
        #expect(split?.hash == "yneSFMyxPPe+3W4IOkVp50K3VStatBcRRak+2ygDUWQ=")
        #expect(split?.apiKey == "32-5DAYTJQY2TZHOFOB")
        #expect(RequestSignature.isValid(signed: message, hash: "yneSFMyxPPe+3W4IOkVp50K3VStatBcRRak+2ygDUWQ=", secret: secret))
        #expect(!RequestSignature.isValid(signed: message + "0", hash: "yneSFMyxPPe+3W4IOkVp50K3VStatBcRRak+2ygDUWQ=", secret: secret))
        // A hash sent without %-encoding (raw '+') is read the same way.
        #expect((try? CallSignature(raw: message + "&hash=yneSFMyxPPe+3W4IOkVp50K3VStatBcRRak+2ygDUWQ="))?.hash == "yneSFMyxPPe+3W4IOkVp50K3VStatBcRRak+2ygDUWQ=")
    }

    @Test("form decoding turns + into space and %XX into bytes, refusing malformed escapes and duplicates")
    func formDecoding() throws {
        let parameters = try Parameters(formEncoded: "note=I%27m+a+fancy+note.&peer_name=1%261+Internet&empty=")
        #expect(parameters["note"] == "I'm a fancy note.")
        #expect(parameters["peer_name"] == "1&1 Internet")
        #expect(parameters["empty"] == "")
        #expect(parameters.nonEmpty("empty") == nil)
        // Pieces split on the bytes & and =: a value keeps its later =, empty pieces are skipped,
        // a bare name has an empty value, raw UTF-8 passes through.
        let odd = try Parameters(formEncoded: "&&a=b=c&&flag&é=ü%C3%A9&")
        #expect(odd.pairs.map(\.name) == ["a", "flag", "é"])
        #expect(odd["a"] == "b=c")
        #expect(odd["flag"] == "")
        #expect(odd["é"] == "üé")
        #expect(try Parameters(formEncoded: "").pairs.isEmpty)
        #expect(try Parameters(formEncoded: "=x").pairs.map(\.name) == [""])
        #expect(throws: Refusal("parameter note has a malformed %-escape")) { try Parameters(formEncoded: "note=%zz") }
        #expect(throws: Refusal("parameter id is given more than once")) { try Parameters(formEncoded: "id=1&id=2") }
        #expect(throws: Refusal("parameter note is not valid UTF-8")) { try Parameters(formEncoded: "note=%ff") }
        #expect(Parameters.encode("a b&c/é") == "a+b%26c%2F%C3%A9")
    }

    @Test("numbers are read as plain digits: AS prefixes in any case, no signs, spaces or other digits")
    func numbers() throws {
        #expect(try Values.asn("AS16509", field: "peer_asn") == 16509)
        #expect(try Values.asn("as16509", field: "peer_asn") == 16509)
        #expect(try Values.asn("aS4294967295", field: "peer_asn") == 4_294_967_295)
        #expect(try Values.asn("16509", field: "peer_asn") == 16509)
        for bad in ["AS", "AS+5", "0", "4294967296", "AS 5", "१२", "5\u{301}", "-5", "ASAS5", ""] {
            #expect(throws: Refusal("peer_asn must be an AS number from 1 to 4294967295, got '\(Values.quoted(bad))'")) {
                try Values.asn(bad, field: "peer_asn")
            }
        }
        #expect(try Values.identifier("42", field: "id") == 42)
        #expect(throws: Refusal("id must be a positive integer, got '+42'")) { try Values.identifier("+42", field: "id") }
        #expect(throws: Refusal("id must be a positive integer, got '0'")) { try Values.identifier("0", field: "id") }
        #expect(try Values.count("0", field: "prfx_max") == 0)
        #expect(throws: Refusal("prfx_max must be a non-negative integer, got ' 1'")) { try Values.count(" 1", field: "prfx_max") }
        #expect(IPAddress("2001:DB8::1")?.text == "2001:db8::1")
        #expect(IPAddress("206.126.236.68")?.text == "206.126.236.68")
    }

    @Test("timestamps render in both shapes and parse the forms operators type")
    func timestamps() {
        let moment = Timestamp(parsing: "2014-05-22 23:14:54")
        #expect(moment?.apiText == "2014-05-22 23:14:54")
        #expect(moment?.iso8601 == "2014-05-22T23:14:54.000Z")
        #expect(Timestamp(parsing: "2014-05-22T23:14:54.123Z")?.millis == moment.map { $0.millis + 123 })
        #expect(Timestamp(parsing: "2014-05-22")?.apiText == "2014-05-22 00:00:00")
        #expect(Timestamp(parsing: "1400800494")?.apiText == "2014-05-22 23:14:54")
        #expect(Timestamp(parsing: "1969-12-31 23:59:59")?.millis == -1000)
        #expect(Timestamp(parsing: "2024-02-29 12:00:00")?.apiText == "2024-02-29 12:00:00")
        #expect(Timestamp(parsing: "2014-13-01") == nil)
        #expect(Timestamp(parsing: "yesterday") == nil)
        #expect(Timestamp(parsing: "2014-05-22T23:14:54.123456789Z")?.millis == moment.map { $0.millis + 123 })
        // Spaces an operator leaves around a typed time are trimmed, whichever kind they are.
        #expect(Timestamp(parsing: " 2014-05-22 23:14:54\t") == moment)
        #expect(Timestamp(parsing: "\u{00A0}2014-05-22 23:14:54") == moment)
        #expect(Timestamp(parsing: "2014-05-22 23:14:54 x") == nil)
        // A line break is not a space: a time that carries one is refused, not trimmed.
        #expect(Timestamp(parsing: "2014-05-22 23:14:54\n") == nil)
        #expect(Timestamp(parsing: "\r2014-05-22 23:14:54") == nil)
    }

    @Test("JSON keeps member order, escapes control characters, and reads back what it writes")
    func json() throws {
        let value = JSON.object([("name", .string("1&1 Internet\n\"x\"")), ("asn", .string("8560")), ("is_peer", .bool(false)), ("id", .int(111)), ("q", .null)])
        let text = value.serialized()
        #expect(text == #"{"name":"1&1 Internet\n\"x\"","asn":"8560","is_peer":false,"id":111,"q":null}"#)
        #expect(try JSON.parse(text) == value)
        #expect(value.serialized(sortedKeys: true).hasPrefix(#"{"asn":"8560","id":111"#))
        #expect(try JSON.parse(#"{"a":"\u00e9\ud83d\ude00"}"#)["a"] == .string("é😀"))
        #expect(throws: JSONParseError.self) { try JSON.parse("{\"a\":}") }
    }

    @Test("addresses: canonical IPv6, strict IPv4")
    func addresses() {
        #expect(IPAddress("2001:DB8:0:0::1")?.text == "2001:db8::1")
        #expect(IPAddress("206.126.236.68")?.type == .ipv4)
        for bad in ["206.126.236", "206.126.236.256", "01.2.3.4", "1.2.3.4\n", "1.2.3.4 ", "::g", ""] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        for good in ["0.0.0.0", "255.255.255.255", "10.0.100.9", "192.0.2.1"] {
            #expect(IPAddress(good)?.text == good, "\(good)")
        }
        for bad in ["1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.0400", "00.1.2.3", "1.2.3.-4", "1.2.3.4\u{0}", "1.2.3.٤", "1.2.3.４"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    /// The IPv4 reading goes byte by byte; the C library's `inet_pton`, which also refuses
    /// leading zeros and parts above 255, is the reference it must agree with.
    @Test("IPv4 addresses are accepted exactly where inet_pton accepts them")
    func dottedQuadsAgreeWithInetPton() throws {
        var random = SplitMix64(seed: try TestSeed.value("ValuesTests.dottedQuadsAgreeWithInetPton", fixed: 4))
        func digits() -> String {
            let length = [0, 1, 1, 2, 2, 3, 3, 4][Int(random.next() % 8)]
            return String((0..<length).map { _ in Character(String(random.next() % 10)) })
        }
        var accepted = 0
        for _ in 0..<20_000 {
            // Three to five parts of zero to four digits (leading zeros, 256–9999 and empty
            // parts among them), now and then with a stray byte in place of a dot.
            var text = digits()
            for _ in 0..<[2, 3, 3, 3, 4][Int(random.next() % 5)] {
                text += random.next() % 50 == 0 ? ["-", " ", ":", "a", "\n"][Int(random.next() % 5)] : "."
                text += digits()
            }
            var address = in_addr()
            let reference = inet_pton(AF_INET, text, &address) == 1
            #expect((IPAddress(text)?.type == .ipv4) == reference, "\(text)")
            if reference { accepted += 1 }
        }
        // The corpus holds real addresses, not only refusals.
        #expect(accepted > 300)
    }
}
