import GRDB
public import PeerLedgerDomain

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

/// A key as stored, with the secret that checks its signatures (never logged, never sent).
package struct StoredAPIKey: Sendable, Equatable {
    package var key: APIKey
    package var secret: String

    package init(key: APIKey, secret: String) {
        self.key = key
        self.secret = secret
    }
}

/// The `api_keys` table: the only code that reads or writes it. Creating or revoking a key
/// appends an event (without the secret) in the transaction that changes the row, so the
/// projections' position moves with every change of a key.
enum APIKeyStore {
    static func all(_ db: Database) throws -> [APIKey] {
        try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, api_key").map(key(_:))
    }

    /// The key row named `apiKey` with its secret, or nil.
    static func lookup(_ db: Database, _ apiKey: String) throws -> StoredAPIKey? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_keys WHERE api_key = ?"), arguments: [apiKey]).map { row in
            StoredAPIKey(key: key(row), secret: row["secret"] as String)
        }
    }

    static func key(_ row: Row) -> APIKey {
        APIKey(
            apiKey: row["api_key"], name: row["name"], readOnly: row["read_only"], createdAt: row["created_at"],
            revokedAt: row["revoked_at"])
    }
}

extension LedgerReader {
    /// The key row named `apiKey`, with its secret, as this snapshot sees it; nil when there is
    /// none. A key revoked by a commit before the snapshot is seen revoked.
    package func storedKey(_ apiKey: String) throws -> StoredAPIKey? { try APIKeyStore.lookup(db, apiKey) }
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
            guard var key = try APIKeyStore.all(transaction.db).first(where: { $0.name == nameOrKey || $0.apiKey == nameOrKey }) else {
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
        try database.read { db in try APIKeyStore.all(db) }
    }

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
