import PeerLedgerDomain
/// The canonical text of a created PeeringDB object's fields (`fields.canonicalText`, what
/// `peeringdb_objects` stores), taken straight out of the event's payload when the payload
/// already holds exactly that text.
///
/// Why: the projection wrote that text again for every created object, sorting the decoded
/// dictionary and appending each value, which was about a third of a rebuild's applying thread
/// (a sixth of a realistic log is PeeringDB objects). The canonical encoder writes the fields
/// with sorted keys, so for plain data the payload's `fields` object is already the stored
/// text; this checks that it is, byte by byte, and otherwise answers nil so the caller builds the
/// text as before.
///
/// The payload is accepted only when it is `{"fields":{…},"object_id":N,"object_type":"T"}`
/// with the event's own id and type after the fields object (so nothing else, not even a second
/// `fields`, can be in it), and the fields object is what `canonicalText` writes for the values
/// it decodes to: plain keys (`SessionPayloadScanner.string`) in strictly increasing byte order;
/// text values without an escape, control character or U+2028/U+2029 (written as is both ways);
/// integers in their shortest form within Int64; `true`, `false`, `null`; no space; no nested
/// value. `CanonicalFieldsTextTests` holds it against `canonicalText` on generated objects.
enum CanonicalFieldsText {
    static func extract(from payload: String, objectID: Int64, objectType: PeeringDBObjectType) -> String? {
        SessionPayloadScanner.reading(payload) { scan in
            guard scan.literal(#"{"fields":"#) else { return nil }
            let start = scan.offset
            guard scan.literal("{") else { return nil }
            if !scan.literal("}") {
                var previous: String?
                repeat {
                    guard let key = scan.string(), previous.map({ $0.utf8Precedes(key) }) ?? true,
                        scan.literal(":"), scan.canonicalFieldValue()
                    else { return nil }
                    previous = key
                } while scan.literal(",")
                guard scan.literal("}") else { return nil }
            }
            let fields = scan.text(start..<scan.offset)
            guard scan.literal(#","object_id":"#), scan.integer() == objectID, scan.literal(#","object_type":"#),
                scan.string() == objectType.rawValue, scan.literal("}")
            else { return nil }
            return fields
        }
    }
}

extension CanonicalFieldsText {
    /// What a replay reads of a created object's canonical payload, in one scan and without
    /// decoding its fields: the stored text as `extract` takes it, the id, the type and the text of
    /// `updated` (nil when it is not a string, as `PeeringDBValue.text` answers). The same
    /// payloads as `extract` are accepted (the id and type read rather than compared); any other
    /// answers nil.
    static func created(from payload: String) -> (fields: String, objectID: Int64, objectType: PeeringDBObjectType, updated: String?)? {
        SessionPayloadScanner.reading(payload) { scan in
            guard scan.literal(#"{"fields":"#) else { return nil }
            let start = scan.offset
            guard scan.literal("{") else { return nil }
            var updated: String?
            if !scan.literal("}") {
                var previous: String?
                repeat {
                    guard let key = scan.string(), previous.map({ $0.utf8Precedes(key) }) ?? true, scan.literal(":") else { return nil }
                    if key == "updated", let text = scan.unescapedStringValue() {
                        updated = text
                    } else {
                        guard scan.canonicalFieldValue() else { return nil }
                    }
                    previous = key
                } while scan.literal(",")
                guard scan.literal("}") else { return nil }
            }
            let fields = scan.text(start..<scan.offset)
            guard scan.literal(#","object_id":"#), let id = scan.integer(), scan.literal(#","object_type":"#),
                let typeName = scan.string(), let type = PeeringDBObjectType(rawValue: typeName), scan.literal("}")
            else { return nil }
            return (fields, id, type, updated)
        }
    }
}

extension SessionPayloadScanner {
    /// `null`, `true`, `false`, an unescaped string or a canonical integer, read without decoding.
    fileprivate mutating func canonicalFieldValue() -> Bool {
        literal("null") || literal("true") || literal("false") || unescapedString() || integer() != nil
    }
}
