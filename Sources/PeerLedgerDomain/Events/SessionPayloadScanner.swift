/// Reads the two session payloads straight from their bytes, in exactly the canonical shape
/// `SessionPayloadCodec` writes (keys in their order, no whitespace, integers without leading
/// zeros, strings of printable ASCII without `"` or `\`), because a rebuild spent a quarter of its
/// time building a `JSON` tree for them first. Anything else answers nil and is read the general
/// way; what it accepts is read the same (a test compares the two on random and odd payloads).
/// Its primitives (`literal`, `string`, `integer`) also read the other canonical payloads in
/// `EventPayloadCodecs`.
public struct SessionPayloadScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// True when every byte has been read.
    public var atEnd: Bool { index == bytes.count }

    public static func sessionUpdated(_ text: String) -> SessionUpdated? {
        text.utf8.withContiguousStorageIfAvailable { buffer -> SessionUpdated? in
            var scanner = SessionPayloadScanner(buffer)
            return scanner.updated()
        } ?? nil
    }

    public static func sessionAdded(_ text: String) -> SessionAdded? {
        text.utf8.withContiguousStorageIfAvailable { buffer -> SessionAdded? in
            var scanner = SessionPayloadScanner(buffer)
            return scanner.added()
        } ?? nil
    }

    private mutating func added() -> SessionAdded? {
        guard literal(#"{"fields":{"#) else { return nil }
        var fields: [String: FieldValue] = [:]
        if !literal("}") {
            repeat {
                guard let key = string(), literal(":"), let value = value(), fields.updateValue(value, forKey: key) == nil
                else { return nil }
            } while literal(",")
            guard literal("}") else { return nil }
        }
        guard literal(#","session_id":"#), let id = integer(), literal("}"), index == bytes.count else { return nil }
        return SessionAdded(sessionID: id, fields: fields)
    }

    private mutating func updated() -> SessionUpdated? {
        guard literal(#"{"changes":{"#) else { return nil }
        var changes: [String: SessionUpdated.FieldChange] = [:]
        if !literal("}") {
            repeat {
                guard let key = string(), literal(#":{"from":"#), let from = value(), literal(#","to":"#), let to = value(),
                    literal("}"), changes.updateValue(.init(from: from, to: to), forKey: key) == nil
                else { return nil }
            } while literal(",")
            guard literal("}") else { return nil }
        }
        guard literal(#","session_id":"#), let id = integer(), literal("}"), index == bytes.count else { return nil }
        return SessionUpdated(sessionID: id, changes: changes)
    }

    public mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let expected = text.utf8Start
        for offset in 0..<count where bytes[index + offset] != expected[offset] { return false }
        index += count
        return true
    }

    public mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var scan = start
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: "\"") {
                index = scan + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<scan]), as: UTF8.self)
            }
            guard byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "\\") else { return nil }
            scan += 1
        }
        return nil
    }

    /// How many bytes have been read.
    public var offset: Int { index }

    /// The bytes from `range` (offsets read before) as text.
    public func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// A string that needs no escape either in JSON or in `JSON`'s writer: no `"`, `\`, control
    /// character or U+2028/U+2029, any other UTF-8 allowed. Read without decoding; true when read.
    public mutating func unescapedString() -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
        var scan = index + 1
        while scan < bytes.count {
            switch bytes[scan] {
            case UInt8(ascii: "\""):
                index = scan + 1
                return true
            case 0..<0x20, UInt8(ascii: "\\"): return false
            case 0xE2 where scan + 2 < bytes.count && bytes[scan + 1] == 0x80 && (bytes[scan + 2] == 0xA8 || bytes[scan + 2] == 0xA9):
                return false
            default: scan += 1
            }
        }
        return false
    }

    /// The text of a string that `unescapedString` accepts (any UTF-8 but `"`, `\`, control
    /// characters and U+2028/U+2029), decoded; nil, reading nothing, for any other.
    public mutating func unescapedStringValue() -> String? {
        let start = index
        guard unescapedString() else { return nil }
        return text(start + 1..<index - 1)
    }

    /// `-?(0|[1-9][0-9]*)` within Int64, not followed by a fraction or exponent; "-0" is left out.
    public mutating func integer() -> Int64? {
        var scan = index
        let negative = scan < bytes.count && bytes[scan] == UInt8(ascii: "-")
        if negative { scan += 1 }
        let first = scan
        var value: Int64 = 0
        while scan < bytes.count, (0x30...0x39).contains(bytes[scan]) {
            let digit = Int64(bytes[scan] - 0x30)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            // Accumulated with the sign so Int64.min is reachable.
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            value = next
            scan += 1
        }
        let count = scan - first
        guard count > 0, bytes[first] != 0x30 || (count == 1 && !negative) else { return nil }
        if scan < bytes.count {
            let next = bytes[scan]
            guard next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E"), next != UInt8(ascii: "+"),
                next != UInt8(ascii: "-")
            else { return nil }
        }
        index = scan
        return value
    }

    private mutating func value() -> FieldValue? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string().map(FieldValue.text)
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return integer().map(FieldValue.int)
        }
    }
}
