/// What a console user may do: a viewer reads, an operator also changes the ledger, an admin also
/// manages users. A closed set, parsed once from `--role` or a stored row.
public enum ConsoleRole: String, Codable, Sendable, CaseIterable, Comparable {
    case viewer, `operator`, admin

    /// Whether a user of this role may do what needs `needed`.
    public func allows(_ needed: ConsoleRole) -> Bool { needed <= self }

    public static func < (lhs: ConsoleRole, rhs: ConsoleRole) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}

/// A console user was created. Neither the password nor its hash is ever in an event.
public struct UserCreated: EventPayload {
    public static let type = "UserCreated"
    public static let schemaVersion = 1
    public var name: String
    public var role: ConsoleRole
    /// The ref of the user's bcrypt hash, kept apart as a secret, when the user was made on a
    /// ledger that follows a log of record (several nodes): every node builds the user's row
    /// from it. Absent otherwise, where the user's row holds the hash.
    public var passwordHashRef: String?

    public enum CodingKeys: String, CodingKey {
        case name, role
        case passwordHashRef = "password_hash_ref"
    }

    public init(name: String, role: ConsoleRole, passwordHashRef: String? = nil) {
        self.name = name
        self.role = role
        self.passwordHashRef = passwordHashRef
    }
}

/// A console user was disabled: they can no longer log in, and their sessions end.
public struct UserDisabled: EventPayload {
    public static let type = "UserDisabled"
    public static let schemaVersion = 1
    public var name: String

    public init(name: String) {
        self.name = name
    }
}

/// A console user's password was changed (by themselves). Only that it changed is recorded.
public struct UserPasswordChanged: EventPayload {
    public static let type = "UserPasswordChanged"
    public static let schemaVersion = 1
    public var name: String
    /// On a ledger that follows a log of record: the ref of the new bcrypt hash and whether it is a
    /// one-time password to change at the next login (absent otherwise, see `UserCreated`).
    public var passwordHashRef: String?
    public var mustChange: Bool?

    public enum CodingKeys: String, CodingKey {
        case name
        case passwordHashRef = "password_hash_ref"
        case mustChange = "must_change"
    }

    public init(name: String, passwordHashRef: String? = nil, mustChange: Bool? = nil) {
        self.name = name
        self.passwordHashRef = passwordHashRef
        self.mustChange = mustChange
    }
}
