import Foundation
import Synchronization

/// Hand-written codecs for the payloads a live network's log holds most after sessions' own:
/// routers' observed states (almost half of a history), peers' updates and resets, and requests
/// delivered and answered. A general encoder and `JSONDecoder` cost a large share of an append
/// and of a rebuild for them.
///
/// The rules are `SessionPayloadCodec`'s. Encoding gives exactly the bytes `CanonicalJSON.encode`
/// gives (RFC 8785; the hash chain covers them) or nil, and the caller falls back to it: every
/// string must be plain (`SessionPayloadCodec.isPlain`), the keys are written in JCS's member
/// order (`keyOrders`), and a nil optional is left out as the synthesized `Encodable` does.
/// Decoding reads only that canonical text, byte by byte with `SessionPayloadScanner`'s
/// primitives, and answers nil for anything else, so `JSONDecoder` keeps the last word (value or
/// error) on every other shape. `EventPayloadCodecTests` compares both ways on generated payloads.
public enum EventPayloadCodecs {
    /// Each struct's keys as these encoders write them, and `{"from":..,"to":..}`: each list in
    /// JCS's member order (`CanonicalJSON.keyOrder`, which a test holds them to).
    public static let keyOrders: [[String]] = [
        ["last_error", "prfx_received", "router_id", "session_id", "state"],
        ["changes", "participant_id", "public_id"],
        ["from", "to"],
        ["participant_id", "public_id"],
        ["attempt", "reply", "request_id"],
        ["peer_participant_id", "public_id", "request_id", "status"],
        ["fields", "object_id", "object_type"],
    ]

    /// The names a `PeerUpdated` change may carry, ranked in JCS's member order.
    public static let peerFieldRank = CanonicalJSON.keyRank(PeerLocalField.allCases.map(\.rawValue))

    // MARK: Encoding

    /// `{"last_error":"..","prfx_received":N,"router_id":N,"session_id":N,"state":".."}`, the
    /// two optionals left out when nil.
    public static func encode(_ observed: SessionStateObserved) -> String? {
        guard SessionPayloadCodec.isPlain(observed.state) else { return nil }
        var out = "{"
        out.reserveCapacity(96)
        if let lastError = observed.lastError {
            guard SessionPayloadCodec.isPlain(lastError) else { return nil }
            out += #""last_error":""# + lastError + #"","#
        }
        if let prefixes = observed.prefixesReceived {
            out += #""prfx_received":"# + String(prefixes) + ","
        }
        out += #""router_id":"# + String(observed.routerID) + #","session_id":"# + String(observed.sessionID)
        out += #","state":""# + observed.state + #""}"#
        return out
    }

    /// `{"changes":{"k":{"from":..,"to":..}},"participant_id":N,"public_id":N}`, or nil when a
    /// change's name is not a `PeerLocalField` or a value is not plain.
    public static func encode(_ updated: PeerUpdated) -> String? {
        guard let keys = SessionPayloadCodec.orderedKeys(updated.changes, rank: peerFieldRank) else { return nil }
        var out = #"{"changes":{"#
        out.reserveCapacity(96 + updated.changes.count * 48)
        for (index, key) in keys.enumerated() {
            if index > 0 { out += "," }
            out += "\"" + key + #"":{"from":"#
            guard let change = updated.changes[key], write(change.from, into: &out) else { return nil }
            out += #","to":"#
            guard write(change.to, into: &out) else { return nil }
            out += "}"
        }
        out += #"},"participant_id":"# + String(updated.participantID) + #","public_id":"# + String(updated.publicID) + "}"
        return out
    }

    /// `{"participant_id":N,"public_id":N}`.
    static func encode(_ reset: PeerStatusReset) -> String? {
        #"{"participant_id":"# + String(reset.participantID) + #","public_id":"# + String(reset.publicID) + "}"
    }

    /// `{"attempt":N,"reply":"..","request_id":N}`.
    static func encode(_ delivered: PeeringRequestDelivered) -> String? {
        guard SessionPayloadCodec.isPlain(delivered.reply) else { return nil }
        return #"{"attempt":"# + String(delivered.attempt) + #","reply":""# + delivered.reply + #"","request_id":"#
            + String(delivered.requestID) + "}"
    }

    /// `{"peer_participant_id":N,"public_id":N,"request_id":N,"status":".."}`, `request_id` left
    /// out when nil.
    static func encode(_ answered: PeeringRequestAnswered) -> String? {
        guard SessionPayloadCodec.isPlain(answered.status) else { return nil }
        var out = #"{"peer_participant_id":"# + String(answered.peerParticipantID) + #","public_id":"# + String(answered.publicID)
        if let request = answered.requestID {
            out += #","request_id":"# + String(request)
        }
        out += #","status":""# + answered.status + #""}"#
        return out
    }

    /// `{"fields":{..},"object_id":N,"object_type":".."}` with the fields in JCS's member order
    /// (for the plain names this accepts, their byte order), or nil when a name or a text is not
    /// plain. A PeeringDB import writes some 160,000 of these.
    static func encode(_ created: PeeringDBObjectCreated) -> String? {
        guard created.fields.keys.allSatisfy(SessionPayloadCodec.isPlain) else { return nil }
        let fields = created.fields.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out = #"{"fields":{"#
        out.reserveCapacity(64 + fields.count * 24)
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            out += "\"" + field.key + #"":"#
            guard write(field.value, into: &out) else { return nil }
        }
        out += #"},"object_id":"# + String(created.objectID) + #","object_type":""# + created.objectType.rawValue + #""}"#
        return out
    }

    /// A PeeringDB-kind value as `CanonicalJSON` writes it; false when the text is not plain.
    private static func write(_ value: PeeringDBValue, into out: inout String) -> Bool {
        switch value {
        case .null: out += "null"
        case let .bool(flag): out += flag ? "true" : "false"
        case let .int(number): out += String(number)
        case let .text(text):
            guard SessionPayloadCodec.isPlain(text) else { return false }
            out += "\"" + text + "\""
        }
        return true
    }

    // MARK: Decoding

    static func sessionStateObserved(_ text: String) -> SessionStateObserved? {
        SessionPayloadScanner.reading(text) { scan in
            guard scan.literal("{") else { return nil }
            var lastError: String?
            var prefixes: Int64?
            if scan.literal(#""last_error":"#) {
                guard let text = scan.string(), scan.literal(",") else { return nil }
                lastError = text
            }
            if scan.literal(#""prfx_received":"#) {
                guard let number = scan.integer(), scan.literal(",") else { return nil }
                prefixes = number
            }
            guard scan.literal(#""router_id":"#), let router = scan.integer(), scan.literal(#","session_id":"#),
                let session = scan.integer(), scan.literal(#","state":"#), let state = scan.string(), scan.literal("}")
            else { return nil }
            return SessionStateObserved(
                sessionID: session, routerID: router, state: state, prefixesReceived: prefixes, lastError: lastError)
        }
    }

    static func peerUpdated(_ text: String) -> PeerUpdated? {
        SessionPayloadScanner.reading(text) { scan in
            guard scan.literal(#"{"changes":{"#) else { return nil }
            var changes: [String: PeerUpdated.Change] = [:]
            if !scan.literal("}") {
                repeat {
                    guard let key = scan.string(), scan.literal(#":{"from":"#), let from = scan.peeringDBValue(),
                        scan.literal(#","to":"#), let to = scan.peeringDBValue(), scan.literal("}"),
                        changes.updateValue(.init(from: from, to: to), forKey: key) == nil
                    else { return nil }
                } while scan.literal(",")
                guard scan.literal("}") else { return nil }
            }
            guard scan.literal(","), let peer = scan.peerKeyAndEnd() else { return nil }
            return PeerUpdated(participantID: peer.participant, publicID: peer.exchange, changes: changes)
        }
    }

    static func peerStatusReset(_ text: String) -> PeerStatusReset? {
        SessionPayloadScanner.reading(text) { scan in
            guard scan.literal("{"), let peer = scan.peerKeyAndEnd() else { return nil }
            return PeerStatusReset(participantID: peer.participant, publicID: peer.exchange)
        }
    }

    static func peeringRequestDelivered(_ text: String) -> PeeringRequestDelivered? {
        SessionPayloadScanner.reading(text) { scan in
            guard scan.literal(#"{"attempt":"#), let attempt = scan.integer().flatMap(Int.init(exactly:)),
                scan.literal(#","reply":"#), let reply = scan.string(), scan.literal(#","request_id":"#),
                let request = scan.integer(), scan.literal("}")
            else { return nil }
            return PeeringRequestDelivered(requestID: request, reply: reply, attempt: attempt)
        }
    }

    static func peeringRequestAnswered(_ text: String) -> PeeringRequestAnswered? {
        SessionPayloadScanner.reading(text) { scan in
            guard scan.literal(#"{"peer_participant_id":"#), let peer = scan.integer(), scan.literal(#","public_id":"#),
                let exchange = scan.integer()
            else { return nil }
            var request: Int64?
            if scan.literal(#","request_id":"#) {
                guard let number = scan.integer() else { return nil }
                request = number
            }
            guard scan.literal(#","status":"#), let status = scan.string(), scan.literal("}") else { return nil }
            return PeeringRequestAnswered(requestID: request, peerParticipantID: peer, publicID: exchange, status: status)
        }
    }
}

extension SessionPayloadScanner {
    /// `read` applied to the bytes of `text`; nil unless it read them all.
    public static func reading<T>(_ text: String, _ read: (inout SessionPayloadScanner) -> T?) -> T? {
        text.utf8.withContiguousStorageIfAvailable { buffer -> T? in
            var scanner = SessionPayloadScanner(buffer)
            guard let value = read(&scanner), scanner.atEnd else { return nil }
            return value
        } ?? nil
    }

    /// `"participant_id":N,"public_id":N}`: the peer both peer payloads end with.
    public mutating func peerKeyAndEnd() -> (participant: Int64, exchange: Int64)? {
        guard literal(#""participant_id":"#), let participant = integer(), literal(#","public_id":"#), let exchange = integer(),
            literal("}")
        else { return nil }
        return (participant, exchange)
    }

    /// `null`, `true`, `false`, a string or an integer, as `PeeringDBValue.init(from:)` reads
    /// each of them. Strings of printable ASCII only (`string`, what the peer payloads' readers
    /// accept), or with `anyText` any string without an escape (`unescapedStringValue`: its bytes
    /// are its text), as a PeeringDB object's fields may hold.
    public mutating func peeringDBValue(anyText: Bool = false) -> PeeringDBValue? {
        if literal("null") { return .null }
        if literal("true") { return .bool(true) }
        if literal("false") { return .bool(false) }
        if let text = anyText ? unescapedStringValue() : string() { return .text(text) }
        return integer().map(PeeringDBValue.int)
    }
}
