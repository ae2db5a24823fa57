import Crypto
public import Foundation
import GRDB
public import PeerLedgerDomain

/// ProVision's request signature: `hash = base64(HMAC-SHA256(secret, everything before "&hash="))`,
/// checked over the raw bytes received, never over a decoded and re-encoded copy.
public enum RequestSignature {
    /// Signs `message` (the raw query up to `&hash=`) with `secret`.
    public static func sign(_ message: some StringProtocol, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Data(code).base64EncodedString()
    }

    /// `%XX` escapes decoded (`+` stays `+`), as Foundation's `removingPercentEncoding`: nil for a
    /// malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard case let .decoded(decoded) = Parameters.percentDecode(text, plusIsSpace: false) else { return nil }
        return decoded
    }

    /// True when `hash` is the signature of `signed` under `secret`, compared in constant time.
    public static func isValid(signed: some StringProtocol, hash: String, secret: String) -> Bool {
        guard let code = Data(base64Encoded: hash) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            code, authenticating: Array(signed.utf8), using: SymmetricKey(data: Array(secret.utf8)))
    }
}

/// An API key as the server knows it. The secret never leaves the `api_keys` table except in the
/// one answer that creates it.
public struct APIKey: Sendable, Equatable {
    public var apiKey: String
    public var name: String
    public var readOnly: Bool
    public var createdAt: String
    public var revokedAt: String?

    public var json: JSON {
        .object([
            ("apiKey", .string(apiKey)), ("name", .string(name)), ("read_only", .bool(readOnly)),
            ("created_at", .string(createdAt)), ("revoked_at", .string(revokedAt)),
        ])
    }
}

/// Why a call was not let in. Every case answers HTTP 401 with the JSON envelope.
public struct AuthenticationFailure: Error, Equatable {
    public let message: String
}

extension Ledger {
    /// Creates a key: `NN-XXXXXXXXXXXXXXXX` and a 32-hex-digit secret, as ProVision issues them.
    /// The creation is an event (without the secret).
    public func createAPIKey(name: String, readOnly: Bool, metadata: EventMetadata) throws -> (key: APIKey, secret: String) {
        let name = try Values.text(name, field: "name", maxLength: 100)
        guard !name.isEmpty else { throw Refusal("name must not be empty") }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let suffix = String((0..<16).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        let secret = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }.hexString
        return try writeNow(metadata) { transaction in
            let db = transaction.db
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE name = ?", arguments: [name]) == true {
                throw Refusal("an API key named \(name) already exists")
            }
            let number = try (Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys") ?? 0) + 1
            let key = APIKey(
                apiKey: "\(number)-\(suffix)", name: name, readOnly: readOnly, createdAt: transaction.recordedAt.apiText,
                revokedAt: nil)
            try db.execute(
                sql: "INSERT INTO api_keys (api_key, name, secret, read_only, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [key.apiKey, name, secret, readOnly, key.createdAt])
            try transaction.append(
                .apiKeyCreated(APIKeyCreated(apiKey: key.apiKey, name: name, readOnly: readOnly)), to: "apikey-\(key.apiKey)",
                expecting: .noStream)
            return (key, secret)
        }
    }

    /// Revokes a key, by its name or its apiKey. Revoked keys are refused from then on.
    public func revokeAPIKey(_ nameOrKey: String, metadata: EventMetadata) throws -> APIKey {
        try writeNow(metadata) { transaction in
            guard var key = try Self.apiKeys(transaction.db).first(where: { $0.name == nameOrKey || $0.apiKey == nameOrKey }) else {
                throw Refusal("no API key named \(Values.quoted(nameOrKey))")
            }
            guard key.revokedAt == nil else { throw Refusal("API key \(key.name) is already revoked") }
            key.revokedAt = transaction.recordedAt.apiText
            try transaction.db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE api_key = ?", arguments: [key.revokedAt, key.apiKey])
            try transaction.append(
                .apiKeyRevoked(APIKeyRevoked(apiKey: key.apiKey, name: key.name)), to: "apikey-\(key.apiKey)",
                expecting: .exactly(1))
            return key
        }
    }

    public func apiKeys() throws -> [APIKey] {
        try database.read { db in try Self.apiKeys(db) }
    }

    static func apiKeys(_ db: Database) throws -> [APIKey] {
        try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, api_key").map { row in
            APIKey(
                apiKey: row["api_key"], name: row["name"], readOnly: row["read_only"], createdAt: row["created_at"],
                revokedAt: row["revoked_at"])
        }
    }

    /// The key that signed `signature`, checked against the signed bytes exactly as received,
    /// and the call's `time` (when given) against the clock: more than 5 minutes either way is
    /// refused as a possible replay.
    public func authenticate(_ signature: CallSignature) async throws(AuthenticationFailure) -> APIKey {
        let found: Result<APIKey, AuthenticationFailure>
        do {
            found = try await database.read { db in try Self.verifiedKey(db, signature) }
        } catch {
            throw AuthenticationFailure(message: "Authentication is unavailable right now")
        }
        let key = try found.get()
        try checkTime(signature)
        return key
    }

    /// The key that signed the call, read in the caller's snapshot: a key revoked by a commit
    /// before that snapshot is refused. A failure is returned, not thrown, so a database error
    /// stays apart from a refusal.
    static func verifiedKey(_ db: Database, _ signature: CallSignature) throws -> Result<APIKey, AuthenticationFailure> {
        verified(try storedKey(db, signature.apiKey), signature)
    }

    /// The key row named `apiKey` with its secret, or nil.
    static func storedKey(_ db: Database, _ apiKey: String) throws -> StoredKey? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_keys WHERE api_key = ?"), arguments: [apiKey]).map { row in
            let key = APIKey(
                apiKey: row["api_key"], name: row["name"], readOnly: row["read_only"], createdAt: row["created_at"],
                revokedAt: row["revoked_at"])
            return StoredKey(key: key, secret: row["secret"] as String)
        }
    }

    /// A key as stored, with the secret that checks its signatures (never logged, never sent).
    struct StoredKey: Sendable {
        var key: APIKey
        var secret: String
    }

    /// The key when it exists, is not revoked and signed the call.
    static func verified(_ found: StoredKey?, _ signature: CallSignature) -> Result<APIKey, AuthenticationFailure> {
        guard let found, found.key.revokedAt == nil,
            RequestSignature.isValid(signed: signature.signed, hash: signature.hash, secret: found.secret)
        else {
            return .failure(AuthenticationFailure(message: "Invalid apiKey or hash"))
        }
        return .success(found.key)
    }

    /// Refuses a `time` more than 5 minutes from the clock (a possible replay). The distance is
    /// computed with checked arithmetic: any 64-bit value is a refusal, never a trap.
    func checkTime(_ signature: CallSignature) throws(AuthenticationFailure) {
        guard let timeText = signature.time, !timeText.isEmpty else { return }
        guard let seconds = Int64(timeText) else {
            throw AuthenticationFailure(message: "time must be Unix seconds, got '\(Values.quoted(timeText))'")
        }
        let now = clock.now().millis / 1000
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= 300 else {
            let away = overflow ? "more than 2^63 seconds" : "\(difference.magnitude) seconds"
            throw AuthenticationFailure(
                message: "time is \(away) away from the server's clock (more than 5 minutes); refused as a possible replay")
        }
    }
}

extension Ledger {
    /// The secret of a named key. Only `serve --demo` uses this, to show the demo key's secret
    /// again; real keys show theirs once, at creation.
    public func apiKeySecret(named name: String) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT secret FROM api_keys WHERE name = ? AND revoked_at IS NULL", arguments: [name])
        }
    }

    /// How many events the log holds.
    public func eventCount() throws -> Int64 {
        try headPosition()
    }
}
