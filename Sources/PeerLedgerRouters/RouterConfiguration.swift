import PeerLedger
public import PeerLedgerDomain
/// A configuration ready to push to one router: the exact text the router receives, and the
/// same text with every password replaced by `<redacted>` for the log and for answers.
public struct RouterConfiguration: Sendable, Equatable {
    public var platform: RouterPlatform
    public var operation: ConfigurationOperation
    /// The session whose neighbor this is (BIRD keeps one file per session).
    public var sessionID: Int64
    public var text: String
    public var redacted: String
    /// The peer group the neighbor is configured in, as named on the router (the router-safe
    /// form of the session's `peer_group`, or Junos's `peerledger`); nil when the configuration
    /// names none or the caller gave the text.
    public var peerGroup: String?

    public init(
        platform: RouterPlatform, operation: ConfigurationOperation, sessionID: Int64, text: String, secrets: [String] = [],
        peerGroup: String? = nil
    ) {
        self.platform = platform
        self.operation = operation
        self.sessionID = sessionID
        self.text = text
        self.redacted = Redaction.redact(text, secrets: secrets)
        self.peerGroup = peerGroup
    }

    /// The command lines, without blank lines and comments (`!` on FRR/IOS, `#` on BIRD).
    public var commandLines: [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map { String($0).trimmingSpaces }
            .filter { !$0.isEmpty && !$0.hasPrefix("!") && !$0.hasPrefix("#") }
    }

    /// The configuration for `neighbor`'s session on `platform`, every value checked first.
    public static func render(
        _ neighbor: Neighbor, platform: RouterPlatform, operation: ConfigurationOperation
    ) throws(Refusal) -> RouterConfiguration {
        let text: String
        switch (platform, operation) {
        case (.frr, .configure): text = try FRRConfiguration.configure(neighbor)
        case (.frr, .remove): text = try FRRConfiguration.remove(neighbor)
        case (.ciscoIOS, .configure): text = try IOSConfiguration.configure(neighbor)
        case (.ciscoIOS, .remove): text = try IOSConfiguration.remove(neighbor)
        case (.junos, .configure): text = try JunosConfiguration.configure(neighbor)
        case (.junos, .remove): text = try JunosConfiguration.remove(neighbor)
        case (.bird2, .configure): text = try BIRDConfiguration.configure(neighbor)
        case (.bird2, .remove): text = try BIRDConfiguration.remove(neighbor)
        }
        var peerGroup: String?
        if operation == .configure {
            if let value = neighbor.group, !value.isEmpty {
                peerGroup = try ConfigurationValues.routerName(value, field: "peer_group", platform: platform)
            } else if platform == .junos {
                peerGroup = JunosConfiguration.defaultGroup
            }
        }
        return RouterConfiguration(
            platform: platform, operation: operation, sessionID: neighbor.sessionID, text: text,
            secrets: neighbor.password.map { [$0] } ?? [], peerGroup: peerGroup)
    }

    /// A caller's own text (configureSession's `config`), pushed as given, one command a line.
    /// Line breaks separate commands; every other control character, a tab included, would
    /// travel inside a router command and is refused, naming `config`.
    public static func given(
        _ text: String, platform: RouterPlatform, operation: ConfigurationOperation, sessionID: Int64, secrets: [String]
    ) throws(Refusal) -> RouterConfiguration {
        if let bad = text.unicodeScalars.first(where: { Values.isControl($0) && $0 != "\n" && $0 != "\r" }) {
            throw Refusal("config must not contain control characters other than line breaks (found \(Values.describe(bad)))")
        }
        guard text.utf8.count <= 1_000_000 else { throw Refusal("config is longer than 1,000,000 bytes") }
        guard !text.allSatisfy(\.isWhitespace) else { throw Refusal("config is empty") }
        return RouterConfiguration(platform: platform, operation: operation, sessionID: sessionID, text: text, secrets: secrets)
    }
}

/// Keeps passwords out of the log and answers: every value after a `password` or
/// `authentication-key` keyword, and every occurrence of a known secret of six characters or
/// more, becomes `<redacted>`.
enum Redaction {
    static let marker = "<redacted>"

    static func redact(_ text: String, secrets: [String]) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(redactLine(String(line)))
        }
        var out = lines.joined(separator: "\n")
        for secret in secrets where secret.count >= 6 {
            out = out.replacingAll(secret, with: marker)
        }
        return out
    }

    static func redactLine(_ line: String) -> String {
        let tokens = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard let index = tokens.firstIndex(where: { ["password", "authentication-key", "secret"].contains($0.lowercased()) }),
            index + 1 < tokens.count
        else { return line }
        var kept = Array(tokens[...index])
        var rest = Array(tokens[(index + 1)...])
        // IOS: `password 0 SECRET` (the digit is the encryption type, not the secret).
        if rest.count > 1, rest[0].count == 1, rest[0].first.map({ ("0"..."7").contains($0) }) == true {
            kept.append(rest.removeFirst())
        }
        let value = rest.joined(separator: " ")
        let quoted = value.hasPrefix("\"")
        let semicolon = value.hasSuffix(";")
        kept.append((quoted ? "\"\(marker)\"" : marker) + (semicolon ? ";" : ""))
        return kept.joined(separator: " ")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
