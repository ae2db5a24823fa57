import PeerLedgerDomain
/// A reader made for PeeringDB pages: it walks `{"data":[{...},...]}` once, keeps only the
/// top-level fields of each record that the ledger tracks, and skips the rest without building
/// them (a full `net.json` is 23 MB; building a tree of it is most of an import's time).
struct PeeringDBScanner {
    /// A member's value as read: a scalar the ledger can keep, or the raw text of anything else
    /// (a fraction, an array, an object), kept only to say what was wrong with it.
    enum Scanned {
        case value(PeeringDBValue)
        case other(String)

        var description: String {
            switch self {
            case let .value(value): return value.json.serialized()
            case let .other(text): return text
            }
        }
    }

    struct Failure: Error {
        let offset: Int
        let reason: String
        var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Calls `record` with each element of `data` (or reports that there is no `data` array):
    /// `wanted` names the members to keep; the others are skipped.
    mutating func scanPage(
        wanted: [String: Int], _ record: (_ position: Int, _ element: Element) -> Void
    ) throws(Failure) -> Bool {
        skipSpace()
        guard peek == UInt8(ascii: "{") else {
            // Valid JSON of another shape is "not a page"; invalid JSON is malformed.
            try skipValue(depth: 0)
            skipSpace()
            guard index == bytes.count else { throw Failure(offset: index, reason: "unexpected text after the value") }
            return false
        }
        index += 1
        var sawData = false
        if try !consume(UInt8(ascii: "}")) {
            repeat {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                if key == "data", peek == UInt8(ascii: "[") {
                    sawData = true
                    index += 1
                    var position = 0
                    if try !consume(UInt8(ascii: "]")) {
                        repeat {
                            skipSpace()
                            record(position, try element(wanted: wanted))
                            position += 1
                            skipSpace()
                        } while try commaOrEnd(UInt8(ascii: "]"))
                    }
                } else {
                    try skipValue(depth: 0)
                }
                skipSpace()
            } while try commaOrEnd(UInt8(ascii: "}"))
        }
        skipSpace()
        guard index == bytes.count else { throw Failure(offset: index, reason: "unexpected text after the value") }
        return sawData
    }

    /// One element of `data`: an object's wanted members by index, or not an object.
    enum Element {
        case object([Scanned?])
        case notObject
    }

    private mutating func element(wanted: [String: Int]) throws(Failure) -> Element {
        guard peek == UInt8(ascii: "{") else {
            try skipValue(depth: 0)
            return .notObject
        }
        index += 1
        var values = [Scanned?](repeating: nil, count: wanted.count)
        if try consume(UInt8(ascii: "}")) { return .object(values) }
        repeat {
            skipSpace()
            let key = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            if let slot = wanted[key] {
                values[slot] = try scalar()
            } else {
                try skipValue(depth: 0)
            }
            skipSpace()
        } while try commaOrEnd(UInt8(ascii: "}"))
        return .object(values)
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek == byte else { throw Failure(offset: index, reason: "expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func consume(_ byte: UInt8) throws(Failure) -> Bool {
        skipSpace()
        guard index < bytes.count else { throw Failure(offset: index, reason: "unexpected end of text") }
        if bytes[index] == byte {
            index += 1
            return true
        }
        return false
    }

    /// True after a comma (more follows), false after `end`.
    private mutating func commaOrEnd(_ end: UInt8) throws(Failure) -> Bool {
        guard index < bytes.count else { throw Failure(offset: index, reason: "unexpected end of text") }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            return true
        }
        if bytes[index] == end {
            index += 1
            return false
        }
        throw Failure(offset: index, reason: "expected ',' or '\(Character(Unicode.Scalar(end)))'")
    }

    private mutating func scalar() throws(Failure) -> Scanned {
        guard let byte = peek else { throw Failure(offset: index, reason: "unexpected end of text") }
        switch byte {
        case UInt8(ascii: "\""): return .value(.text(try string()))
        case UInt8(ascii: "t"): try literal("true"); return .value(.bool(true))
        case UInt8(ascii: "f"): try literal("false"); return .value(.bool(false))
        case UInt8(ascii: "n"): try literal("null"); return .value(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            try skipNumber()
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if let value = Int64(text) { return .value(.int(value)) }
            return .other(text)
        default:
            let start = index
            try skipValue(depth: 0)
            return .other(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        var offset = index
        for byte in word.utf8 {
            guard offset < bytes.count, bytes[offset] == byte else { throw Failure(offset: index, reason: "unexpected character") }
            offset += 1
        }
        index = offset
    }

    private mutating func skipNumber() throws(Failure) {
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                index += 1
            default:
                guard index > start else { throw Failure(offset: index, reason: "unexpected character") }
                return
            }
        }
    }

    private mutating func skipValue(depth: Int) throws(Failure) {
        guard depth < 512 else { throw Failure(offset: index, reason: "nested too deeply") }
        skipSpace()
        guard let byte = peek else { throw Failure(offset: index, reason: "unexpected end of text") }
        switch byte {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"):
            index += 1
            if try consume(UInt8(ascii: "}")) { return }
            repeat {
                skipSpace()
                _ = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
                skipSpace()
            } while try commaOrEnd(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if try consume(UInt8(ascii: "]")) { return }
            repeat {
                try skipValue(depth: depth + 1)
                skipSpace()
            } while try commaOrEnd(UInt8(ascii: "]"))
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try skipNumber()
        }
    }

    /// A string; without escapes (nearly always) it is decoded straight from the bytes.
    private mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<index - 1], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                index = start - 1
                return try escapedString()
            }
            if byte < 0x20 { throw Failure(offset: index, reason: "control character in string") }
            index += 1
        }
        throw Failure(offset: index, reason: "unterminated string")
    }

    /// The slow path: hand the string to the general parser, which knows every escape.
    private mutating func escapedString() throws(Failure) -> String {
        var end = index + 1
        while end < bytes.count {
            if bytes[end] == UInt8(ascii: "\\") {
                end += 2
                continue
            }
            if bytes[end] == UInt8(ascii: "\"") { break }
            end += 1
        }
        guard end < bytes.count else { throw Failure(offset: index, reason: "unterminated string") }
        let start = index
        do {
            guard case let .string(text) = try JSON.parse(Array(bytes[start...end])) else {
                throw Failure(offset: start, reason: "invalid string")
            }
            index = end + 1
            return text
        } catch let error as JSONParseError {
            throw Failure(offset: start + error.offset, reason: error.reason)
        } catch {
            throw Failure(offset: start, reason: "invalid string")
        }
    }
}
