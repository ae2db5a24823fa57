import Foundation

/// A hand-written codec for the two payloads that dominate the log (`SessionAdded`,
/// `SessionUpdated`), because a general encoder and `JSONDecoder` cost most of an append and of a
/// rebuild.
///
/// It must give exactly the bytes `CanonicalJSON.encode` gives (RFC 8785; the hash chain covers
/// them), so it only handles what it can prove identical and answers nil otherwise, letting the
/// caller fall back to `CanonicalJSON`: keys are ordered by their rank in JCS's member order,
/// strings must be printable ASCII without `"` or `\` (written as they are), and decoding accepts
/// only the exact shape `JSONDecoder` would accept for these structs.
public enum SessionPayloadCodec {
    /// Each known field name's place in JCS's member order (`CanonicalJSON.keyOrder`).
    public static let keyRank = CanonicalJSON.keyRank(SessionField.allCases.map(\.column) + SessionField.allCases.map(\.rawValue))

    /// True when `text` is printable ASCII without `"` or `\`: the canonical form writes it between
    /// quotes unchanged, and the hand readers (`SessionPayloadScanner.string`) read it back whole.
    public static func isPlain(_ text: String) -> Bool {
        !text.utf8.contains { $0 < 0x20 || $0 > 0x7E || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    /// The keys of `dictionary` in JCS's member order, or nil when one is not known (not in
    /// `rank`) or not plain.
    public static func orderedKeys<V>(_ dictionary: [String: V], rank keyRank: [String: Int] = keyRank) -> [String]? {
        var ranked: [(Int, String)] = []
        ranked.reserveCapacity(dictionary.count)
        for key in dictionary.keys {
            guard let rank = keyRank[key], isPlain(key) else { return nil }
            ranked.append((rank, key))
        }
        ranked.sort { $0.0 < $1.0 }
        return ranked.map(\.1)
    }

    public static func write(_ value: FieldValue, into out: inout String) -> Bool {
        switch value {
        case .null: out += "null"
        case let .int(number): out += String(number)
        case let .text(text):
            guard isPlain(text) else { return false }
            out += "\""
            out += text
            out += "\""
        }
        return true
    }

    /// `{"fields":{...},"session_id":N}`, or nil when it is left to `CanonicalJSON.encode`.
    public static func encode(_ added: SessionAdded) -> String? {
        guard let keys = orderedKeys(added.fields) else { return nil }
        var out = "{\"fields\":{"
        out.reserveCapacity(64 + added.fields.count * 32)
        for (index, key) in keys.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            out += key
            out += "\":"
            guard let value = added.fields[key], write(value, into: &out) else { return nil }
        }
        out += "},\"session_id\":"
        out += String(added.sessionID)
        out += "}"
        return out
    }

    /// `{"changes":{"k":{"from":..,"to":..}},"session_id":N}`, or nil as for `encode(_: SessionAdded)`.
    public static func encode(_ updated: SessionUpdated) -> String? {
        guard let keys = orderedKeys(updated.changes) else { return nil }
        var out = "{\"changes\":{"
        out.reserveCapacity(64 + updated.changes.count * 48)
        for (index, key) in keys.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            out += key
            out += "\":{\"from\":"
            guard let change = updated.changes[key], write(change.from, into: &out) else { return nil }
            out += ",\"to\":"
            guard write(change.to, into: &out) else { return nil }
            out += "}"
        }
        out += "},\"session_id\":"
        out += String(updated.sessionID)
        out += "}"
        return out
    }

    // MARK: Decoding

    private static let addedKeys: Set<String> = ["fields", "session_id"]
    private static let updatedKeys: Set<String> = ["changes", "session_id"]

    /// Escapes (`\n`, `\uD800`, ...) are left to `JSONDecoder`, whose reading of them is the reference.
    private static func hasEscapes(_ text: String) -> Bool { text.utf8.contains(UInt8(ascii: "\\")) }

    private static func fieldValue(_ json: JSON) -> FieldValue? {
        switch json {
        case .null: return .null
        case let .int(value): return .int(value)
        case let .string(value): return .text(value)
        default: return nil
        }
    }

    /// A `SessionAdded` read from its payload, or nil when the text is not in the shape this codec
    /// writes (the caller then asks `JSONDecoder`, which gives the authoritative answer or error).
    public static func decodeSessionAdded(_ text: String) -> SessionAdded? {
        SessionPayloadScanner.sessionAdded(text) ?? parsedSessionAdded(text)
    }

    /// `decodeSessionAdded` through a `JSON` tree: any shape Foundation would read the same way.
    public static func parsedSessionAdded(_ text: String) -> SessionAdded? {
        guard !hasEscapes(text), let json = try? JSON.parse(text), let top = json.members(required: addedKeys),
            case let .int(id)? = top["session_id"], case let .object(list)? = top["fields"]
        else { return nil }
        var fields: [String: FieldValue] = [:]
        fields.reserveCapacity(list.count)
        for (key, value) in list {
            guard let field = fieldValue(value), fields.updateValue(field, forKey: key) == nil else { return nil }
        }
        return SessionAdded(sessionID: id, fields: fields)
    }

    public static func decodeSessionUpdated(_ text: String) -> SessionUpdated? {
        SessionPayloadScanner.sessionUpdated(text) ?? parsedSessionUpdated(text)
    }

    public static func parsedSessionUpdated(_ text: String) -> SessionUpdated? {
        guard !hasEscapes(text), let json = try? JSON.parse(text), let top = json.members(required: updatedKeys),
            case let .int(id)? = top["session_id"], case let .object(list)? = top["changes"]
        else { return nil }
        var changes: [String: SessionUpdated.FieldChange] = [:]
        changes.reserveCapacity(list.count)
        for (key, value) in list {
            guard let change = fromTo(value), changes.updateValue(change, forKey: key) == nil else { return nil }
        }
        return SessionUpdated(sessionID: id, changes: changes)
    }

    /// `{"from":..,"to":..}` (either order, each exactly once, nothing else), read without building
    /// a dictionary per change as `members` does; the same acceptance as `members(required: ["from", "to"])`.
    private static func fromTo(_ json: JSON) -> SessionUpdated.FieldChange? {
        guard case let .object(pair) = json, pair.count == 2 else { return nil }
        var from: FieldValue?
        var to: FieldValue?
        for (key, value) in pair {
            guard let field = fieldValue(value) else { return nil }
            switch key {
            case "from" where from == nil: from = field
            case "to" where to == nil: to = field
            default: return nil
            }
        }
        guard let from, let to else { return nil }
        return .init(from: from, to: to)
    }
}
