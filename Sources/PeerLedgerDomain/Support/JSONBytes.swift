/// JSON written straight into a byte buffer, byte for byte what `JSON.serialized()` writes for the
/// same values: answers built from rows (getPeers) skip the intermediate JSON value and the
/// String appends of the generic writer. `JSONBytesTests` compares both on every kind of value.
public enum JSONBytes {
    /// A JSON string, escaped as `JSON.writeString` escapes it: `"`, `\`, `\n`, `\r`, `\t`, other
    /// control characters as `\u00xx`, and U+2028/U+2029 (bytes E2 80 A8/A9) as `\u2028`/`\u2029`.
    public static func appendString(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in appendString(bytes, to: &out) }
    }

    /// The same, for the UTF-8 bytes of a valid string.
    public static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var plain = true
        for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0xE2 {
            plain = false
            break
        }
        if plain {
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                out.append(contentsOf: Array((bytes[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8))
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string or `null`.
    public static func appendString(_ value: String?, to out: inout [UInt8]) {
        if let value { appendString(value, to: &out) } else { appendLiteral("null", to: &out) }
    }

    /// An integer as JSON writes `.int`.
    public static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        if value >= 0, value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // Digits backwards into a small stack buffer, then copied in order.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var count = 0
            repeat {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 { out.append(UInt8(ascii: "-")) }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(digits[index]) }
        }
    }

    /// An integer as a JSON string (`"8560"`), or `null`: what `JSON.numericString` writes.
    /// `[1,2,3]`: the ids a query takes as one `json_each` argument.
    public static func intArray(_ values: [Int64]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(values.count * 7)
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendInt(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    public static func appendNumericString(_ value: Int64?, to out: inout [UInt8]) {
        guard let value else { return appendLiteral("null", to: &out) }
        out.append(UInt8(ascii: "\""))
        appendInt(value, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// `true`, `false` or `null`.
    public static func appendBool(_ value: Bool?, to out: inout [UInt8]) {
        switch value {
        case true?: appendLiteral("true", to: &out)
        case false?: appendLiteral("false", to: &out)
        case nil: appendLiteral("null", to: &out)
        }
    }

    /// Any JSON value, through the generic writer (for the rare parts of an answer built as values).
    public static func append(_ value: JSON, to out: inout [UInt8]) {
        out.append(contentsOf: value.serialized().utf8)
    }

    /// ASCII text as is (punctuation, member names known to need no escape, literals).
    public static func appendLiteral(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
}
