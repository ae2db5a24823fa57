import Foundation
import PeerLedger
import PeerLedgerDomain

/// Reading APIv2's parameters: each value read as the domain reads it (checked arithmetic,
/// ranges, canonical addresses), and any refusal turned into a `parameter.invalid` problem that
/// names the parameter.
enum Parse {
    /// Runs a domain parser; its refusal becomes a 400 naming `name`.
    static func value<T>(_ name: String, _ parse: () throws(Refusal) -> T) throws(Problem) -> T {
        do {
            return try parse()
        } catch {
            throw Problem.parameterInvalid(name, error.message)
        }
    }

    static func time(_ text: String, name: String) throws(Problem) -> Timestamp {
        try value(name) { () throws(Refusal) in try Values.time(text, field: name) }
    }

    static func text(_ text: String, name: String) throws(Problem) -> String {
        try value(name) { () throws(Refusal) in try Values.text(text, field: name) }
    }

    /// An `Idempotency-Key` header (up to 200 characters), kept per caller's key and held to
    /// `fingerprint`, the request it was first used for.
    static func idempotencyKey(_ text: String?, caller: Caller, fingerprint: String) throws(Problem) -> IdempotencyKey? {
        guard let text else { return nil }
        let key = try value("Idempotency-Key") { () throws(Refusal) in try Values.text(text, field: "Idempotency-Key", maxLength: 200) }
        return IdempotencyKey(actor: caller.key.name, key: key, fingerprint: fingerprint)
    }

    /// `limit`: 1 to `APIv2.maxLimit`, `APIv2.defaultLimit` when absent.
    static func limit(_ given: Int?) throws(Problem) -> Int {
        guard let given else { return APIv2.defaultLimit }
        guard (1...APIv2.maxLimit).contains(given) else {
            throw Problem.parameterInvalid("limit", "must be 1 to \(APIv2.maxLimit); got \(given)")
        }
        return given
    }

    /// A cursor: the last id or position of the previous page, as plain digits.
    static func cursor(_ text: String?) throws(Problem) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        return try value("cursor") { () throws(Refusal) in try Values.identifier(text, field: "cursor") }
    }

    /// An `If-Match` version: `"3"`, `W/"3"` or `3`; `*` (any version) is no condition.
    static func ifMatch(_ text: String?) throws(Problem) -> Int64? {
        guard var text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text != "*" else { return nil }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        return try value("If-Match") { () throws(Refusal) in try Values.identifier(text, field: "If-Match") }
    }
}
