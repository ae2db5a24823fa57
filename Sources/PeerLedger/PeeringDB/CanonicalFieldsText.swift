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
/// it decodes to: keys in strictly increasing byte order; each key and text value without an
/// escape, control character or U+2028/U+2029 (written as is both ways); integers in their
/// shortest form within Int64; `true`, `false`, `null`; no space; no nested value.
/// `CanonicalFieldsTextTests` holds it against `canonicalText` on generated objects.
enum CanonicalFieldsText {
    private static let prefix = Array(#"{"fields":"#.utf8)

    static func extract(from payload: String, objectID: Int64, objectType: PeeringDBObjectType) -> String? {
        let suffix = Array(#","object_id":\#(objectID),"object_type":"\#(objectType.rawValue)"}"#.utf8)
        var payload = payload
        return payload.withUTF8 { bytes -> String? in
            guard bytes.count >= prefix.count + 2 + suffix.count, bytes.starts(with: prefix) else { return nil }
            let start = prefix.count
            guard let end = fieldsEnd(bytes, from: start), bytes[end...].elementsEqual(suffix) else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// The index just past the canonical fields object starting at `start`, or nil.
    private static func fieldsEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        guard byte(bytes, index) == UInt8(ascii: "{") else { return nil }
        index += 1
        if byte(bytes, index) == UInt8(ascii: "}") { return index + 1 }
        var previousKey: Range<Int>?
        while true {
            guard let key = plainString(bytes, &index) else { return nil }
            if let previousKey, !bytes[previousKey].lexicographicallyPrecedes(bytes[key]) { return nil }
            previousKey = key
            guard byte(bytes, index) == UInt8(ascii: ":") else { return nil }
            index += 1
            guard value(bytes, &index) else { return nil }
            switch byte(bytes, index) {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return index + 1
            default: return nil
            }
        }
    }

    private static func byte(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    /// A quoted text that needs no escape either way; returns the range inside the quotes.
    private static func plainString(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Range<Int>? {
        guard byte(bytes, index) == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var cursor = start
        while let current = byte(bytes, cursor) {
            switch current {
            case UInt8(ascii: "\""):
                index = cursor + 1
                return start..<cursor
            case 0..<0x20, UInt8(ascii: "\\"): return nil
            case 0xE2 where byte(bytes, cursor + 1) == 0x80 && (byte(bytes, cursor + 2) == 0xA8 || byte(bytes, cursor + 2) == 0xA9):
                return nil
            default: cursor += 1
            }
        }
        return nil
    }

    /// A plain text, an integer in its shortest form, `true`, `false` or `null`.
    private static func value(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        guard let first = byte(bytes, index) else { return false }
        switch first {
        case UInt8(ascii: "\""): return plainString(bytes, &index) != nil
        case UInt8(ascii: "t"): return word("true", bytes, &index)
        case UInt8(ascii: "f"): return word("false", bytes, &index)
        case UInt8(ascii: "n"): return word("null", bytes, &index)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            index += 1
            while let digit = byte(bytes, index), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) { index += 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let number = Int64(text) else { return false }
            return String(number) == text
        default: return false
        }
    }

    private static func word(_ word: StaticString, _ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else { return false }
        index += expected.count
        return true
    }
}
