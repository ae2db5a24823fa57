/// Hand-read payloads of the event types a rebuild meets most after sessions' (the PeeringDB
/// import's objects and routers' observed states), through the project's own JSON parser instead
/// of `JSONDecoder`, which cost a world rebuild a fifth of its time.
///
/// Each reader accepts only the exact shape the canonical encoder writes (every key once, no
/// other key, each value of its kind) and returns nil for anything else; the caller then asks
/// `JSONDecoder`, which gives the authoritative answer or error. `PayloadReaderTests` compares
/// both on payloads with escapes, unicode, nulls and numbers at the edges.
public enum PayloadReader {
    public static func peeringDBObjectCreated(_ text: String) -> PeeringDBObjectCreated? {
        scannedPeeringDBObjectCreated(text) ?? parsedPeeringDBObjectCreated(text)
    }

    /// The canonical payload read straight from its bytes, without a `JSON` tree (decoding
    /// through one was over a quarter of the read-ahead thread's samples in a rebuild of the
    /// realistic world, whose first 162,500 events are PeeringDB objects): `{"fields":{…},"object_id":N,"object_type":"T"}`
    /// with keys in strictly increasing byte order and values `null`, `true`, `false`, canonical
    /// integers or strings without an escape, control character or U+2028/U+2029. Anything else
    /// answers nil and goes through the tree (`parsedPeeringDBObjectCreated`), which reads
    /// everything this accepts to the same value (`PayloadReaderTests`).
    public static func scannedPeeringDBObjectCreated(_ text: String) -> PeeringDBObjectCreated? {
        SessionPayloadScanner.reading(text) { scan in
            guard scan.literal(#"{"fields":{"#) else { return nil }
            var fields: PeeringDBFields = [:]
            // Sized from the text (a field takes about 25 bytes of it at today's PeeringDB, so
            // this seldom has to grow): grown one doubling at a time, the dictionary rehashed
            // itself over and over, about a tenth of the read-ahead thread's time in a rebuild.
            fields.reserveCapacity(text.utf8.count / 16)
            if !scan.literal("}") {
                var previous: String?
                repeat {
                    guard let key = scan.string(), previous.map({ $0.utf8Precedes(key) }) ?? true,
                        scan.literal(":"), let value = scan.peeringDBValue(anyText: true)
                    else { return nil }
                    fields[key] = value
                    previous = key
                } while scan.literal(",")
                guard scan.literal("}") else { return nil }
            }
            guard scan.literal(#","object_id":"#), let id = scan.integer(), scan.literal(#","object_type":"#),
                let typeName = scan.string(), let type = PeeringDBObjectType(rawValue: typeName), scan.literal("}")
            else { return nil }
            return PeeringDBObjectCreated(objectType: type, objectID: id, fields: fields)
        }
    }

    /// Any payload of the canonical shape, read through the project's `JSON` tree.
    public static func parsedPeeringDBObjectCreated(_ text: String) -> PeeringDBObjectCreated? {
        guard let top = (try? JSON.parse(text))?.members(required: ["fields", "object_id", "object_type"]),
            case let .int(id)? = top["object_id"], case let .string(typeName)? = top["object_type"],
            let type = PeeringDBObjectType(rawValue: typeName), case let .object(list)? = top["fields"]
        else { return nil }
        var fields: PeeringDBFields = [:]
        fields.reserveCapacity(list.count)
        for (name, json) in list {
            guard let value = PeeringDBValue(json), fields.updateValue(value, forKey: name) == nil else { return nil }
        }
        return PeeringDBObjectCreated(objectType: type, objectID: id, fields: fields)
    }

    public static func sessionStateObserved(_ text: String) -> SessionStateObserved? {
        // The synthesized encoder leaves out a nil optional; JSONDecoder also reads null as nil.
        guard let top = (try? JSON.parse(text))?.members(required: ["router_id", "session_id", "state"], optional: ["last_error", "prfx_received"]),
            case let .int(session)? = top["session_id"], case let .int(router)? = top["router_id"],
            case let .string(state)? = top["state"],
            let prefixes = optionalInt(top["prfx_received"]), let lastError = optionalString(top["last_error"])
        else { return nil }
        return SessionStateObserved(
            sessionID: session, routerID: router, state: state, prefixesReceived: prefixes, lastError: lastError)
    }

    /// An integer, or null or absent (`.some(nil)`); nil when it is anything else.
    private static func optionalInt(_ json: JSON?) -> Int64?? {
        switch json {
        case nil, .null?: return .some(nil)
        case let .int(value)?: return value
        default: return nil
        }
    }

    private static func optionalString(_ json: JSON?) -> String?? {
        switch json {
        case nil, .null?: return .some(nil)
        case let .string(value)?: return value
        default: return nil
        }
    }
}

extension JSON {
    /// The members of an object that has every `required` key, no key outside `required` and
    /// `optional`, and no key twice; nil for anything else. The hand-written payload readers
    /// accept exactly the shape the canonical encoder writes.
    public func members(required: Set<String>, optional: Set<String> = []) -> [String: JSON]? {
        guard case let .object(list) = self else { return nil }
        var members: [String: JSON] = [:]
        members.reserveCapacity(list.count)
        for (key, value) in list {
            guard required.contains(key) || optional.contains(key), members.updateValue(value, forKey: key) == nil else { return nil }
        }
        guard required.allSatisfy({ members[$0] != nil }) else { return nil }
        return members
    }
}
