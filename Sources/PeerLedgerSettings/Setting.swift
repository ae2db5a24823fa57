/// One setting of `peerledger serve`: its key in the configuration file, the environment variable
/// and the flag that override it, the values it accepts and its default. One name throughout:
/// `smtp_port` in the file is `PEERLEDGER_SMTP_PORT` in the environment and `--smtp-port` on the
/// command line, so an operator who knows one knows all three.
public struct Setting: Sendable {
    public let key: String
    public let kind: Kind
    public let defaultValue: SettingValue?
    /// One line for `config check`, the flag's help and docs/operations.md.
    public let summary: String

    /// What a setting accepts; every value is checked against it wherever it comes from.
    public enum Kind: Sendable {
        /// Text without control characters (a host name, a user name).
        case text
        /// A file or folder.
        case path
        /// A whole number in a range; `unit` follows the number in messages ("seconds").
        case integer(ClosedRange<Int64>, unit: String)
        case boolean
        case choice([String])
        /// A mail address, `Name <user@example.net>` or `user@example.net`.
        case mailbox
        /// The path of a file that holds a secret; `variable` may hold the secret itself instead.
        case secretFile(variable: String)
    }

    public init(_ key: String, _ kind: Kind, default defaultValue: SettingValue? = nil, _ summary: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
    }

    public var environmentVariable: String { "PEERLEDGER_" + key.uppercased() }
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// The key a secret would have if written inline (`smtp_password` for `smtp_password_file`),
    /// which the file refuses by name.
    var inlineSecretKey: String? {
        guard case .secretFile = kind, key.hasSuffix("_file") else { return nil }
        return String(key.dropLast("_file".count))
    }

    /// The values the kind takes, for messages and `config check`.
    var accepted: String {
        switch kind {
        case .text: "text"
        case .path, .secretFile: "a path"
        case let .integer(range, unit): "a whole number from \(range.lowerBound) to \(range.upperBound)\(unit.isEmpty ? "" : " \(unit)")"
        case .boolean: "true or false"
        case let .choice(choices): Self.oneOf(choices)
        case .mailbox: "a mail address such as 'Operations <ops@example.net>'"
        }
    }

    static func oneOf(_ choices: [String]) -> String {
        guard choices.count > 1 else { return choices.first ?? "" }
        return choices.dropLast().joined(separator: ", ") + " or " + choices[choices.count - 1]
    }
}

/// A setting's value once checked.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case text(String)
    case integer(Int64)
    case boolean(Bool)
    /// A secret and where it was read from; its description never shows the secret.
    case secret(Secret, from: SecretOrigin)

    public var description: String {
        switch self {
        case let .text(text): text
        case let .integer(number): String(number)
        case let .boolean(flag): String(flag)
        case let .secret(_, origin): "(secret, \(origin))"
        }
    }
}

/// Where a setting's value came from, lowest precedence first: a flag overrides the
/// environment, which overrides the file, which overrides the default.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    case file(String)
    case environment(String)
    case flag(String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case let .file(path): "file \(path)"
        case let .environment(variable): "environment \(variable)"
        case let .flag(flag): "flag \(flag)"
        }
    }
}
