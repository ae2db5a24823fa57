import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The hand-written session payload codec must give `CanonicalJSON.encode`'s bytes exactly (RFC
/// 8785, which `CanonicalJSONTests` holds that encoder to), and read them back.
struct SessionPayloadCodecTests {
    static let texts = [
        "Amazon.com", "", "I'm a fancy note.", "a/b", "206.126.236.68", "x\"y", "back\\slash", "line\nbreak", "tab\t",
        "Zürich", "日本", "\u{7F}", "\u{1}", "e\u{2028}f", "mixed Case_Key",
    ]

    static func randomValue(_ random: inout SplitMix64) -> FieldValue {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return .null
        case 1: return .int(Int64.random(in: Int64.min...Int64.max, using: &random))
        default: return .text(texts.randomElement(using: &random) ?? "")
        }
    }

    @Test func sessionAddedPayloadIsTheCanonicalEncodersBytes() throws {
        var random = SplitMix64(seed: try TestSeed.value("SessionPayloadCodecTests.sessionAddedPayloadIsTheCanonicalEncodersBytes"))
        let names = SessionField.allCases.map(\.column) + ["unknown_key", "Upper", "key10", "key9"]
        var fastCount = 0
        for _ in 0..<2000 {
            var fields: [String: FieldValue] = [:]
            for name in names.shuffled(using: &random).prefix(Int.random(in: 0...names.count, using: &random)) {
                fields[name] = Self.randomValue(&random)
            }
            let added = SessionAdded(sessionID: Int64.random(in: -5...1_000_000, using: &random), fields: fields)
            let (_, _, payload) = try LedgerEvent.sessionAdded(added).encoded()
            #expect(payload == (try CanonicalJSON.encode(added)))
            if SessionPayloadCodec.encode(added) != nil { fastCount += 1 }
            let decoded = try LedgerEvent(recorded(SessionAdded.type, payload))
            #expect(decoded == .sessionAdded(added))
        }
        #expect(fastCount > 0)
    }

    @Test func sessionUpdatedPayloadIsTheCanonicalEncodersBytes() throws {
        var random = SplitMix64(seed: try TestSeed.value("SessionPayloadCodecTests.sessionUpdatedPayloadIsTheCanonicalEncodersBytes"))
        let names = SessionField.allCases.map(\.column) + ["unknown_key"]
        var fastCount = 0
        for _ in 0..<2000 {
            var changes: [String: SessionUpdated.FieldChange] = [:]
            for name in names.shuffled(using: &random).prefix(Int.random(in: 0...names.count, using: &random)) {
                changes[name] = .init(from: Self.randomValue(&random), to: Self.randomValue(&random))
            }
            let updated = SessionUpdated(sessionID: Int64.random(in: 1...1_000_000, using: &random), changes: changes)
            let (_, _, payload) = try LedgerEvent.sessionUpdated(updated).encoded()
            #expect(payload == (try CanonicalJSON.encode(updated)))
            if SessionPayloadCodec.encode(updated) != nil { fastCount += 1 }
            let decoded = try LedgerEvent(recorded(SessionUpdated.type, payload))
            #expect(decoded == .sessionUpdated(updated))
        }
        #expect(fastCount > 0)
    }

    @Test func payloadsOutsideTheFastShapeAreStillReadOrRefusedByJSONDecoder() throws {
        // Extra member, float, duplicate key, escaped text: JSONDecoder decides.
        let extra = try LedgerEvent(recorded(SessionAdded.type, #"{"fields":{},"session_id":3,"later":1}"#))
        #expect(extra == .sessionAdded(SessionAdded(sessionID: 3, fields: [:])))
        let escaped = try LedgerEvent(recorded(SessionAdded.type, #"{"fields":{"note":"a\nb"},"session_id":4}"#))
        #expect(escaped == .sessionAdded(SessionAdded(sessionID: 4, fields: ["note": .text("a\nb")])))
        #expect(throws: LedgerError.self) { try LedgerEvent(recorded(SessionAdded.type, #"{"fields":{"note":true},"session_id":4}"#)) }
        #expect(throws: LedgerError.self) { try LedgerEvent(recorded(SessionUpdated.type, #"{"changes":{"note":{"from":null}},"session_id":4}"#)) }
        #expect(throws: LedgerError.self) { try LedgerEvent(recorded(SessionAdded.type, #"{"fields":{},"session_id":1.5}"#)) }
    }

    func recorded(_ type: String, _ payload: String) -> RecordedEvent {
        RecordedEvent(
            position: 1, stream: "session-1", streamVersion: 1, type: type, schemaVersion: 1, payload: payload, metadata: "{}",
            recordedAt: "2026-11-20T09:00:00.000Z", prevHash: RecordedEvent.genesisHash, hash: "")
    }
}
