import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The byte scanner for session payloads reads what it accepts exactly as the JSON-tree path and
/// Foundation do, and leaves everything else to them.
struct SessionPayloadScannerTests {
    static let values: [FieldValue] = [
        .null, .int(0), .int(7), .int(-1), .int(10), .int(Int64.max), .int(Int64.min), .text(""), .text("Amazon.com"),
        .text("a/b c"), .text("x\"y"), .text("back\\slash"), .text("Zürich"), .text("tab\t"), .text("~{}[]:,"),
    ]

    @Test func scannerReadsEveryCanonicalSessionPayloadAsTheJSONTreeAndFoundationDo() throws {
        var random = SplitMix64(seed: try TestSeed.value("SessionPayloadScannerTests.scannerReadsEveryCanonicalSessionPayloadAsTheJSONTreeAndFoundationDo"))
        let names = SessionField.allCases.map(\.column) + ["unknown_key", "Upper", "key10"]
        var scanned = 0
        for _ in 0..<2000 {
            var fields: [String: FieldValue] = [:]
            var changes: [String: SessionUpdated.FieldChange] = [:]
            for name in names.shuffled(using: &random).prefix(Int.random(in: 0...6, using: &random)) {
                fields[name] = Self.values.randomElement(using: &random) ?? .null
                changes[name] = .init(
                    from: Self.values.randomElement(using: &random) ?? .null, to: Self.values.randomElement(using: &random) ?? .null)
            }
            let id = Int64.random(in: -3...1_000_000, using: &random)
            let added = SessionAdded(sessionID: id, fields: fields)
            let updated = SessionUpdated(sessionID: id, changes: changes)
            let addedText = try CanonicalJSON.encode(added)
            let updatedText = try CanonicalJSON.encode(updated)
            if let fast = SessionPayloadScanner.sessionAdded(addedText) {
                scanned += 1
                #expect(fast == added)
                #expect(fast == SessionPayloadCodec.parsedSessionAdded(addedText))
                #expect(fast == (try CanonicalJSON.decode(SessionAdded.self, from: addedText)))
            }
            if let fast = SessionPayloadScanner.sessionUpdated(updatedText) {
                scanned += 1
                #expect(fast == updated)
                #expect(fast == SessionPayloadCodec.parsedSessionUpdated(updatedText))
                #expect(fast == (try CanonicalJSON.decode(SessionUpdated.self, from: updatedText)))
            }
        }
        #expect(scanned > 1000)
    }

    @Test func scannerLeavesEveryOtherShapeToTheGeneralReader() {
        let others = [
            #"{"fields":{"a":1},"session_id":1} "#, #"{ "fields":{},"session_id":1}"#, #"{"session_id":1,"fields":{}}"#,
            #"{"fields":{"a":01},"session_id":1}"#, #"{"fields":{"a":-0},"session_id":1}"#, #"{"fields":{"a":1.5},"session_id":1}"#,
            #"{"fields":{"a":1e3},"session_id":1}"#, #"{"fields":{"a":99999999999999999999},"session_id":1}"#,
            #"{"fields":{"a":1,"a":2},"session_id":1}"#, #"{"fields":{"a":"\u0041"},"session_id":1}"#,
            #"{"fields":{"a":"é"},"session_id":1}"#, #"{"fields":{"a":true},"session_id":1}"#, #"{"fields":{"a":nul},"session_id":1}"#,
            #"{"fields":{"a":1},"session_id":1"#, #"{"fields":{"a":1},"session_id":01}"#, #"{"fields":{"a":1},"session_id":"1"}"#,
            #"{"fields":{"a":1},"session_id":1,"x":2}"#, "",
        ]
        for text in others {
            #expect(SessionPayloadScanner.sessionAdded(text) == nil, "\(text)")
            let updated = text.replacingOccurrences(of: "fields", with: "changes")
                .replacingOccurrences(of: #""a":1,"a":2"#, with: #""a":{"from":1,"to":2},"a":{"from":1,"to":2}"#)
            #expect(SessionPayloadScanner.sessionUpdated(updated) == nil, "\(updated)")
        }
        #expect(SessionPayloadScanner.sessionUpdated(#"{"changes":{"a":{"to":1,"from":2}},"session_id":1}"#) == nil)
        #expect(SessionPayloadScanner.sessionUpdated(#"{"changes":{},"session_id":4}"#) == SessionUpdated(sessionID: 4, changes: [:]))
        #expect(SessionPayloadScanner.sessionAdded(#"{"fields":{"a":-9223372036854775808},"session_id":0}"#)
            == SessionAdded(sessionID: 0, fields: ["a": .int(Int64.min)]))
    }
}
