public import Crypto
import Foundation

/// The rules of a webhook subscription, and the Standard Webhooks signature of a delivery.
public enum WebhookDecisions {
    /// The longest URL a subscription may have.
    public static let maximumURLLength = 2000

    /// `text` as a subscription's URL: http or https, with a host, without credentials (they would
    /// be recorded in the log), a fragment, whitespace or control characters (CR, LF), at most
    /// `maximumURLLength` characters. The refusal's message says what was wrong, without the field.
    public static func url(_ text: String) throws(Refusal) -> String {
        guard !text.isEmpty else { throw Refusal("must not be empty", code: .parameterInvalid) }
        guard text.utf8.count <= maximumURLLength else {
            throw Refusal("is \(text.utf8.count) bytes long; at most \(maximumURLLength) are allowed", code: .parameterInvalid)
        }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw Refusal(
                "must not contain whitespace or control characters (found U+\(String(bad.value, radix: 16, uppercase: true)))",
                code: .parameterInvalid)
        }
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased() else {
            throw Refusal("is not a URL; got '\(Values.quoted(text))'", code: .parameterInvalid)
        }
        guard scheme == "http" || scheme == "https" else {
            throw Refusal("must be an http or https URL; got scheme '\(Values.quoted(scheme))'", code: .parameterInvalid)
        }
        guard let host = parts.host, !host.isEmpty else {
            throw Refusal("must name a host; got '\(Values.quoted(text))'", code: .parameterInvalid)
        }
        guard parts.user == nil, parts.password == nil else {
            throw Refusal("must not carry credentials (user:password@); they would be recorded in the log", code: .parameterInvalid)
        }
        guard parts.fragment == nil else { throw Refusal("must not have a fragment (#...)", code: .parameterInvalid) }
        if let port = parts.port, !(1...65535).contains(port) {
            throw Refusal("port must be 1 to 65535; got \(port)", code: .parameterInvalid)
        }
        return text
    }

    /// `given` as a subscription's event types: one or more of the ledger's event type names
    /// (`LedgerEvent.typeNames`), each once.
    public static func eventTypes(_ given: [String]) throws(Refusal) -> [String] {
        guard !given.isEmpty else {
            throw Refusal("must name at least one event type (\(LedgerEvent.typeNames.joined(separator: ", ")))", code: .parameterInvalid)
        }
        var seen: Set<String> = []
        for type in given {
            guard LedgerEvent.typeNames.contains(type) else {
                throw Refusal(
                    "'\(Values.quoted(type))' is not an event type; known types are \(LedgerEvent.typeNames.joined(separator: ", "))",
                    code: .parameterInvalid)
            }
            guard seen.insert(type).inserted else {
                throw Refusal("'\(Values.quoted(type))' is named twice", code: .parameterInvalid)
            }
        }
        return given
    }
}

/// Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` and
/// the base64 of random bytes, the HMAC-SHA256 key is those bytes, and the signed content is
/// `{webhook-id}.{webhook-timestamp}.{body}`.
public enum WebhookSignature {
    public static let secretPrefix = "whsec_"

    /// A new secret: `whsec_` and the base64 of 32 random bytes.
    public static func newSecret() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return secretPrefix + Data(bytes).base64EncodedString()
    }

    /// The HMAC key of `secret`: the base64-decoded part after `whsec_`; nil when it is not that.
    public static func key(of secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(secretPrefix), let bytes = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))),
            !bytes.isEmpty
        else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
    public static func header(key: SymmetricKey, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content += body
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-id` of the event at `position` delivered to subscription `webhookID`: the same
    /// for every attempt, so a receiver can tell a retry from a new message.
    public static func messageID(webhookID: Int64, position: Int64) -> String { "msg_\(webhookID)_\(position)" }
}

/// Exponential backoff with a cap: attempt n waits `first` × 2^(n-1) seconds, at most `maximum`.
public enum Backoff {
    /// The wait in seconds after failed attempt number `attempt` (1-based), by checked arithmetic.
    public static func delay(afterAttempt attempt: Int, first: Int64, maximum: Int64) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 30)
        // Multiplied with a check: a shift would drop the high bits of a large first delay.
        let (delay, overflow) = first.multipliedReportingOverflow(by: Int64(1) << Int64(exponent))
        return overflow ? maximum : min(delay, maximum)
    }
}
