import Foundation

/// The canonical JSON text of event payloads and event metadata: the text the log stores and the
/// hash chain covers. The form is RFC 8785, the JSON Canonicalization Scheme (JCS), so that
/// anyone holding the log can say from the RFC alone what the bytes of an event must be:
///
/// - no whitespace between tokens (RFC 8785 §3.2.1);
/// - the literals `true`, `false` and `null` (§3.2.2.1);
/// - strings (§3.2.2.2) with only these escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and
///   `\u00xx` with lowercase hex digits for the other characters below U+0020. Everything else
///   is written as its UTF-8 bytes: `/`, DEL, U+2028 and U+2029, and all non-ASCII text;
/// - numbers (§3.2.2.3) as ECMAScript's `Number.prototype.toString` writes the IEEE-754 double:
///   integers in plain digits, `-0` as `0`, the shortest digits that read back to the same
///   double, exponent notation from 1e21 up and below 1e-6 (`1e+21`, `1e-7`). NaN and the
///   infinities have no form and are refused;
/// - object members sorted by their names compared as sequences of UTF-16 code units (§3.2.3),
///   at every depth; array elements in their order;
/// - the whole text in UTF-8 (§3.2.4).
///
/// One deliberate extension, for integers: the ledger's integers are 64-bit (the API accepts ids
/// up to 9223372036854775807) and must read back exact, so an integer is always written in its
/// own decimal digits. From -2^53 to 2^53 that is exactly the JCS text. Beyond, no double holds
/// most integers, and JCS would write the nearest double's shortest digits
/// (`9007199254740993` would become `9007199254740992`, `2^60` would become
/// `1152921504606847000`), which would change the value; I-JSON (RFC 7493 §2.2), whose data JCS
/// assumes, asks not to send such numbers at all. So a payload holding an integer beyond ±2^53 is
/// canonical under this rule but not JCS: a third-party JCS implementation re-canonicalizing it
/// would write other bytes. Every other payload is JCS byte for byte.
///
/// `encode` writes any `Encodable` this way through its own `Encoder`: the form does not depend
/// on Foundation's `JSONEncoder`, whose key order differs between platforms. The hand codecs of
/// the frequent payloads (`SessionPayloadCodec`, `EventPayloadCodecs`, `MetadataCodec`) write
/// the same bytes faster. `CanonicalJSONTests` holds all of them to the RFC's examples and to an
/// independent JCS serializer over generated values.
public enum CanonicalJSON {
    /// `value`'s canonical text. Nil optionals are left out, as the synthesized `Encodable`
    /// leaves them; a key encoded twice in one container keeps its last value. Throws for NaN,
    /// an infinity, or an unsigned integer above `Int64.max`.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let root = Node()
        try value.encode(to: CanonicalEncoder(node: root, codingPath: []))
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(root, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads a payload. Decoding is not part of the canonical form: any JSON that `JSONDecoder`
    /// reads into `type` is accepted, whatever its key order or escapes.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// A JSON value's canonical text. Throws for NaN or an infinity, and for an object holding
    /// one name twice (JCS's input is I-JSON, which has unique names).
    public static func text(_ value: JSON) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSON, into out: inout [UInt8]) throws {
        switch value {
        case let .double(number):
            guard number.isFinite else { throw nonFinite(number, codingPath: []) }
            writeScalar(value, into: &out)
        case .null, .bool, .int, .string: writeScalar(value, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            let sorted = members.sorted { precedes($0.0, $1.0) }
            out.append(UInt8(ascii: "{"))
            for (index, (name, member)) in sorted.enumerated() {
                if index > 0 {
                    guard !sameName(sorted[index - 1].0, name) else {
                        throw EncodingError.invalidValue(
                            name, .init(codingPath: [], debugDescription: "the name \(name) appears twice in one object"))
                    }
                    out.append(UInt8(ascii: ","))
                }
                writeString(name, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(member, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    // MARK: Strings

    /// `text` as a canonical JSON string: between quotes, with JCS's escapes (RFC 8785 §3.2.2.2,
    /// which is ECMAScript's `JSON.stringify` for strings).
    public static func string(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        writeString(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { writeString($0, into: &out) }
        if done == nil { Array(text.utf8).withUnsafeBufferPointer { writeString($0, into: &out) } }
    }

    private static func writeString(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Runs without an escape are copied whole. Every escaped character is ASCII, so a run
        // never splits a multi-byte character.
        var run = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
            run = index + 1
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x22: out.append(UInt8(ascii: "\""))
            case 0x5C: out.append(UInt8(ascii: "\\"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    // MARK: Member order

    /// True when `a` sorts before `b` in JCS's member order: their UTF-16 code units compared
    /// one by one as unsigned numbers, a proper prefix first (RFC 8785 §3.2.3).
    ///
    /// Read through the UTF-8 bytes, which native strings hold: byte order is code point order,
    /// and that is UTF-16 order everywhere except between a character from U+E000-U+FFFF (lead
    /// byte EE or EF) and one beyond U+FFFF (lead byte F0-F4), which UTF-16 writes as surrogates
    /// D800-DFFF and so puts first. Where two texts first differ both bytes start a character
    /// (their common prefix ends on a character boundary), or both continue characters with the
    /// same lead byte, whose order no encoding changes.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let contiguous = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in precedes(left, right) }
        }
        if let contiguous, let answer = contiguous { return answer }
        // A bridged string without contiguous UTF-8: the same comparison, byte by byte.
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            guard let x = left.next() else { return right.next() != nil }
            guard let y = right.next() else { return false }
            if x != y { return precedes(x, y) }
        }
    }

    private static func precedes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(left.count, right.count)
        var index = 0
        while index < common, left[index] == right[index] { index += 1 }
        guard index < common else { return left.count < right.count }
        return precedes(left[index], right[index])
    }

    /// The order of two texts whose UTF-8 first differs at bytes `x` and `y`.
    private static func precedes(_ x: UInt8, _ y: UInt8) -> Bool {
        if x >= 0xF0, y == 0xEE || y == 0xEF { return true }
        if y >= 0xF0, x == 0xEE || x == 0xEF { return false }
        return x < y
    }

    /// True when `a` and `b` are the same name: the same code units. (`==` on `String` would also
    /// call `é` and `e` + U+0301 the same, which JCS keeps apart.)
    public static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// `names` without repeats, in JCS's member order: the order the hand codecs write their keys in.
    public static func keyOrder(_ names: some Sequence<String>) -> [String] {
        Set(names).sorted(by: precedes)
    }

    /// Each of `names`' place in `keyOrder(names)`.
    public static func keyRank(_ names: some Sequence<String>) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: keyOrder(names).enumerated().map { ($1, $0) })
    }

    // MARK: Numbers

    /// A double as ECMAScript's `Number.prototype.toString` writes it (RFC 8785 §3.2.2.3), or nil
    /// for NaN and the infinities.
    ///
    /// The digits are Swift's `description`'s, which are the shortest that read back to the same
    /// double and, among those, the closest to it: the digits ECMAScript asks for. Only their
    /// layout differs (`1e-07`, `100.0`, `1.2345678901234568e+17`), and is redone here.
    public static func numberText(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == 0 { return "0" }
        let magnitude = value.magnitude
        // An integer below 2^53 is its own shortest digits.
        if magnitude < 9_007_199_254_740_992, magnitude == magnitude.rounded(.towardZero) {
            return String(Int64(value))
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(17)
        var pointAt: Int?
        var exponent = 0
        let text = magnitude.description.utf8
        var index = text.startIndex
        while index != text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                pointAt = digits.count
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[text.index(after: index)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(byte)
            }
            index = text.index(after: index)
        }
        // value = 0.d1d2...dk × 10^n, with d1 not zero: ECMAScript's n and k.
        var n = (pointAt ?? digits.count) + exponent
        var first = 0
        while first < digits.count - 1, digits[first] == UInt8(ascii: "0") {
            first += 1
            n -= 1
        }
        var end = digits.count
        while end > first + 1, digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
        let significant = digits[first..<end]
        let k = significant.count

        var out: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
        out.reserveCapacity(k + 8)
        if k <= n && n <= 21 {
            out += significant
            out += repeatElement(UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            out += significant.prefix(n)
            out.append(UInt8(ascii: "."))
            out += significant.dropFirst(n)
        } else if -6 < n && n <= 0 {
            out += Array("0.".utf8)
            out += repeatElement(UInt8(ascii: "0"), count: -n)
            out += significant
        } else {
            out.append(significant[significant.startIndex])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += significant.dropFirst()
            }
            out += Array((n - 1 >= 0 ? "e+" : "e-").utf8)
            out += Array(String((n - 1).magnitude).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    fileprivate static func nonFinite(_ value: Double, codingPath: [any CodingKey]) -> EncodingError {
        EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "RFC 8785 has no form for \(value)"))
    }

    // MARK: Writing what the encoder built

    fileprivate static func write(_ node: Node, into out: inout [UInt8]) {
        switch node.kind {
        case .scalar: writeScalar(node.scalar, into: &out)
        case .array:
            out.append(UInt8(ascii: "["))
            for (index, item) in node.items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object, .unset:
            var members = node.members
            members.sort { precedes($0.name, $1.name) }
            out.append(UInt8(ascii: "{"))
            var wrote = false
            for index in members.indices {
                let member = members[index]
                // A name set twice keeps its last value (the highest `order`), whatever the sort
                // did with equal names.
                if index > 0, sameName(members[index - 1].name, member.name) { continue }
                var last = member
                var next = index + 1
                while next < members.count, sameName(members[next].name, member.name) {
                    if members[next].order > last.order { last = members[next] }
                    next += 1
                }
                if wrote { out.append(UInt8(ascii: ",")) }
                wrote = true
                writeString(member.name, into: &out)
                out.append(UInt8(ascii: ":"))
                write(last.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func write(_ slot: Slot, into out: inout [UInt8]) {
        switch slot {
        case let .scalar(value): writeScalar(value, into: &out)
        case let .node(node): write(node, into: &out)
        }
    }

    /// A scalar whose number, if any, is already known to be finite.
    private static func writeScalar(_ value: JSON, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case let .int(number): JSONBytes.appendInt(number, to: &out)
        case let .double(number): out.append(contentsOf: (numberText(number) ?? "null").utf8)
        case let .string(text): writeString(text, into: &out)
        case .array, .object: try? write(value, into: &out)
        }
    }
}

// MARK: - The encoder

/// What one value encoded to: a scalar, or the members or items its containers received. A
/// class, because a nested container keeps filling it after it is attached to its parent.
private final class Node {
    enum Kind { case unset, scalar, object, array }

    var kind = Kind.unset
    var scalar = JSON.null
    var members: [Member] = []
    var items: [Slot] = []

    func becomeObject() {
        if kind != .object {
            kind = .object
            items = []
        }
    }

    func becomeArray() {
        if kind != .array {
            kind = .array
            members = []
        }
    }

    func set(_ name: String, _ value: Slot) {
        members.append(Member(name: name, order: members.count, value: value))
    }
}

/// A member as encoded: `order` says which of two values set for one name came last.
private struct Member {
    var name: String
    var order: Int
    var value: Slot
}

/// A scalar is kept inline; only nested values cost a `Node`.
private enum Slot {
    case scalar(JSON)
    case node(Node)
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}

/// The scalars every container accepts, each checked once here.
private enum Scalar {
    static func double(_ value: Double, _ path: @autoclosure () -> [any CodingKey]) throws -> JSON {
        guard value.isFinite else { throw CanonicalJSON.nonFinite(value, codingPath: path()) }
        return .double(value)
    }

    static func unsigned(_ value: UInt64, _ path: @autoclosure () -> [any CodingKey]) throws -> JSON {
        guard let exact = Int64(exactly: value) else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: path(), debugDescription: "\(value) is beyond the ledger's 64-bit signed integers"))
        }
        return .int(exact)
    }
}

private struct CanonicalEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: Node, codingPath: [any CodingKey]) {
        self.node = node
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: node, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    private func put(_ value: JSON, _ key: Key) { node.set(key.stringValue, .scalar(value)) }

    mutating func encodeNil(forKey key: Key) { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try Scalar.double(value, codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(try Scalar.double(Double(value), codingPath + [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(try Scalar.unsigned(UInt64(value), codingPath + [key]), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(try Scalar.unsigned(value, codingPath + [key]), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = Node()
        try value.encode(to: CanonicalEncoder(node: child, codingPath: codingPath + [key]))
        node.set(key.stringValue, .node(child))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        child.becomeObject()
        node.set(key.stringValue, .node(child))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Node()
        child.becomeArray()
        node.set(key.stringValue, .node(child))
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let child = Node()
        node.set(SuperKey().stringValue, .node(child))
        return CanonicalEncoder(node: child, codingPath: codingPath + [SuperKey()])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Node()
        node.set(key.stringValue, .node(child))
        return CanonicalEncoder(node: child, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.items.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(count)] }
    private func put(_ value: JSON) { node.items.append(.scalar(value)) }

    mutating func encodeNil() { put(.null) }
    mutating func encode(_ value: Bool) { put(.bool(value)) }
    mutating func encode(_ value: String) { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try Scalar.double(value, nextPath)) }
    mutating func encode(_ value: Float) throws { put(try Scalar.double(Double(value), nextPath)) }
    mutating func encode(_ value: Int) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int8) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int16) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int32) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int64) { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(try Scalar.unsigned(UInt64(value), nextPath)) }
    mutating func encode(_ value: UInt8) { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { put(try Scalar.unsigned(value, nextPath)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = Node()
        try value.encode(to: CanonicalEncoder(node: child, codingPath: nextPath))
        node.items.append(.node(child))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = Node()
        child.becomeObject()
        let path = nextPath
        node.items.append(.node(child))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = Node()
        child.becomeArray()
        let path = nextPath
        node.items.append(.node(child))
        return UnkeyedContainer(node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = Node()
        let path = nextPath
        node.items.append(.node(child))
        return CanonicalEncoder(node: child, codingPath: path)
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    private func put(_ value: JSON) {
        node.kind = .scalar
        node.scalar = value
    }

    mutating func encodeNil() { put(.null) }
    mutating func encode(_ value: Bool) { put(.bool(value)) }
    mutating func encode(_ value: String) { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try Scalar.double(value, codingPath)) }
    mutating func encode(_ value: Float) throws { put(try Scalar.double(Double(value), codingPath)) }
    mutating func encode(_ value: Int) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int8) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int16) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int32) { put(.int(Int64(value))) }
    mutating func encode(_ value: Int64) { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(try Scalar.unsigned(UInt64(value), codingPath)) }
    mutating func encode(_ value: UInt8) { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { put(try Scalar.unsigned(value, codingPath)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: CanonicalEncoder(node: node, codingPath: codingPath))
    }
}
