import Foundation
import GRDB
import PropertyBased
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// The log's canonical text is RFC 8785 (JCS), with one documented extension for integers beyond
/// ±2^53 (`CanonicalJSON`). Held here to the RFC's own examples, and over generated values to
/// `ReferenceJCS`, a serializer written in this file from the RFC's rules alone.
@Suite("Canonical JSON: RFC 8785")
struct CanonicalJSONTests {
    // MARK: The RFC's examples

    /// RFC 8785 §3.2.3's sorting example: names compared as UTF-16 code units, so the emoji
    /// (surrogates D83D DE00) comes before U+FB33, although its code point is larger.
    static let sortingInput = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
    static let sortingOutput =
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{F6}\":\"Latin Small Letter O With Diaeresis\","
        + "\"\u{20AC}\":\"Euro Sign\",\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"

    @Test("RFC 8785 §3.2.3: members sorted by UTF-16 code units, a name beyond the BMP before U+FB33")
    func rfcSortingExample() throws {
        #expect(try CanonicalJSON.text(JSON.parse(Self.sortingInput)) == Self.sortingOutput)
        let dictionary = [
            "\u{20AC}": "Euro Sign", "\r": "Carriage Return", "\u{FB33}": "Hebrew Letter Dalet With Dagesh", "1": "One",
            "\u{1F600}": "Emoji: Grinning Face", "\u{80}": "Control", "\u{F6}": "Latin Small Letter O With Diaeresis",
        ]
        #expect(try CanonicalJSON.encode(dictionary) == Self.sortingOutput)
        #expect(CanonicalJSON.keyOrder(dictionary.keys) == ["\r", "1", "\u{80}", "\u{F6}", "\u{20AC}", "\u{1F600}", "\u{FB33}"])
    }

    @Test("RFC 8785 §3.2.2's example: numbers, escapes and literals, byte for byte")
    func rfcPrimitivesExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try CanonicalJSON.text(JSON.parse(input)) == expected)
    }

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and the text each must become.
    static let numberSamples: [(UInt64, String)] = [
        (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"), (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"), (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"), (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"), (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"), (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"), (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"), (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"), (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"), (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"), (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"), (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ]

    @Test("RFC 8785 Appendix B: every number sample, from the writer and from the reference")
    func rfcNumberSamples() throws {
        for (bits, expected) in Self.numberSamples {
            let value = Double(bitPattern: bits)
            #expect(CanonicalJSON.numberText(value) == expected, "\(String(bits, radix: 16))")
            #expect(try CanonicalJSON.text(.double(value)) == expected, "\(String(bits, radix: 16))")
            #expect(ReferenceJCS.number(value) == expected, "\(String(bits, radix: 16))")
        }
    }

    @Test("NaN and the infinities have no canonical form and are refused (RFC 8785 §3.2.2.3)")
    func nonFiniteNumbersAreRefused() {
        struct Reading: Encodable { var value: Double }
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(CanonicalJSON.numberText(value) == nil)
            #expect(throws: EncodingError.self) { try CanonicalJSON.encode(Reading(value: value)) }
            #expect(throws: EncodingError.self) { try CanonicalJSON.text(.array([.double(value)])) }
        }
    }

    @Test("strings: only quote, backslash and the controls are escaped; \\b \\f \\n \\r \\t short, other controls \\u00xx in lowercase")
    func stringEscapes() {
        let short: [UInt32: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for code in UInt32(0)..<0x20 {
            let hex = String(code, radix: 16)
            let expected = short[code] ?? #"\u00"# + (hex.count == 1 ? "0" + hex : hex)
            #expect(CanonicalJSON.string(String(Character(Unicode.Scalar(code)!))) == "\"" + expected + "\"", "U+\(hex)")
        }
        #expect(CanonicalJSON.string(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        // Written as they are: the solidus, DEL, C1 controls, the line and paragraph separators,
        // non-ASCII and characters beyond the BMP.
        for text in ["/", "a/b", "\u{7F}", "\u{80}", "\u{9F}", "\u{2028}", "\u{2029}", "Zürich", "日本", "😀", "e\u{301}", "\u{FEFF}"] {
            #expect(CanonicalJSON.string(text) == "\"" + text + "\"", "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // A grapheme that joins an escaped character to the next one is still cut at the escape.
        #expect(CanonicalJSON.string("\r\n") == #""\r\n""#)
        #expect(CanonicalJSON.string("\"\u{301}") == "\"\\\"\u{301}\"")
    }

    @Test("integers from -2^53 to 2^53 are plain digits, exactly JCS's text for them")
    func safeIntegersAreJCS() throws {
        let limit: Int64 = 1 << 53
        for value in [0, 1, -1, 10, -10, 4_294_967_295, limit - 1, limit, -limit, -(limit - 1), 1_000_000_000_000_000] {
            #expect(try CanonicalJSON.text(.int(value)) == String(value))
            #expect(ReferenceJCS.serialize(.int(value)) == String(value))
        }
    }

    @Test("integers beyond ±2^53 keep their exact digits (the ledger's one extension of JCS), and read back exact")
    func largeIntegersKeepTheirDigits() throws {
        struct Ids: Codable, Equatable { var id: Int64 }
        // JCS would write the nearest double: 2^53 + 1 as 9007199254740992, Int64.max as
        // 9223372036854776000, losing the id.
        let samples: [(Int64, jcs: String)] = [
            ((1 << 53) + 1, "9007199254740992"), (1 << 60, "1152921504606847000"), (Int64.max, "9223372036854776000"),
            (Int64.min, "-9223372036854776000"), (-(1 << 53) - 1, "-9007199254740992"),
        ]
        for (value, jcs) in samples {
            let text = try CanonicalJSON.encode(Ids(id: value))
            #expect(text == #"{"id":\#(value)}"#)
            #expect(ReferenceJCS.serialize(.int(value)) == jcs)
            #expect(try CanonicalJSON.decode(Ids.self, from: text) == Ids(id: value))
            #expect(try CanonicalJSON.text(JSON.parse(text)) == text)
        }
    }

    @Test("one name twice in a JSON object is refused: JCS's input has unique names")
    func duplicateNamesAreRefused() throws {
        #expect(throws: EncodingError.self) { try CanonicalJSON.text(JSON.parse(#"{"a":1,"b":2,"a":3}"#)) }
        // `é` and `e` + U+0301 are different names to JCS, though Swift's `==` calls them equal.
        #expect(try CanonicalJSON.text(.object([("e\u{301}", .int(1)), ("\u{E9}", .int(2))])) == "{\"e\u{301}\":1,\"\u{E9}\":2}")
    }

    @Test("a key encoded twice by an Encodable keeps its last value")
    func encodableKeySetTwiceKeepsTheLast() throws {
        struct Twice: Encodable {
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(1, forKey: .b)
                try container.encode("first", forKey: .a)
                try container.encode(true, forKey: .a)
            }
        }
        #expect(try CanonicalJSON.encode(Twice()) == #"{"a":true,"b":1}"#)
    }

    // MARK: Generated values against the reference

    @Test("generated JSON values: the canonical text is the reference JCS serializer's, byte for byte")
    func generatedValuesMatchTheReference() throws {
        var ledger = 0
        PropertyRun.check("CanonicalJSON.text(v) == ReferenceJCS.serialize(v)", count: 3_000, Gen.uint64()) { seed in
            var world = JSONWorld(seed: seed, largeIntegers: false)
            let value = world.value(depth: 0)
            let text = try? CanonicalJSON.text(value)
            #expect(text == ReferenceJCS.serialize(value), "seed \(seed)")
            // The Encoder path writes the same text as the tree path.
            #expect((try? CanonicalJSON.encode(EncodableJSON(value))) == text, "seed \(seed)")
            ledger += 1
        }
        #expect(ledger == 3_000)
    }

    @Test("generated JSON values: parsing canonical text and writing it again gives the same text")
    func reCanonicalizingIsTheIdentity() {
        PropertyRun.check("text(parse(text(v))) == text(v)", count: 3_000, Gen.uint64()) { seed in
            var world = JSONWorld(seed: seed, largeIntegers: true)
            let value = world.value(depth: 0)
            guard let text = try? CanonicalJSON.text(value) else {
                Issue.record("seed \(seed): no canonical text")
                return
            }
            #expect((try? CanonicalJSON.text(JSON.parse(text))) == text, "seed \(seed): \(text)")
        }
    }

    @Test("member order: CanonicalJSON.precedes is UTF-16 code unit order for any two texts")
    func memberOrderIsUTF16Order() {
        PropertyRun.check("precedes(a, b) == a.utf16 < b.utf16", count: 20_000, Gen.uint64()) { seed in
            var world = JSONWorld(seed: seed, largeIntegers: false)
            var a = world.text()
            var b = world.text()
            // Often sharing a prefix, so the first difference falls anywhere.
            if seed % 2 == 0 { b = a + b }
            if seed % 3 == 0 { a = String(b.prefix(Int(seed % 5))) + a }
            #expect(CanonicalJSON.precedes(a, b) == ReferenceJCS.utf16Precedes(a, b), "\(a.unicodeScalars.map(\.value)) \(b.unicodeScalars.map(\.value))")
            #expect(CanonicalJSON.precedes(b, a) == ReferenceJCS.utf16Precedes(b, a))
        }
        // The one place UTF-8 byte order and UTF-16 order disagree.
        #expect(CanonicalJSON.precedes("\u{1F600}", "\u{FB33}"))
        #expect(!CanonicalJSON.precedes("\u{FFFF}", "\u{10000}"))
        #expect(CanonicalJSON.precedes("\u{D7FF}", "\u{10000}"))
    }

    // MARK: Every event type

    @Test("every event type's payload and every metadata the ledger writes is canonical, and reads back as the event")
    func everyEventPayloadIsCanonical() throws {
        var seen: [String: Int] = [:]
        PropertyRun.check("encoded() payloads are JCS", count: 6_000, Gen.uint64()) { seed in
            var world = EventWorld(seed: seed)
            let event = world.event(kind: Int(seed % UInt64(EventWorld.kinds)))
            guard let encoded = try? event.encoded() else {
                Issue.record("seed \(seed): \(event) did not encode")
                return
            }
            let (type, payload) = (encoded.type, encoded.payload)
            seen[type, default: 0] += 1
            expectCanonical(payload, "seed \(seed) \(type)")
            let recorded = RecordedEvent(
                position: 1, stream: "s", streamVersion: 1, type: type, schemaVersion: 1, payload: payload, metadata: "{}",
                recordedAt: "2026-11-20T09:00:00.000Z", prevHash: RecordedEvent.genesisHash, hash: "")
            #expect((try? LedgerEvent(recorded)) == event, "seed \(seed): \(payload)")

            let metadata = EventMetadata(actor: world.text(), requestID: world.maybe { $0.text() }, clientAddress: world.maybe { $0.text() })
            if let text = try? MetadataCodec.encode(metadata) {
                expectCanonical(text, "seed \(seed) metadata")
                #expect(text == (try? CanonicalJSON.encode(metadata)))
            } else {
                Issue.record("seed \(seed): metadata did not encode")
            }
        }
        #expect(seen.count == EventWorld.kinds, "\(seen)")
        #expect(seen.values.allSatisfy { $0 > 100 }, "\(seen)")
    }

    /// `text` is what JCS writes for its own value: the reference's bytes when its integers are
    /// within ±2^53, else (the extension) the ledger's writer reproduces it from its parse.
    func expectCanonical(_ text: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let value = try? JSON.parse(text) else {
            Issue.record("\(context): not JSON: \(text)", sourceLocation: sourceLocation)
            return
        }
        #expect((try? CanonicalJSON.text(value)) == text, "\(context)", sourceLocation: sourceLocation)
        if value.integersAreSafe {
            #expect(ReferenceJCS.serialize(value) == text, "\(context)", sourceLocation: sourceLocation)
        }
    }

    // MARK: The bytes of existing ledgers

    /// One payload of each event type, and metadata, with the exact bytes Foundation's
    /// `JSONEncoder` (sorted keys, unescaped slashes), the ledger's encoder before RFC 8785 was
    /// written down, gave for them on Linux: the canonical encoder gives the same, so a log's
    /// existing events and a new one's are written alike. (Where the two differ: a name beyond
    /// the BMP beside one from U+E000-U+FFFF, which no event's names are.)
    static let pinned: [(LedgerEvent, String)] = [
        (.sessionAdded(.init(sessionID: 7, fields: ["peer_asn": .int(16509), "public_id": .int(1), "peer_ipaddr": .text("206.126.236.68"), "note": .text("Zürich/\"A\"\n"), "password_ref": .null])),
         #"{"fields":{"note":"Zürich/\"A\"\n","password_ref":null,"peer_asn":16509,"peer_ipaddr":"206.126.236.68","public_id":1},"session_id":7}"#),
        (.sessionUpdated(.init(sessionID: 7, changes: ["state": .init(from: .text("configured"), to: .text("established")), "prfx_max": .init(from: .null, to: .int(200))])),
         #"{"changes":{"prfx_max":{"from":null,"to":200},"state":{"from":"configured","to":"established"}},"session_id":7}"#),
        (.sessionDeleted(.init(sessionID: 9_223_372_036_854_775_807)), #"{"session_id":9223372036854775807}"#),
        (.apiKeyCreated(.init(apiKey: "k-1", name: "noc", readOnly: true)), #"{"api_key":"k-1","name":"noc","read_only":true}"#),
        (.apiKeyRevoked(.init(apiKey: "k-1", name: "noc")), #"{"api_key":"k-1","name":"noc"}"#),
        (.peeringDBObjectCreated(.init(objectType: .net, objectID: 1418, fields: ["name": .text("Amazon.com"), "asn": .int(16509), "allow_ixp_update": .bool(false), "aka": .null, "info_prefixes4": .int(5000)])),
         #"{"fields":{"aka":null,"allow_ixp_update":false,"asn":16509,"info_prefixes4":5000,"name":"Amazon.com"},"object_id":1418,"object_type":"net"}"#),
        (.peeringDBObjectChanged(.init(objectType: .ix, objectID: 1, changes: ["name": .init(from: .text("Equinix"), to: .text("Equinix Ashburn")), "city": .init(from: .null, to: .text("Ashburn"))])),
         #"{"changes":{"city":{"from":null,"to":"Ashburn"},"name":{"from":"Equinix","to":"Equinix Ashburn"}},"object_id":1,"object_type":"ix"}"#),
        (.peeringDBObjectRemoved(.init(objectType: .poc, objectID: 3, updated: "2016-03-14T21:08:42Z")),
         #"{"object_id":3,"object_type":"poc","updated":"2016-03-14T21:08:42Z"}"#),
        (.ownNetworkSet(.init(netID: 2335, asn: 8038, name: "6connect", qualifiedPolicies: ["Open", "Selective"])),
         #"{"asn":8038,"name":"6connect","net_id":2335,"qualified_policies":["Open","Selective"]}"#),
        (.peerStatusReset(.init(participantID: 262, publicID: 1)), #"{"participant_id":262,"public_id":1}"#),
        (.peerUpdated(.init(participantID: 262, publicID: 1, changes: ["qualified": .init(from: .null, to: .bool(true)), "notes_private": .init(from: .text(""), to: .text("call Bob"))])),
         #"{"changes":{"notes_private":{"from":"","to":"call Bob"},"qualified":{"from":null,"to":true}},"participant_id":262,"public_id":1}"#),
        (.routerAdded(.init(routerID: 1, name: "edge-1", platform: .frr, access: .init(kind: .ssh, host: "10.0.0.1", port: 22, user: "peer", keyFile: "/etc/peerledger/id_ed25519"))),
         #"{"access":{"host":"10.0.0.1","key_file":"/etc/peerledger/id_ed25519","kind":"ssh","port":22,"user":"peer"},"name":"edge-1","platform":"frr","router_id":1}"#),
        (.routerRemoved(.init(routerID: 1, name: "edge-1")), #"{"name":"edge-1","router_id":1}"#),
        (.sessionConfigurationRequested(.init(sessionID: 7, routerID: 1, operation: .configure, givenByCaller: false, configuration: "router bgp 8038\n neighbor 206.126.236.68 remote-as 16509\n")),
         #"{"configuration":"router bgp 8038\n neighbor 206.126.236.68 remote-as 16509\n","given_by_caller":false,"operation":"configure","router_id":1,"session_id":7}"#),
        (.sessionConfigurationApplied(.init(sessionID: 7, routerID: 1, operation: .remove)), #"{"operation":"remove","router_id":1,"session_id":7}"#),
        (.sessionConfigurationFailed(.init(sessionID: 7, routerID: 1, operation: .configure, reason: "vtysh", message: "% Unknown command\t(x)")),
         #"{"message":"% Unknown command\t(x)","operation":"configure","reason":"vtysh","router_id":1,"session_id":7}"#),
        (.sessionStateObserved(.init(sessionID: 7, routerID: 1, state: "established", prefixesReceived: 42)),
         #"{"prfx_received":42,"router_id":1,"session_id":7,"state":"established"}"#),
        (.peeringRequestSent(.init(requestID: 3, publicID: 1, sourceParticipantID: 2335, sourceASN: 8038, peerParticipantID: 1418, peerASN: 16509, peerName: "Amazon.com", emailType: "request", emailFrom: "noc@example.net", emailTo: "peering@amazon.com", subject: "Peering AS8038 / AS16509", body: "Hello,\n\u{2014} NOC", status: "pending", messageID: "<replay-1@peerledger>", forced: false)),
         #"{"body":"Hello,\n— NOC","email_from":"noc@example.net","email_to":"peering@amazon.com","email_type":"request","forced":false,"message_id":"<replay-1@peerledger>","peer_asn":16509,"peer_name":"Amazon.com","peer_participant_id":1418,"public_id":1,"request_id":3,"source_asn":8038,"source_participant_id":2335,"status":"pending","subject":"Peering AS8038 / AS16509"}"#),
        (.peeringRequestDelivered(.init(requestID: 3, reply: "250 2.0.0 Ok: queued", attempt: 1)), #"{"attempt":1,"reply":"250 2.0.0 Ok: queued","request_id":3}"#),
        (.peeringRequestDeliveryFailed(.init(requestID: 3, reply: "451 4.7.1 try later", attempt: 2, nextAttemptAt: "2026-11-20T09:05:00.000Z")),
         #"{"attempt":2,"next_attempt_at":"2026-11-20T09:05:00.000Z","reply":"451 4.7.1 try later","request_id":3}"#),
        (.peeringRequestFailedPermanently(.init(requestID: 3, reply: "550 5.1.1 no such user", attempts: 5)), #"{"attempts":5,"reply":"550 5.1.1 no such user","request_id":3}"#),
        (.peeringRequestAnswered(.init(requestID: nil, peerParticipantID: 1418, publicID: 1, status: "accepted")), #"{"peer_participant_id":1418,"public_id":1,"status":"accepted"}"#),
        (.webhookSubscribed(.init(webhookID: 1, url: "https://hooks.example.net/p", eventTypes: ["SessionAdded", "SessionDeleted"], secretRef: "secret-7")),
         #"{"event_types":["SessionAdded","SessionDeleted"],"id":1,"secret_ref":"secret-7","url":"https://hooks.example.net/p"}"#),
        (.webhookUnsubscribed(.init(webhookID: 1)), #"{"id":1}"#),
        (.webhookDisabled(.init(webhookID: 1, reason: "HTTP status 500", failingSince: "2026-11-20T09:00:00.000Z")),
         #"{"failing_since":"2026-11-20T09:00:00.000Z","id":1,"reason":"HTTP status 500"}"#),
        (.userCreated(.init(name: "alice", role: .operator)), #"{"name":"alice","role":"operator"}"#),
        (.userDisabled(.init(name: "alice")), #"{"name":"alice"}"#),
        (.userPasswordChanged(.init(name: "alice")), #"{"name":"alice"}"#),
        (.routerDriftObserved(.init(routerID: 1, unknownNeighbors: [.init(address: "206.126.236.220", remoteASN: 13335), .init(address: "2001:504:0:2::13335:1", remoteASN: nil)], missingSessions: [41, 7], unpushedSessions: [12])),
         #"{"missing_sessions":[7,41],"router_id":1,"unknown_neighbors":[{"address":"2001:504:0:2::13335:1"},{"address":"206.126.236.220","remote_asn":13335}],"unpushed_sessions":[12]}"#),
        (.logVerified(.init(position: 1200, lastHash: "9f2c", valid: true, summary: "OK: 1200 events, hash chain intact, last hash 9f2c")),
         #"{"last_hash":"9f2c","position":1200,"summary":"OK: 1200 events, hash chain intact, last hash 9f2c","valid":true}"#),
    ]

    @Test("each event type's payload bytes are those its existing ledgers hold")
    func payloadBytesArePinned() throws {
        #expect(Self.pinned.count == EventWorld.kinds)
        for (event, expected) in Self.pinned {
            let payload = try event.encoded().payload
            #expect(payload == expected)
            expectCanonical(payload, "\(event)")
        }
        let metadata = EventMetadata(actor: "cli:root", requestID: "replay-1", clientAddress: "2001:db8::1")
        #expect(try MetadataCodec.encode(metadata) == #"{"actor":"cli:root","client_address":"2001:db8::1","request_id":"replay-1"}"#)
        #expect(try MetadataCodec.encode(EventMetadata(actor: "Zürich \"ops\"")) == #"{"actor":"Zürich \"ops\""}"#)
    }

    @Test("APIKeyCreated's scope, added later, is written only when given: a key's event without one keeps the bytes pinned above")
    func keyScopeBytes() throws {
        let scoped = LedgerEvent.apiKeyCreated(.init(apiKey: "k-2", name: "automation", readOnly: false, scope: "write"))
        #expect(try scoped.encoded().payload == #"{"api_key":"k-2","name":"automation","read_only":false,"scope":"write"}"#)
        let unscoped = LedgerEvent.apiKeyCreated(.init(apiKey: "k-1", name: "noc", readOnly: true))
        #expect(try unscoped.encoded().payload == #"{"api_key":"k-1","name":"noc","read_only":true}"#)
    }

    @Test("LedgerEvent.typeNames, which webhook subscriptions are checked against, names every event type once")
    func typeNamesNameEveryType() throws {
        let types = try Self.pinned.map { try $0.0.encoded().type }
        #expect(LedgerEvent.typeNames.count == EventWorld.kinds)
        #expect(Set(LedgerEvent.typeNames).count == LedgerEvent.typeNames.count)
        #expect(Set(types) == Set(LedgerEvent.typeNames))
    }

    @Test("an event stored in another key order (the previous encoder's, by code point) still verifies and reads back")
    func storedBytesVerifyWhateverTheirOrder() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let first = try #require(try t.events().last)
        // Foundation's JSONEncoder sorted names by code point: U+FB01 before U+1F600. JCS puts
        // the emoji (surrogates D83D DE00) first.
        let event = PeeringDBObjectCreated(objectType: .net, objectID: 1, fields: ["\u{FB01}": .text("x"), "\u{1F600}": .text("y")])
        let older = "{\"fields\":{\"\u{FB01}\":\"x\",\"\u{1F600}\":\"y\"},\"object_id\":1,\"object_type\":\"net\"}"
        let canonical = try LedgerEvent.peeringDBObjectCreated(event).encoded().payload
        #expect(canonical == "{\"fields\":{\"\u{1F600}\":\"y\",\"\u{FB01}\":\"x\"},\"object_id\":1,\"object_type\":\"net\"}")
        let metadata = #"{"actor":"test"}"#
        let hash = EventHash.hash(
            prevHash: first.hash, position: 2, stream: "pdb-net-1", streamVersion: 1, type: PeeringDBObjectCreated.type,
            schemaVersion: 1, payload: older, metadata: metadata, recordedAt: first.recordedAt)
        // As a log written before would hold it: inserted as is (INSERT is what the triggers allow).
        func insert(_ db: Database) throws {
            try db.execute(
                sql: """
                    INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash)
                    VALUES (2, 'pdb-net-1', 1, ?, 1, ?, ?, ?, ?, ?)
                    """,
                arguments: [PeeringDBObjectCreated.type, older, metadata, first.recordedAt, first.hash, hash])
        }
        try t.ledger.database.writeWithoutTransaction(insert)
        #expect(try t.ledger.verify().isValid)
        let stored = try #require(try t.events().last)
        #expect(stored.payload == older)
        #expect(try LedgerEvent(stored) == .peeringDBObjectCreated(event))
    }
}

// MARK: - The reference

/// A JCS serializer written from RFC 8785's rules, sharing no code with `CanonicalJSON`: every
/// number is a double (an integer too), names are sorted by their UTF-16 code units, strings
/// escaped scalar by scalar, numbers laid out by ECMAScript's Number::toString steps from digits
/// found by printf's correctly rounded `%e`.
enum ReferenceJCS {
    static func serialize(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .int(integer): return number(Double(integer))
        case let .double(double): return number(double)
        case let .string(text): return string(text)
        case let .array(items): return "[" + items.map(serialize).joined(separator: ",") + "]"
        case let .object(members):
            return "{" + members.sorted { utf16Precedes($0.0, $1.0) }.map { string($0.0) + ":" + serialize($0.1) }.joined(separator: ",")
                + "}"
        }
    }

    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        Array(a.utf16).lexicographicallyPrecedes(Array(b.utf16))
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Number::toString(x). The digits are the first precision of `%e` that reads back as `x`:
    /// the shortest, and the nearest of that length. (Where the nearest fails and a farther one
    /// of the same length would read back, at a power of two, this gives one digit more; the
    /// generated doubles are random bit patterns and Appendix B's samples are checked as text.)
    static func number(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x < 0 { return "-" + number(-x) }
        var digits = ""
        var n = 0
        for precision in 0...16 {
            let text = String(format: "%.\(precision)e", x)
            guard Double(text) == x else { continue }
            let parts = text.split(separator: "e")
            digits = parts[0].replacingOccurrences(of: ".", with: "")
            n = Int(parts[1])! + 1
            break
        }
        while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
        let k = digits.count
        if k <= n && n <= 21 { return digits + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return String(digits.prefix(n)) + "." + String(digits.dropFirst(n)) }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + digits }
        let exponent = n - 1 < 0 ? "-\(1 - n)" : "+\(n - 1)"
        return (k == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())) + "e" + exponent
    }
}

extension JSON {
    /// True when every integer in it is within ±2^53, where JCS and the ledger write the same text.
    var integersAreSafe: Bool {
        switch self {
        case let .int(value): return value.magnitude <= 1 << 53
        case let .array(items): return items.allSatisfy(\.integersAreSafe)
        case let .object(members): return members.allSatisfy { $0.1.integersAreSafe }
        default: return true
        }
    }
}

/// A `JSON` value through `Encodable`, so the encoder's containers are tried on every shape.
struct EncodableJSON: Encodable {
    let value: JSON
    init(_ value: JSON) { self.value = value }

    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case let .bool(flag):
            var single = encoder.singleValueContainer()
            try single.encode(flag)
        case let .int(integer):
            var single = encoder.singleValueContainer()
            try single.encode(integer)
        case let .double(double):
            var single = encoder.singleValueContainer()
            try single.encode(double)
        case let .string(text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case let .array(items):
            var list = encoder.unkeyedContainer()
            for item in items {
                // Scalars through the container's own methods, nested values through `Encodable`.
                switch item {
                case .null: try list.encodeNil()
                case let .string(text): try list.encode(text)
                case let .int(integer): try list.encode(integer)
                default: try list.encode(EncodableJSON(item))
                }
            }
        case let .object(members):
            var object = encoder.container(keyedBy: Name.self)
            for (name, member) in members {
                let key = Name(stringValue: name)
                switch member {
                case .null: try object.encodeNil(forKey: key)
                case let .bool(flag): try object.encode(flag, forKey: key)
                case let .string(text): try object.encode(text, forKey: key)
                case let .int(integer): try object.encode(integer, forKey: key)
                case let .array(items) where items.isEmpty: _ = object.nestedUnkeyedContainer(forKey: key)
                default: try object.encode(EncodableJSON(member), forKey: key)
                }
            }
        }
    }
}

// MARK: - Generated values

/// Random JSON values from one seed: texts from every class of character that matters to JCS
/// (controls, quote, backslash, solidus, DEL, C1, U+2028/U+2029, other BMP, U+E000-U+FFFF,
/// beyond the BMP, combining marks, CR LF), integers at the edges, and doubles of any bit pattern.
struct JSONWorld {
    var random: SplitMix64
    /// Whether integers may lie beyond ±2^53 (where the ledger keeps digits JCS would not).
    let largeIntegers: Bool

    init(seed: UInt64, largeIntegers: Bool) {
        random = SplitMix64(seed: seed)
        self.largeIntegers = largeIntegers
    }

    mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    static let scalarRanges: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x22...0x22, 0x5C...0x5C, 0x2F...0x2F, 0x7F...0x9F,
        0x2028...0x2029, 0xA0...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0xFB00...0xFFFF, 0x10000...0x10FFFF,
        0x1F600...0x1F64F, 0x300...0x36F,
    ]

    mutating func scalar() -> Unicode.Scalar {
        let range = Self.scalarRanges[below(Self.scalarRanges.count)]
        let code = range.lowerBound + UInt32(random.next() % UInt64(range.count))
        return Unicode.Scalar(code) ?? "?"
    }

    mutating func text() -> String {
        var out = String.UnicodeScalarView()
        for _ in 0..<below(12) {
            if below(20) == 0 {
                out.append(contentsOf: "\r\n".unicodeScalars)
            } else {
                out.append(scalar())
            }
        }
        return String(out)
    }

    mutating func integer() -> Int64 {
        let safe: Int64 = 1 << 53
        switch below(largeIntegers ? 6 : 4) {
        case 0: return Int64(below(1000)) - 500
        case 1: return [0, 1, -1, safe, -safe, safe - 1, -safe + 1, 4_294_967_295][below(8)]
        case 2, 3: return Int64(bitPattern: random.next()) % safe
        case 4: return [Int64.max, Int64.min, safe + 1, -safe - 1, 1 << 60][below(5)]
        default: return Int64(bitPattern: random.next())
        }
    }

    mutating func double() -> Double {
        switch below(3) {
        case 0: return Double(Int64(bitPattern: random.next()) % 1_000_000) / Double([1, 10, 1000, 3, 7][below(5)])
        default:
            while true {
                let value = Double(bitPattern: random.next())
                if value.isFinite { return value }
            }
        }
    }

    mutating func value(depth: Int) -> JSON {
        switch below(depth >= 3 ? 6 : 9) {
        case 0: return .null
        case 1: return .bool(below(2) == 0)
        case 2: return .int(integer())
        case 3: return .double(double())
        case 4, 5: return .string(text())
        case 6: return .array((0..<below(5)).map { _ in value(depth: depth + 1) })
        default:
            var members: [(String, JSON)] = []
            var names = Set<[UInt16]>()
            for _ in 0..<below(7) {
                let name = text()
                // Unique by code units: `é` and `e` + U+0301 are two names.
                guard names.insert(Array(name.utf16)).inserted else { continue }
                members.append((name, value(depth: depth + 1)))
            }
            return .object(members)
        }
    }

    mutating func maybe<T>(_ make: (inout JSONWorld) -> T) -> T? { below(3) == 0 ? nil : make(&self) }
}

/// Random events of every type, with text from `JSONWorld` and integers at the edges.
struct EventWorld {
    static let kinds = 30
    var world: JSONWorld

    init(seed: UInt64) { world = JSONWorld(seed: seed, largeIntegers: true) }

    mutating func text() -> String {
        // Plain text half the time, so the hand codecs' own paths are taken too.
        world.below(2) == 0 ? ["", "accepted", "Hold Timer Expired", "edge-1", "a/b c", "250 2.0.0 Ok"][world.below(6)] : world.text()
    }

    mutating func int() -> Int64 { world.integer() }
    mutating func maybe<T>(_ make: (inout EventWorld) -> T) -> T? { world.below(3) == 0 ? nil : make(&self) }

    mutating func name(_ known: [String]) -> String { world.below(4) == 0 ? world.text() : known[world.below(known.count)] }

    mutating func fieldValue() -> FieldValue {
        switch world.below(3) {
        case 0: return .null
        case 1: return .int(int())
        default: return .text(text())
        }
    }

    mutating func peeringDBValue() -> PeeringDBValue {
        switch world.below(4) {
        case 0: return .null
        case 1: return .bool(world.below(2) == 0)
        case 2: return .int(int())
        default: return .text(text())
        }
    }

    mutating func dictionary<V>(_ known: [String], _ make: (inout EventWorld) -> V) -> [String: V] {
        var out: [String: V] = [:]
        for _ in 0..<world.below(6) { out[name(known)] = make(&self) }
        return out
    }

    static let sessionNames = SessionField.allCases.map(\.column)
    static let peerNames = PeerLocalField.allCases.map(\.rawValue)
    static let peeringDBNames = ["name", "asn", "aka", "info_prefixes4", "ix_id", "ixlan_id", "net_id", "netixlan_id", "updated"]

    mutating func objectType() -> PeeringDBObjectType { PeeringDBObjectType.allCases[world.below(PeeringDBObjectType.allCases.count)] }
    mutating func operation() -> ConfigurationOperation { world.below(2) == 0 ? .configure : .remove }

    mutating func event(kind: Int) -> LedgerEvent {
        switch kind {
        case 0: return .sessionAdded(.init(sessionID: int(), fields: dictionary(Self.sessionNames) { $0.fieldValue() }))
        case 1:
            return .sessionUpdated(.init(sessionID: int(), changes: dictionary(Self.sessionNames) { .init(from: $0.fieldValue(), to: $0.fieldValue()) }))
        case 2: return .sessionDeleted(.init(sessionID: int()))
        case 3: return .apiKeyCreated(.init(apiKey: text(), name: text(), readOnly: world.below(2) == 0))
        case 4: return .apiKeyRevoked(.init(apiKey: text(), name: text()))
        case 5:
            return .peeringDBObjectCreated(.init(objectType: objectType(), objectID: int(), fields: dictionary(Self.peeringDBNames) { $0.peeringDBValue() }))
        case 6:
            return .peeringDBObjectChanged(
                .init(objectType: objectType(), objectID: int(), changes: dictionary(Self.peeringDBNames) { .init(from: $0.peeringDBValue(), to: $0.peeringDBValue()) }))
        case 7: return .peeringDBObjectRemoved(.init(objectType: objectType(), objectID: int(), updated: maybe { $0.text() }))
        case 8: return .ownNetworkSet(.init(netID: int(), asn: int(), name: text(), qualifiedPolicies: (0..<world.below(4)).map { _ in text() }))
        case 9: return .peerStatusReset(.init(participantID: int(), publicID: int()))
        case 10:
            return .peerUpdated(.init(participantID: int(), publicID: int(), changes: dictionary(Self.peerNames) { .init(from: $0.peeringDBValue(), to: $0.peeringDBValue()) }))
        case 11:
            let access = RouterAccess(
                kind: world.below(2) == 0 ? .local : .ssh, vtyshSocket: maybe { $0.text() }, vtyshConfigDir: maybe { $0.text() },
                netns: maybe { $0.text() }, birdSocket: maybe { $0.text() }, birdConfigDir: maybe { $0.text() }, host: maybe { $0.text() },
                port: maybe { Int($0.int()) }, user: maybe { $0.text() }, keyFile: maybe { $0.text() }, passwordRef: maybe { $0.text() })
            return .routerAdded(.init(routerID: int(), name: text(), platform: RouterPlatform.allCases[world.below(RouterPlatform.allCases.count)], access: access))
        case 12: return .routerRemoved(.init(routerID: int(), name: text()))
        case 13:
            return .sessionConfigurationRequested(
                .init(sessionID: int(), routerID: int(), operation: operation(), givenByCaller: world.below(2) == 0, configuration: text(),
                      routerPeerGroup: maybe { $0.text() }))
        case 14: return .sessionConfigurationApplied(.init(sessionID: int(), routerID: int(), operation: operation()))
        case 15: return .sessionConfigurationFailed(.init(sessionID: int(), routerID: int(), operation: operation(), reason: text(), message: text()))
        case 16:
            return .sessionStateObserved(
                .init(sessionID: int(), routerID: int(), state: text(), prefixesReceived: maybe { $0.int() }, lastError: maybe { $0.text() }))
        case 17:
            return .peeringRequestSent(
                .init(requestID: int(), publicID: int(), sourceParticipantID: int(), sourceASN: maybe { $0.int() }, peerParticipantID: int(),
                      peerASN: int(), peerName: text(), emailType: text(), emailFrom: text(), emailTo: text(), cc: maybe { $0.text() },
                      bcc: maybe { $0.text() }, subject: text(), body: text(), textBody: maybe { $0.text() }, status: text(), messageID: text(),
                      forced: world.below(2) == 0))
        case 18: return .peeringRequestDelivered(.init(requestID: int(), reply: text(), attempt: Int(int())))
        case 19: return .peeringRequestDeliveryFailed(.init(requestID: int(), reply: text(), attempt: Int(int()), nextAttemptAt: text()))
        case 20: return .peeringRequestFailedPermanently(.init(requestID: int(), reply: text(), attempts: Int(int())))
        case 21:
            return .peeringRequestAnswered(.init(requestID: maybe { $0.int() }, peerParticipantID: int(), publicID: int(), status: text()))
        case 22:
            return .webhookSubscribed(.init(webhookID: int(), url: text(), eventTypes: (0..<world.below(4)).map { _ in text() }, secretRef: text()))
        case 23: return .webhookUnsubscribed(.init(webhookID: int()))
        case 24: return .webhookDisabled(.init(webhookID: int(), reason: text(), failingSince: text()))
        case 25: return .userCreated(.init(name: text(), role: ConsoleRole.allCases[world.below(ConsoleRole.allCases.count)]))
        case 26: return .userDisabled(.init(name: text()))
        case 27:
            return .routerDriftObserved(
                .init(routerID: int(), unknownNeighbors: (0..<world.below(3)).map { _ in DriftNeighbor(address: text(), remoteASN: maybe { $0.int() }) },
                      missingSessions: (0..<world.below(3)).map { _ in int() }, unpushedSessions: (0..<world.below(3)).map { _ in int() }))
        case 28: return .logVerified(.init(position: int(), lastHash: text(), valid: world.below(2) == 0, summary: text()))
        default: return .userPasswordChanged(.init(name: text()))
        }
    }
}
