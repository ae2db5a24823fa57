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

    public init(name: String, role: ConsoleRole) {
        self.name = name
        self.role = role
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

    public init(name: String) {
        self.name = name
    }
}
