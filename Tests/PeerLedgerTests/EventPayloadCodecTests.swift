import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The hand codecs of `EventPayloadCodecs` must write `CanonicalJSON.encode`'s bytes exactly (RFC
/// 8785, which `CanonicalJSONTests` holds that encoder to) or leave the payload to it, and read
/// back what `JSONDecoder` reads, leaving every other text, and its error, to `JSONDecoder`.
@Suite("Event payload codecs")
struct EventPayloadCodecTests {
    static let plainTexts = ["", "Hold Timer Expired", "a/b c", "250 2.0.0 Ok: queued as 1f", "~{}[]:,", "reviewed 3", "accepted", "0"]
    static let escapedTexts = ["x\"y", "back\\slash", "line\nbreak", "tab\t", "Zürich", "日本", "\u{7F}", "\u{1}", "e\u{2028}f"]
    static let edgeInts: [Int64] = [0, 1, -1, 10, 9, -10, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]

    /// What the hand codecs write between quotes as is, said independently of the codec's own test.
    static func isPlain(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }
    }

    /// Seeded values: an edge case or a random one, a text that is plain four times in five.
    struct Values {
        var random: SplitMix64

        /// Values for the test `test`, from its printed seed (`TestSeed`).
        init(for test: String = #function) throws {
            random = SplitMix64(seed: try TestSeed.value("EventPayloadCodecTests.\(test.prefix { $0 != "(" })", fixed: 20_261_127))
        }

        mutating func int() -> Int64 {
            switch random.next() % 3 {
            case 0: return EventPayloadCodecTests.edgeInts[Int(random.next() % UInt64(EventPayloadCodecTests.edgeInts.count))]
            case 1: return Int64(bitPattern: random.next())
            default: return Int64(random.next() % 100_000)
            }
        }

        mutating func text() -> String {
            let pool = random.next() % 5 == 0 ? EventPayloadCodecTests.escapedTexts : EventPayloadCodecTests.plainTexts
            return pool[Int(random.next() % UInt64(pool.count))]
        }

        mutating func maybe<T>(_ make: (inout Values) -> T) -> T? { random.next() % 3 == 0 ? nil : make(&self) }

        mutating func peerValue() -> PeeringDBValue {
            switch random.next() % 5 {
            case 0: return .null
            case 1: return .bool(random.next() % 2 == 0)
            case 2: return .int(int())
            default: return .text(text())
            }
        }
    }

    // MARK: Byte identity and round trips

    @Test("every key list the codecs write is in JCS's member order")
    func keyOrdersAreCanonical() {
        for keys in EventPayloadCodecs.keyOrders { #expect(CanonicalJSON.keyOrder(keys) == keys) }
        #expect(EventPayloadCodecs.peerFieldRank == ["is_peer": 0, "notes_private": 1, "qualified": 2, "request_status": 3])
        #expect(Set(EventPayloadCodecs.peerFieldRank.keys) == ["qualified", "is_peer", "request_status", "notes_private"])
    }

    @Test("observed states: the canonical bytes or nil, and read back as JSONDecoder reads them")
    func sessionStateObservedIsCanonical() throws {
        var values = try Values()
        var fast = 0
        for _ in 0..<1500 {
            let event = SessionStateObserved(
                sessionID: values.int(), routerID: values.int(), state: values.text(), prefixesReceived: values.maybe { $0.int() },
                lastError: values.maybe { $0.text() })
            let plain = Self.isPlain(event.state) && Self.isPlain(event.lastError ?? "")
            fast += try check(event, plain: plain, encode: EventPayloadCodecs.encode, decode: EventPayloadCodecs.sessionStateObserved) {
                .sessionStateObserved($0)
            }
        }
        #expect(fast > 800)
    }

    @Test("peer updates: every value kind from and to, unknown and absent fields")
    func peerUpdatedIsCanonical() throws {
        var values = try Values()
        let names = PeerLocalField.allCases.map(\.rawValue) + ["other_field"]
        var fast = 0
        var readOnly = 0
        for _ in 0..<1500 {
            var changes: [String: PeerUpdated.Change] = [:]
            for name in names where values.random.next() % 2 == 0 {
                // The unknown name is rare: the encoder refuses it, the reader takes it.
                if name == "other_field", values.random.next() % 4 != 0 { continue }
                changes[name] = .init(from: values.peerValue(), to: values.peerValue())
            }
            let event = PeerUpdated(participantID: values.int(), publicID: values.int(), changes: changes)
            let plain = changes.values.allSatisfy { Self.isPlain($0.from.text ?? "") && Self.isPlain($0.to.text ?? "") }
            let known = changes["other_field"] == nil
            let payload = try CanonicalJSON.encode(event)
            #expect(EventPayloadCodecs.encode(event) == (plain && known ? payload : nil), "\(payload)")
            #expect(try LedgerEvent.peerUpdated(event).encoded().payload == payload)
            #expect(try CanonicalJSON.decode(PeerUpdated.self, from: payload) == event)
            #expect(EventPayloadCodecs.peerUpdated(payload) == (plain ? event : nil), "\(payload)")
            #expect(try LedgerEvent(recorded(PeerUpdated.type, payload)) == .peerUpdated(event))
            if plain && known { fast += 1 }
            if plain && !known { readOnly += 1 }
        }
        #expect(fast > 300)
        #expect(readOnly > 20)
    }

    @Test("created PeeringDB objects: the canonical bytes, or nil when a name or a text is not plain")
    func peeringDBObjectCreatedIsCanonical() throws {
        var values = try Values()
        // PeeringDB's own names, and some the hand encoder leaves to the general one.
        let names = ["name", "asn", "info_prefixes4", "info_prefixes10", "Zeta", "_x", "aka", "updated", "é", "a\"b"]
        var fast = 0
        for n in 0..<1000 {
            var fields: PeeringDBFields = [:]
            // Every other object uses only the plain names, as PeeringDB's objects do.
            for name in n % 2 == 0 ? names : Array(names.prefix(8)) where values.random.next() % 3 != 0 {
                fields[name] = values.peerValue()
            }
            let type = PeeringDBObjectType.allCases[n % PeeringDBObjectType.allCases.count]
            let event = PeeringDBObjectCreated(objectType: type, objectID: values.int(), fields: fields)
            let payload = try CanonicalJSON.encode(event)
            let plain = fields.keys.allSatisfy(Self.isPlain) && fields.values.allSatisfy { $0.text.map(Self.isPlain) ?? true }
            #expect(EventPayloadCodecs.encode(event) == (plain ? payload : nil), "\(payload)")
            #expect(try LedgerEvent.peeringDBObjectCreated(event).encoded().payload == payload)
            if plain { fast += 1 }
        }
        #expect(fast > 200)
    }

    @Test("peer status resets at every integer edge")
    func peerStatusResetIsCanonical() throws {
        var values = try Values()
        for _ in 0..<500 {
            let event = PeerStatusReset(participantID: values.int(), publicID: values.int())
            _ = try check(event, plain: true, encode: EventPayloadCodecs.encode, decode: EventPayloadCodecs.peerStatusReset) {
                .peerStatusReset($0)
            }
        }
    }

    @Test("requests delivered and answered, with and without a request id")
    func peeringRequestEventsAreCanonical() throws {
        var values = try Values()
        var fast = 0
        for _ in 0..<1000 {
            let delivered = PeeringRequestDelivered(requestID: values.int(), reply: values.text(), attempt: Int(values.int()))
            fast += try check(
                delivered, plain: Self.isPlain(delivered.reply), encode: EventPayloadCodecs.encode,
                decode: EventPayloadCodecs.peeringRequestDelivered
            ) { .peeringRequestDelivered($0) }
            let answered = PeeringRequestAnswered(
                requestID: values.maybe { $0.int() }, peerParticipantID: values.int(), publicID: values.int(), status: values.text())
            fast += try check(
                answered, plain: Self.isPlain(answered.status), encode: EventPayloadCodecs.encode,
                decode: EventPayloadCodecs.peeringRequestAnswered
            ) { .peeringRequestAnswered($0) }
        }
        #expect(fast > 1200)
    }

    /// The hand encoder gives `CanonicalJSON.encode`'s bytes when `plain` (nil otherwise), `encoded()`
    /// gives them always, and the hand reader, `JSONDecoder` and `LedgerEvent` all read `event`
    /// back (the hand reader nil when not `plain`). 1 when the fast path was taken.
    func check<P: EventPayload>(
        _ event: P, plain: Bool, encode: (P) -> String?, decode: (String) -> P?, wrap: (P) -> LedgerEvent
    ) throws -> Int {
        let payload = try CanonicalJSON.encode(event)
        #expect(encode(event) == (plain ? payload : nil), "\(payload)")
        #expect(try wrap(event).encoded().payload == payload)
        #expect(try CanonicalJSON.decode(P.self, from: payload) == event)
        #expect(decode(payload) == (plain ? event : nil), "\(payload)")
        #expect(try LedgerEvent(recorded(P.type, payload)) == wrap(event))
        return plain ? 1 : 0
    }

    // MARK: Other shapes

    @Test("a text outside the canonical shape is read, or refused with the same error, as JSONDecoder does")
    func otherShapesAreLeftToJSONDecoder() throws {
        var read = 0
        var refused = 0
        /// The hand reader refuses each text; `LedgerEvent` answers as `JSONDecoder` does.
        func tally<P: EventPayload>(_ texts: [String], _ decode: (String) -> P?, _ wrap: (P) -> LedgerEvent) throws {
            for text in texts {
                #expect(decode(text) == nil, "\(text)")
                if try expectFoundationsAnswer(P.self, text, wrap: wrap) { read += 1 } else { refused += 1 }
            }
        }
        let reset = [
            #"{"participant_id":1,"public_id":2} "#, #"{ "participant_id":1,"public_id":2}"#, #"{"public_id":2,"participant_id":1}"#,
            #"{"participant_id":01,"public_id":2}"#, #"{"participant_id":-0,"public_id":2}"#, #"{"participant_id":1.5,"public_id":2}"#,
            #"{"participant_id":1e3,"public_id":2}"#, #"{"participant_id":99999999999999999999,"public_id":2}"#,
            #"{"participant_id":"1","public_id":2}"#, #"{"participant_id":1}"#, #"{"participant_id":1,"public_id":2,"x":3}"#,
            #"{"participant_id":1,"public_id":2"#, "", "null", "[]",
        ]
        try tally(reset, EventPayloadCodecs.peerStatusReset) { .peerStatusReset($0) }
        let updated = [
            #"{"changes":{"qualified":{"to":true,"from":null}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"qualified":{"from":null}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"qualified":{"from":null,"to":1.5}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"qualified":{"from":nul,"to":true}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"qualified":{"from":True,"to":true}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"a":{"from":1,"to":2},"a":{"from":1,"to":2}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"notes_private":{"from":"a\nb","to":"\u0041"}},"participant_id":1,"public_id":2}"#,
            #"{"changes":{"notes_private":{"from":"é","to":null}},"participant_id":1,"public_id":2}"#,
            #"{"changes":[],"participant_id":1,"public_id":2}"#, #"{"participant_id":1,"public_id":2}"#,
        ]
        try tally(updated, EventPayloadCodecs.peerUpdated) { .peerUpdated($0) }
        let answered = [
            #"{"peer_participant_id":1,"public_id":2,"request_id":null,"status":"accepted"}"#,
            #"{"peer_participant_id":1,"public_id":2,"status":"accepted","request_id":3}"#,
            #"{"peer_participant_id":1,"public_id":2,"request_id":3,"status":7}"#,
            #"{"peer_participant_id":1,"public_id":2,"request_id":3}"#,
        ]
        try tally(answered, EventPayloadCodecs.peeringRequestAnswered) { .peeringRequestAnswered($0) }
        let delivered = [
            #"{"attempt":1,"reply":"250 \/ ok","request_id":3}"#, #"{"attempt":true,"reply":"250","request_id":3}"#,
            #"{"attempt":1,"reply":250,"request_id":3}"#, #"{"attempt":1,"reply":"250"}"#,
        ]
        try tally(delivered, EventPayloadCodecs.peeringRequestDelivered) { .peeringRequestDelivered($0) }
        let observed = [
            #"{"last_error":null,"prfx_received":null,"router_id":1,"session_id":2,"state":"idle"}"#,
            #"{"router_id":1,"session_id":2,"state":"idle","prfx_received":3}"#, #"{"router_id":1,"session_id":2}"#,
            #"{"prfx_received":"3","router_id":1,"session_id":2,"state":"idle"}"#,
        ]
        try tally(observed, EventPayloadCodecs.sessionStateObserved) { .sessionStateObserved($0) }
        // Both of Foundation's answers were met: values read from other shapes, and errors.
        #expect(read >= 8)
        #expect(refused >= 12)
    }

    @Test("a payload of a newer schema version is still refused before any reader sees it")
    func newerSchemaVersionIsRefused() {
        let event = RecordedEvent(
            position: 9, stream: "peer-1@2", streamVersion: 1, type: PeerStatusReset.type, schemaVersion: 2,
            payload: #"{"participant_id":1,"public_id":2}"#, metadata: "{}", recordedAt: "2026-11-20T09:00:00.000Z",
            prevHash: RecordedEvent.genesisHash, hash: "")
        #expect(throws: LedgerError.unreadableEvent(position: 9, reason: "PeerStatusReset schema version 2 is newer than this build's 1")) {
            try LedgerEvent(event)
        }
    }

    /// `LedgerEvent` gives what `JSONDecoder` gives for `text`: the same value, or the same error
    /// in the same `unreadableEvent` words as before the hand readers.
    /// True when `JSONDecoder` read it.
    func expectFoundationsAnswer<P: EventPayload>(_ type: P.Type, _ text: String, wrap: (P) -> LedgerEvent) throws -> Bool {
        let reference: Result<P, any Error> = Result { try CanonicalJSON.decode(P.self, from: text) }
        switch reference {
        case let .success(value):
            #expect(try LedgerEvent(recorded(P.type, text)) == wrap(value), "\(text)")
            return true
        case let .failure(error):
            #expect(throws: LedgerError.unreadableEvent(position: 1, reason: "\(P.type) payload: \(error)"), "\(text)") {
                try LedgerEvent(recorded(P.type, text))
            }
            return false
        }
    }

    func recorded(_ type: String, _ payload: String) -> RecordedEvent {
        RecordedEvent(
            position: 1, stream: "peer-1@2", streamVersion: 1, type: type, schemaVersion: 1, payload: payload, metadata: "{}",
            recordedAt: "2026-11-20T09:00:00.000Z", prevHash: RecordedEvent.genesisHash, hash: "")
    }
}
