import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("PeeringDB fields text taken from the payload")
struct CanonicalFieldsTextTests {
    /// Field names as PeeringDB has them, plus ones whose byte order and sorted-key order could differ.
    static let names = ["name", "asn", "info_prefixes4", "info_prefixes10", "aka", "Zeta", "_x", "é", "irr_as_set", "updated"]
    static let texts = [
        "plain", "https://www.example.net/peering", "quote \" and backslash \\", "tab\tnewline\n", "unicode ünïcødé 東京 🚀", "",
        "line\u{2028}sep", "para\u{2029}sep", "ctl\u{01}", "2026-11-20T09:00:00Z",
    ]

    @Test("whenever the payload's fields are taken, they are exactly the text the projection would build; plain objects are always taken")
    func extractedTextEqualsCanonicalText() throws {
        var random = SplitMix64(seed: try TestSeed.value("CanonicalFieldsTextTests.extractedTextEqualsCanonicalText", fixed: 11))
        var taken = 0
        for n in 0..<3_000 {
            var fields: PeeringDBFields = [:]
            var plain = true
            // Every other object has only PeeringDB's kind of names (plain ASCII).
            for name in n % 2 == 0 ? Self.names : Self.names.filter({ $0 != "é" }) where random.next() % 3 != 0 {
                switch random.next() % 5 {
                case 0: fields[name] = .null
                case 1: fields[name] = .bool(random.next() % 2 == 0)
                case 2:
                    let edges: [Int64] = [0, -1, 1, .max, .min, Int64(bitPattern: random.next())]
                    fields[name] = .int(edges[Int(random.next() % UInt64(edges.count))])
                default:
                    let text = Self.texts[Int(random.next() % UInt64(Self.texts.count))]
                    fields[name] = .text(text)
                    if !SessionPayloadCodec.isPlain(text) { plain = false }
                }
            }
            if fields.keys.contains(where: { !SessionPayloadCodec.isPlain($0) }) { plain = false }
            let type = PeeringDBObjectType.allCases[n % PeeringDBObjectType.allCases.count]
            let id = Int64(n) * 7_919
            let event = LedgerEvent.peeringDBObjectCreated(PeeringDBObjectCreated(objectType: type, objectID: id, fields: fields))
            let payload = try event.encoded().payload
            let extracted = CanonicalFieldsText.extract(from: payload, objectID: id, objectType: type)
            if let extracted {
                #expect(extracted == fields.canonicalText, "\(payload)")
                taken += 1
            }
            if plain { #expect(extracted != nil, "a plain object was not taken: \(payload)") }
        }
        #expect(taken > 500)
    }

    @Test("a payload not exactly of the canonical shape, or of another object, is not taken")
    func otherShapesAreNotTaken() {
        func extract(_ payload: String, id: Int64 = 1, type: PeeringDBObjectType = .net) -> String? {
            CanonicalFieldsText.extract(from: payload, objectID: id, objectType: type)
        }
        #expect(extract(#"{"fields":{"asn":1,"name":"A"},"object_id":1,"object_type":"net"}"#) == #"{"asn":1,"name":"A"}"#)
        #expect(extract(#"{"fields":{},"object_id":1,"object_type":"net"}"#) == "{}")
        let refused = [
            #"{"fields":{"name":"A","asn":1},"object_id":1,"object_type":"net"}"#,  // keys out of byte order
            #"{"fields":{"asn":1,"asn":2},"object_id":1,"object_type":"net"}"#,  // a key twice
            #"{"fields":{"asn":01},"object_id":1,"object_type":"net"}"#,  // not the shortest integer
            #"{"fields":{"asn":-0},"object_id":1,"object_type":"net"}"#,
            #"{"fields":{"asn":1.5},"object_id":1,"object_type":"net"}"#,
            #"{"fields":{"asn":99999999999999999999},"object_id":1,"object_type":"net"}"#,  // beyond Int64
            #"{"fields":{"name":"a\/b"},"object_id":1,"object_type":"net"}"#,  // an escape
            #"{"fields":{"name":["A"]},"object_id":1,"object_type":"net"}"#,  // a nested value
            #"{"fields":{"asn": 1},"object_id":1,"object_type":"net"}"#,  // a space
            #"{"fields":{"asn":1},"object_id":2,"object_type":"net"}"#,  // another object's id
            #"{"fields":{"asn":1},"object_id":1,"object_type":"ix"}"#,  // another type
            #"{"fields":{"asn":1},"fields":{"asn":2},"object_id":1,"object_type":"net"}"#,  // fields twice
            #"{"fields":{"asn":1},"object_id":1,"object_type":"net"} "#,  // trailing bytes
            #"{"fields":{"asn":1}"#, "", #"{"fields":{"asn":tru},"object_id":1,"object_type":"net"}"#,
        ]
        for payload in refused { #expect(extract(payload) == nil, "\(payload)") }
    }

    @Test("a rebuild stores the same PeeringDB texts as the import did, plain and escaped alike")
    func rebuildStoresTheSameTexts() async throws {
        let t = try TestLedger()
        _ = try await t.ledger.write(EventMetadata(actor: "test")) { tx in
            for (id, name) in ["Plain Net", "Net \"Quoted\"\n", "Ünïcødé 東京"].enumerated() {
                try tx.append(
                    .peeringDBObjectCreated(PeeringDBObjectCreated(
                        objectType: .net, objectID: Int64(id + 1), fields: ["asn": .int(Int64(64_500 + id)), "name": .text(name)])),
                    to: "peeringdb-net-\(id + 1)", expecting: .noStream)
            }
        }
        let read = { try t.ledger.readNow { db in try String.fetchAll(db, sql: "SELECT fields FROM peeringdb_objects ORDER BY id") } }
        let before = try read()
        #expect(before == [
            #"{"asn":64500,"name":"Plain Net"}"#, #"{"asn":64501,"name":"Net \"Quoted\"\n"}"#, #"{"asn":64502,"name":"Ünïcødé 東京"}"#,
        ])
        #expect(try t.ledger.rebuild().matches)
        #expect(try read() == before)
    }
}
