public import PeerLedgerDomain
/// The parameters of one API call, decoded from `application/x-www-form-urlencoded` text (a query
/// string or a POST body), in the order they were sent.
public struct Parameters: Sendable, Equatable {
    public private(set) var pairs: [(name: String, value: String)]

    public static func == (lhs: Parameters, rhs: Parameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public init(_ pairs: [(name: String, value: String)]) throws(Refusal) {
        // A call has a handful of parameters: comparing each with those before it beats hashing
        // (a long list, such as a large POST body, is checked through a set).
        if pairs.count <= 16 {
            for (index, pair) in pairs.enumerated() where pairs[..<index].contains(where: { $0.name == pair.name }) {
                throw Refusal("parameter \(pair.name) is given more than once")
            }
        } else {
            var seen = Set<String>()
            for (name, _) in pairs where !seen.insert(name).inserted {
                throw Refusal("parameter \(name) is given more than once")
            }
        }
        self.pairs = pairs
    }

    /// Decodes form-encoded text: `+` is a space, `%XX` a byte; the result must be UTF-8.
    public init(formEncoded text: String) throws(Refusal) {
        // Split on the bytes `&` and `=` (form encoding is bytes; splitting by Character was a
        // visible share of a write command).
        var pairs: [(name: String, value: String)] = []
        for bytes in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let piece = Substring(bytes)
            let equals = bytes.firstIndex(of: UInt8(ascii: "="))
            let name = try Self.decode(equals.map { piece[..<$0] } ?? piece, what: "a parameter name")
            var value = ""
            if let equals { value = try Self.decode(piece[piece.utf8.index(after: equals)...], what: "parameter \(name)") }
            pairs.append((name, value))
        }
        try self.init(pairs)
    }

    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// The value of `name` unless it is absent or empty (PHP clients send `cc=&bcc=`).
    public func nonEmpty(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    public var names: [String] { pairs.map(\.name) }

    /// The parameters without the ones named, e.g. without the signature for fingerprints.
    public func removing(_ names: Set<String>) -> Parameters {
        var copy = self
        copy.pairs.removeAll { names.contains($0.name) }
        return copy
    }

    /// Form-encodes the parameters again (what a client would send).
    public var formEncoded: String {
        pairs.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }.joined(separator: "&")
    }

    /// `what` names the text in a refusal; it is built only for one.
    static func decode(_ text: Substring, what: @autoclosure () -> String) throws(Refusal) -> String {
        switch percentDecode(text, plusIsSpace: true) {
        case let .decoded(decoded): return decoded
        case .malformedEscape: throw Refusal("\(what()) has a malformed %-escape")
        case .notUTF8: throw Refusal("\(what()) is not valid UTF-8")
        }
    }

    /// What `percentDecode` made of a text.
    enum PercentDecoding: Equatable {
        case decoded(String)
        case malformedEscape
        case notUTF8
    }

    /// `%XX` escapes decoded, and `+` as a space when `plusIsSpace` (form values; a signature's
    /// base64 keeps its `+`). Most names and values have neither: they are the text itself.
    static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> PercentDecoding {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) {
            return .decoded(String(text))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return .malformedEscape
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { return .notUTF8 }
        return .decoded(decoded)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// PHP `urlencode`: letters, digits and `-_.` stay, a space is `+`, everything else `%XX`.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x20: out += "+"
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
