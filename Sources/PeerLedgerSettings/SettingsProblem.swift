/// One thing wrong with the settings, in a sentence that names the key, variable or flag and the
/// value it got (never a secret's value, never the value of a key it does not know).
public struct SettingsProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// The problem is a flag's: a usage error (exit status 64) rather than a configuration's.
    public let isFlag: Bool

    public init(_ message: String, isFlag: Bool = false) {
        self.message = message
        self.isFlag = isFlag
    }

    public var description: String { message }
}

/// Everything wrong with the settings at once, so that one edit can fix it all.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file could not be read at all (exit status 66), as opposed to a file
    /// or an environment with wrong values in it (exit status 78).
    public let fileUnreadable: Bool
    public let problems: [SettingsProblem]

    public init(problems: [SettingsProblem], fileUnreadable: Bool = false) {
        self.problems = problems
        self.fileUnreadable = fileUnreadable
    }

    public var description: String { problems.map(\.message).joined(separator: "\n") }

    /// sysexits.h: EX_NOINPUT for a file that is not there, EX_USAGE when only flags are wrong,
    /// EX_CONFIG for a wrong setting in the file or the environment.
    public var exitStatus: Int32 {
        if fileUnreadable { return 66 }
        return problems.allSatisfy(\.isFlag) ? 64 : 78
    }
}
