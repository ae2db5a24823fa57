import Crypto
import GRDB
public import PeerLedgerDomain

/// What a key may do over APIv2: `read` calls reads only, `write` reads and writes, `admin`
/// everything. On APIv1 a read key is read-only and the others may write.
public enum APIKeyScope: String, Sendable, CaseIterable, Comparable {
    case read, write, admin

    /// Whether a key of this scope may call an operation needing `needed`.
    public func allows(_ needed: APIKeyScope) -> Bool { needed <= self }

    public static func < (lhs: APIKeyScope, rhs: APIKeyScope) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// A key just created, with the two credentials shown only now: the HMAC `secret` (APIv1) and
/// the bearer `token` (APIv2). The ledger keeps the secret and only a SHA-256 of the token.
public struct IssuedAPIKey: Sendable {
    public var key: APIKey
    public var secret: String
    public var token: String
}

/// An API key as the server knows it. The secret never leaves the `api_keys` table except in the
/// one answer that creates it.
public struct APIKey: Sendable, Equatable {
    public var apiKey: String
    public var name: String
    public var readOnly: Bool
    public var createdAt: String
    public var revokedAt: String?
    /// The scope given at creation; nil for keys made before scopes, whose scope `readOnly` says.
    public var declaredScope: APIKeyScope? = nil

    /// What the key may do: its declared scope, else read for a read-only key and write otherwise.
    public var scope: APIKeyScope { declaredScope ?? (readOnly ? .read : .write) }

    public var json: JSON {
        .object([
            ("apiKey", .string(apiKey)), ("name", .string(name)), ("read_only", .bool(readOnly)),
            ("scope", .string(scope.rawValue)), ("created_at", .string(createdAt)), ("revoked_at", .string(revokedAt)),
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

    /// The live key whose bearer token hashes to `tokenSHA256` (hex), or nil.
    static func bearer(_ db: Database, tokenSHA256: String) throws -> APIKey? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM api_keys WHERE token_sha256 = ? AND revoked_at IS NULL"),
            arguments: [tokenSHA256]
        ).map(key(_:))
    }

    static func key(_ row: Row) -> APIKey {
        APIKey(
            apiKey: row["api_key"], name: row["name"], readOnly: row["read_only"], createdAt: row["created_at"],
            revokedAt: row["revoked_at"], declaredScope: (row["scope"] as String?).flatMap(APIKeyScope.init(rawValue:)))
    }

    /// A key made or revoked on another node, as a ledger that follows a log of record copies
    /// its event in (`Ledger.copyIn`): the row built from the event and the secrets it refers to.
    /// A key made before keys carried their refs is left to the node that made it.
    static func copyIn(_ db: Database, _ event: RecordedEvent) throws {
        switch event.type {
        case APIKeyCreated.type:
            guard case let .apiKeyCreated(created) = try LedgerEvent(event), let secretRef = created.secretRef,
                let tokenRef = created.tokenRef, let secret = try SQLiteLog.secret(db, ref: secretRef),
                let tokenHash = try SQLiteLog.secret(db, ref: tokenRef)
            else { return }
            try db.execute(
                sql: """
                    INSERT INTO api_keys (api_key, name, secret, read_only, created_at, token_sha256, scope)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (api_key) DO NOTHING
                    """,
                arguments: [
                    created.apiKey, created.name, secret, created.readOnly,
                    Timestamp(parsing: event.recordedAt)?.apiText ?? event.recordedAt, tokenHash, created.scope,
                ])
        case APIKeyRevoked.type:
            guard case let .apiKeyRevoked(revoked) = try LedgerEvent(event) else { return }
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE api_key = ? AND revoked_at IS NULL",
                arguments: [Timestamp(parsing: event.recordedAt)?.apiText ?? event.recordedAt, revoked.apiKey])
        default: return
        }
    }

    /// The hex SHA-256 of a bearer token: all the ledger keeps of it.
    static func tokenHash(_ token: String) -> String { SHA256.hash(data: Array(token.utf8)).hexString }
}

extension LedgerReader {
    /// The key row named `apiKey`, with its secret, as this snapshot sees it; nil when there is
    /// none. A key revoked by a commit before the snapshot is seen revoked.
    package func storedKey(_ apiKey: String) throws -> StoredAPIKey? { try APIKeyStore.lookup(db, apiKey) }

    /// The live (unrevoked) key whose bearer token is `token`, as this snapshot sees it, or nil.
    /// The token is compared by its SHA-256, the only form the ledger keeps.
    package func bearerKey(token: String) throws -> APIKey? {
        try APIKeyStore.bearer(db, tokenSHA256: APIKeyStore.tokenHash(token))
    }
}

extension Ledger {
    /// Creates a key: `NN-XXXXXXXXXXXXXXXX` and a 32-hex-digit secret, as ProVision issues them.
    /// The creation is an event (without the secret).
    public func createAPIKey(name: String, readOnly: Bool, metadata: EventMetadata) throws -> (key: APIKey, secret: String) {
        let issued = try createAPIKey(name: name, scope: readOnly ? .read : .write, metadata: metadata)
        return (issued.key, issued.secret)
    }

    /// Creates a key of `scope` (read keys are APIv1's read-only keys) with its HMAC secret and
    /// its bearer token `plt_` + 64 hex digits; the token's SHA-256 is stored, never the token.
    public func createAPIKey(name: String, scope: APIKeyScope, metadata: EventMetadata) throws -> IssuedAPIKey {
        let readOnly = scope == .read
        let name = try Values.text(name, field: "name", maxLength: 100)
        guard !name.isEmpty else { throw Refusal("name must not be empty") }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let suffix = String((0..<16).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        let secret = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }.hexString
        let token = "plt_" + (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }.hexString
        return try writeNow(metadata) { transaction in
            let db = transaction.db
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE name = ?", arguments: [name]) == true {
                throw Refusal("an API key named \(name) already exists")
            }
            let number = try (Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys") ?? 0) + 1
            let key = APIKey(
                apiKey: "\(number)-\(suffix)", name: name, readOnly: readOnly, createdAt: transaction.recordedAt.apiText,
                revokedAt: nil, declaredScope: scope)
            try db.execute(
                sql: """
                    INSERT INTO api_keys (api_key, name, secret, read_only, created_at, token_sha256, scope)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [key.apiKey, name, secret, readOnly, key.createdAt, APIKeyStore.tokenHash(token), scope.rawValue])
            // On a ledger that follows a log of record, the other nodes build the key's row from
            // its event and the two secrets it refers to (`APIKeyStore.copyIn`).
            let following = transaction.record != nil
            try transaction.append(
                .apiKeyCreated(
                    APIKeyCreated(
                        apiKey: key.apiKey, name: name, readOnly: readOnly, scope: scope.rawValue,
                        secretRef: following ? try transaction.storeSecret(secret) : nil,
                        tokenRef: following ? try transaction.storeSecret(APIKeyStore.tokenHash(token)) : nil)),
                to: "apikey-\(key.apiKey)", expecting: .noStream)
            return IssuedAPIKey(key: key, secret: secret, token: token)
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
