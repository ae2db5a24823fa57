import GRDB
public import PeerLedgerDomain

/// A console user as the ledger knows them; never their password or its hash.
public struct ConsoleUser: Sendable, Equatable {
    public var name: String
    public var role: ConsoleRole
    /// True until the user replaces the one-time password they were given.
    public var mustChangePassword: Bool
    public var createdAt: String
    public var disabledAt: String?

    public var isDisabled: Bool { disabledAt != nil }

    public var json: JSON {
        .object([
            ("user", .string(name)), ("role", .string(role.rawValue)), ("must_change_password", .bool(mustChangePassword)),
            ("created_at", .string(createdAt)), ("disabled_at", .string(disabledAt)),
        ])
    }

    /// The stream of a user's events: `user-NAME`.
    public static func stream(_ name: String) -> String { "user-\(name)" }

    /// A user name: 1 to 64 of a-z, 0-9, `.`, `_` and `-`, starting with a letter or digit, so it
    /// reads the same in an actor (`user:NAME`), a stream and a URL.
    public static func checkedName(_ text: String) throws(Refusal) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard !text.isEmpty else { throw Refusal("the user name must not be empty") }
        guard text.count <= 64 else { throw Refusal("the user name is \(text.count) characters long; at most 64 are allowed") }
        guard let first = text.first, first.isLetter || first.isNumber, text.allSatisfy(allowed.contains) else {
            throw Refusal(
                "the user name \(Values.quoted(text)) may hold only a-z, 0-9, '.', '_' and '-', and must start with a letter or digit")
        }
        return text
    }
}

/// A user row with the bcrypt hash that checks their password (never logged, never sent).
package struct StoredConsoleUser: Sendable, Equatable {
    package var user: ConsoleUser
    package var passwordHash: String
}

/// The `console_users` table: the only code that reads or writes it. Each change appends an event
/// (without the hash) in the transaction that changes the row.
enum ConsoleUserStore {
    static func all(_ db: Database) throws -> [StoredConsoleUser] {
        try Row.fetchAll(db, sql: "SELECT * FROM console_users ORDER BY name").compactMap(stored(_:))
    }

    static func lookup(_ db: Database, _ name: String) throws -> StoredConsoleUser? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM console_users WHERE name = ?"), arguments: [name]).flatMap(stored(_:))
    }

    static func stored(_ row: Row) -> StoredConsoleUser? {
        // The table's CHECK keeps roles to the three names; a row that still had another is no user.
        guard let role = ConsoleRole(rawValue: row["role"]) else { return nil }
        let user = ConsoleUser(
            name: row["name"], role: role, mustChangePassword: row["must_change_password"], createdAt: row["created_at"],
            disabledAt: row["disabled_at"])
        return StoredConsoleUser(user: user, passwordHash: row["password_hash"])
    }
}

extension ConsoleUserStore {
    /// A user made or changed on another node, as a ledger that follows a log of record copies
    /// the event in (`Ledger.copyIn`): the row built or changed from the event and the hash it
    /// refers to. Users made before their events carried the ref are left to the node that made them.
    static func copyIn(_ db: Database, _ event: RecordedEvent) throws {
        // Computed only for the events that use it: a node's copy passes every event through here.
        var at: String { Timestamp(parsing: event.recordedAt)?.apiText ?? event.recordedAt }
        switch event.type {
        case UserCreated.type:
            guard case let .userCreated(created) = try LedgerEvent(event), let ref = created.passwordHashRef,
                let hash = try SQLiteLog.secret(db, ref: ref)
            else { return }
            try db.execute(
                sql: """
                    INSERT INTO console_users (name, role, password_hash, must_change_password, created_at)
                    VALUES (?, ?, ?, 1, ?) ON CONFLICT (name) DO NOTHING
                    """,
                arguments: [created.name, created.role.rawValue, hash, at])
        case UserPasswordChanged.type:
            guard case let .userPasswordChanged(changed) = try LedgerEvent(event), let ref = changed.passwordHashRef,
                let hash = try SQLiteLog.secret(db, ref: ref)
            else { return }
            try db.execute(
                sql: "UPDATE console_users SET password_hash = ?, must_change_password = ? WHERE name = ?",
                arguments: [hash, changed.mustChange ?? false, changed.name])
        case UserDisabled.type:
            guard case let .userDisabled(disabled) = try LedgerEvent(event) else { return }
            try db.execute(
                sql: "UPDATE console_users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", arguments: [at, disabled.name])
        default: return
        }
    }
}

extension LedgerReader {
    /// The user named `name` with their password hash, as this snapshot sees them, or nil.
    package func storedConsoleUser(_ name: String) throws -> StoredConsoleUser? { try ConsoleUserStore.lookup(db, name) }
}

extension LedgerTransaction {
    /// Replaces a user's password hash (the user chose a new password, or an admin set a one-time
    /// one when `mustChange`), appending `UserPasswordChanged` without the hash.
    package func setConsoleUserPassword(_ name: String, passwordHash: String, mustChange: Bool) throws {
        guard let stored = try ConsoleUserStore.lookup(db, name) else { throw Refusal("no console user named \(Values.quoted(name))") }
        guard !stored.user.isDisabled else { throw Refusal("console user \(name) is disabled") }
        try db.execute(
            sql: "UPDATE console_users SET password_hash = ?, must_change_password = ? WHERE name = ?",
            arguments: [passwordHash, mustChange, name])
        let stream = ConsoleUser.stream(name)
        // On a ledger that follows a log of record, the other nodes take the new hash from the
        // event's ref (`ConsoleUserStore.copyIn`).
        let changed = record == nil
            ? UserPasswordChanged(name: name)
            : UserPasswordChanged(name: name, passwordHashRef: try storeSecret(passwordHash), mustChange: mustChange)
        try append(.userPasswordChanged(changed), to: stream, expecting: .exactly(try version(of: stream) ?? 0))
    }
}

extension Ledger {
    /// Creates a user of `role` whose password hashes to `passwordHash` (a one-time password: the
    /// user must change it at first login). The creation is an event (without the hash).
    public func createConsoleUser(name: String, role: ConsoleRole, passwordHash: String, metadata: EventMetadata) throws -> ConsoleUser {
        let name = try ConsoleUser.checkedName(name)
        return try writeNow(metadata) { transaction in
            let db = transaction.db
            if try ConsoleUserStore.lookup(db, name) != nil { throw Refusal("a console user named \(name) already exists") }
            let user = ConsoleUser(
                name: name, role: role, mustChangePassword: true, createdAt: transaction.recordedAt.apiText, disabledAt: nil)
            try db.execute(
                sql: """
                    INSERT INTO console_users (name, role, password_hash, must_change_password, created_at)
                    VALUES (?, ?, ?, 1, ?)
                    """,
                arguments: [name, role.rawValue, passwordHash, user.createdAt])
            let hashRef = transaction.record == nil ? nil : try transaction.storeSecret(passwordHash)
            try transaction.append(
                .userCreated(UserCreated(name: name, role: role, passwordHashRef: hashRef)), to: ConsoleUser.stream(name),
                expecting: .noStream)
            return user
        }
    }

    /// Disables a user: they can log in no more. The change is an event.
    public func disableConsoleUser(_ name: String, metadata: EventMetadata) throws -> ConsoleUser {
        try writeNow(metadata) { transaction in
            guard var user = try ConsoleUserStore.lookup(transaction.db, name)?.user else {
                throw Refusal("no console user named \(Values.quoted(name))")
            }
            guard !user.isDisabled else { throw Refusal("console user \(name) is already disabled") }
            user.disabledAt = transaction.recordedAt.apiText
            try transaction.db.execute(
                sql: "UPDATE console_users SET disabled_at = ? WHERE name = ?", arguments: [user.disabledAt, name])
            let stream = ConsoleUser.stream(name)
            try transaction.append(
                .userDisabled(UserDisabled(name: name)), to: stream, expecting: .exactly(try transaction.version(of: stream) ?? 0))
            return user
        }
    }

    /// Sets a one-time password (its hash) for an existing user, who must change it at next login.
    public func resetConsoleUserPassword(_ name: String, passwordHash: String, metadata: EventMetadata) throws {
        try writeNow(metadata) { transaction in try transaction.setConsoleUserPassword(name, passwordHash: passwordHash, mustChange: true) }
    }

    /// Every console user, by name (never a password hash).
    public func consoleUsers() throws -> [ConsoleUser] {
        try database.read { db in try ConsoleUserStore.all(db).map(\.user) }
    }
}
