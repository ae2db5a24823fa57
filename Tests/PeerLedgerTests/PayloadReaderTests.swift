import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Payload reader")
struct PayloadReaderTests {
    @Test("PeeringDB objects read by hand equal JSONDecoder's, for every kind of value and escaped text")
    func peeringDBObjectsMatchFoundation() throws {
        var random = SplitMix64(seed: try TestSeed.value("PayloadReaderTests.peeringDBObjectsMatchFoundation", fixed: 7))
        let texts = ["plain", "quote \" and backslash \\", "tab\tnewline\n", "unicode ünïcødé 東京 🚀", "", "line\u{2028}sep", "ctl\u{01}"]
        for n in 0..<500 {
            var fields: PeeringDBFields = [:]
            for k in 0..<Int(random.next() % 8) {
                switch random.next() % 4 {
                case 0: fields["f\(k)"] = .null
                case 1: fields["f\(k)"] = .bool(random.next() % 2 == 0)
                case 2: fields["f\(k)"] = .int(Int64(bitPattern: random.next()))
                default: fields["f\(k)"] = .text(texts[Int(random.next() % UInt64(texts.count))])
                }
            }
            let type = PeeringDBObjectType.allCases[n % PeeringDBObjectType.allCases.count]
            let event = PeeringDBObjectCreated(objectType: type, objectID: Int64(n), fields: fields)
            let payload = try CanonicalJSON.encode(event)
            let foundation = try CanonicalJSON.decode(PeeringDBObjectCreated.self, from: payload)
            #expect(PayloadReader.peeringDBObjectCreated(payload) == foundation, "\(payload)")
            #expect(foundation == event)
        }
    }

    @Test("PeeringDB objects read from their bytes equal those read through the JSON tree; escapes and odd text go to the tree")
    func scannedPeeringDBObjectsMatchTheTree() throws {
        var random = SplitMix64(seed: try TestSeed.value("PayloadReaderTests.scannedPeeringDBObjectsMatchTheTree", fixed: 11))
        let plain = ["plain", "unicode ünïcødé 東京 🚀", "", "a/b <c> & 'd' {x}"]
        let odd = ["quote \" and backslash \\", "{\"json\":1}", "tab\tnewline\n", "line\u{2028}sep", "ctl\u{01}"]
        var scanned = 0
        for n in 0..<400 {
            var fields: PeeringDBFields = [:]
            var hasOdd = false
            for k in 0..<Int(random.next() % 9) {
                switch random.next() % 5 {
                case 0: fields["f\(k)"] = .null
                case 1: fields["f\(k)"] = .bool(random.next() % 2 == 0)
                case 2: fields["f\(k)"] = .int(Int64(bitPattern: random.next()) >> (random.next() % 64))
                case 3: fields["f\(k)"] = .text(plain[Int(random.next() % UInt64(plain.count))])
                default:
                    fields["f\(k)"] = .text(odd[Int(random.next() % UInt64(odd.count))])
                    hasOdd = true
                }
            }
            let type = PeeringDBObjectType.allCases[n % PeeringDBObjectType.allCases.count]
            let event = PeeringDBObjectCreated(objectType: type, objectID: Int64(n) - 200, fields: fields)
            let payload = try CanonicalJSON.encode(event)
            let tree = PayloadReader.parsedPeeringDBObjectCreated(payload)
            #expect(tree == event, "\(payload)")
            if let bytes = PayloadReader.scannedPeeringDBObjectCreated(payload) {
                #expect(bytes == tree, "\(payload)")
                scanned += 1
            }
            #expect((PayloadReader.scannedPeeringDBObjectCreated(payload) == nil) == hasOdd, "\(payload)")
        }
        #expect(scanned > 100)
        // Out of canonical order, or anything after the object: left to the tree (or refused).
        #expect(PayloadReader.scannedPeeringDBObjectCreated(#"{"fields":{"b":1,"a":2},"object_id":1,"object_type":"net"}"#) == nil)
        #expect(PayloadReader.scannedPeeringDBObjectCreated(#"{"fields":{"a":1},"object_id":1,"object_type":"net"} "#) == nil)
        #expect(PayloadReader.scannedPeeringDBObjectCreated(#"{"fields":{"a":01},"object_id":1,"object_type":"net"}"#) == nil)
        #expect(
            PayloadReader.scannedPeeringDBObjectCreated(#"{"fields":{"a":"x","b":true,"c":null,"d":-7},"object_id":3,"object_type":"ix"}"#)
                == PeeringDBObjectCreated(objectType: .ix, objectID: 3, fields: ["a": .text("x"), "b": .bool(true), "c": .null, "d": .int(-7)]))
    }

    @Test("observed states read by hand equal JSONDecoder's, with and without the optional fields")
    func observedStatesMatchFoundation() throws {
        let cases = [
            SessionStateObserved(sessionID: 4, routerID: 1, state: "established", prefixesReceived: 10, lastError: nil),
            SessionStateObserved(sessionID: 5, routerID: 2, state: "idle", prefixesReceived: nil, lastError: "Cease/Maximum \"Prefixes\"\n"),
            SessionStateObserved(sessionID: 6, routerID: 2, state: "active", prefixesReceived: nil, lastError: nil),
        ]
        for event in cases {
            let payload = try CanonicalJSON.encode(event)
            #expect(PayloadReader.sessionStateObserved(payload) == event, "\(payload)")
        }
        let withNulls = #"{"last_error":null,"prfx_received":null,"router_id":1,"session_id":2,"state":"idle"}"#
        #expect(PayloadReader.sessionStateObserved(withNulls) == (try CanonicalJSON.decode(SessionStateObserved.self, from: withNulls)))
    }

    @Test("a payload outside the canonical shape is left to JSONDecoder")
    func otherShapesFallBack() {
        #expect(PayloadReader.sessionStateObserved(#"{"router_id":1,"session_id":2}"#) == nil)
        #expect(PayloadReader.sessionStateObserved(#"{"router_id":1,"session_id":2,"state":"idle","extra":1}"#) == nil)
        #expect(PayloadReader.sessionStateObserved(#"{"router_id":1,"session_id":2,"state":"idle","prfx_received":"10"}"#) == nil)
        #expect(PayloadReader.peeringDBObjectCreated(#"{"fields":{"a":1.5},"object_id":1,"object_type":"net"}"#) == nil)
        #expect(PayloadReader.peeringDBObjectCreated(#"{"fields":{},"object_id":1,"object_type":"planet"}"#) == nil)
        #expect(PayloadReader.peeringDBObjectCreated(#"{"fields":{"a":1,"a":2},"object_id":1,"object_type":"net"}"#) == nil)
    }
}
