/// One scalar field of a PeeringDB object as events carry it. PeeringDB's JSON mixes numbers,
/// booleans and text; keeping the kind means a `true` never reads back as `1`.
public enum PeeringDBValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .text(value): try container.encode(value)
        }
    }

    public var int: Int64? { if case let .int(v) = self { return v } else { return nil } }
    public var text: String? { if case let .text(v) = self { return v } else { return nil } }
    public var bool: Bool? { if case let .bool(v) = self { return v } else { return nil } }

    /// The value in an API answer: numbers as strings (the API's PHP heritage), text as is.
    public var apiJSON: JSON {
        switch self {
        case .null: return .null
        case let .bool(value): return .bool(value)
        case let .int(value): return .string(String(value))
        case let .text(value): return .string(value)
        }
    }

    public init?(_ json: JSON) {
        switch json {
        case .null: self = .null
        case let .bool(value): self = .bool(value)
        case let .int(value): self = .int(value)
        case let .string(value): self = .text(value)
        default: return nil
        }
    }

    public var json: JSON {
        switch self {
        case .null: return .null
        case let .bool(value): return .bool(value)
        case let .int(value): return .int(value)
        case let .text(value): return .string(value)
        }
    }
}

/// The fields of one PeeringDB object, by PeeringDB's own (v2) names.
public typealias PeeringDBFields = [String: PeeringDBValue]

extension Dictionary where Key == String, Value == PeeringDBValue {
    /// The fields as one JSON text, keys in byte order, escaped as `JSON` escapes: what the
    /// projection stores and imports compare by text. For plain names and texts it is the
    /// payload's own `fields` object (`CanonicalFieldsText` takes it from there).
    public var canonicalText: String {
        Self.canonicalText(sorted: sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) })
    }

    /// `{"a":1,"b":"x"}` for fields already in byte order of their names: the same text as
    /// `JSON.serialized()`, written without building a JSON value.
    public static func canonicalText(sorted fields: [(String, PeeringDBValue)]) -> String {
        var out = "{"
        out.reserveCapacity(fields.count * 24)
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { out += "," }
            appendString(name, to: &out)
            out += ":"
            switch value {
            case .null: out += "null"
            case let .bool(flag): out += flag ? "true" : "false"
            case let .int(number): out += String(number)
            case let .text(text): appendString(text, to: &out)
            }
        }
        out += "}"
        return out
    }

    /// A JSON string: straight through when nothing needs escaping, else as `JSON` escapes it.
    private static func appendString(_ text: String, to out: inout String) {
        var plain = true
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            // Quotes, backslashes, control characters, and U+2028/U+2029 (E2 80 A8/A9) are escaped.
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || (previous == (0xE2, 0x80) && (byte == 0xA8 || byte == 0xA9)) {
                plain = false
                break
            }
            previous = (previous.1, byte)
        }
        if plain {
            out += "\""
            out += text
            out += "\""
        } else {
            JSON.writeString(text, into: &out)
        }
    }

    public static func parsingCanonical(_ text: String) -> PeeringDBFields {
        parsingCanonical(Array(text.utf8))
    }

    public static func parsingCanonical(_ bytes: [UInt8]) -> PeeringDBFields {
        guard let members = (try? JSON.parse(bytes))?.objectMembers else { return [:] }
        var fields: PeeringDBFields = [:]
        fields.reserveCapacity(members.count)
        for (name, value) in members { fields[name] = PeeringDBValue(value) ?? .null }
        return fields
    }
}


