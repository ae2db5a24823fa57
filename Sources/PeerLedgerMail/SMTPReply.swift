/// One reply of an SMTP server: a three-digit code and its text lines (several for a multi-line
/// reply such as EHLO's list of extensions).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    /// Each line's text after the code and its separator.
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx: done.
    public var isPositive: Bool { (200..<300).contains(code) }
    /// 3xx: go on (354 after DATA, 334 during AUTH).
    public var isIntermediate: Bool { (300..<400).contains(code) }
    /// 5xx: refused for good.
    public var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// The reply as the server sent it, lines joined by a space: what events and errors carry.
    public var description: String { "\(code) " + lines.joined(separator: " ") }
}

/// Why an SMTP conversation failed. Each case carries what the server said when it said anything;
/// none carries a password (AUTH commands are named, never quoted).
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered `command` with a reply that is not the one needed to go on.
    case rejected(command: String, reply: SMTPReply)
    /// A line from the server that is not an SMTP reply.
    case malformedReply(String)
    /// No (complete) reply within the configured time.
    case timeout(waitingFor: String)
    /// The server closed the connection.
    case connectionClosed
    /// Could not connect, or TLS failed: the underlying error's text.
    case connection(String)
    /// The configuration asks for something the server does not offer (STARTTLS, AUTH).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .rejected(command, reply): return "\(command): \(reply)"
        case let .malformedReply(line): return "malformed reply from the server: '\(line.prefix(200))'"
        case let .timeout(waitingFor): return "timed out waiting for the server's reply to \(waitingFor)"
        case .connectionClosed: return "the server closed the connection"
        case let .connection(text): return text
        case let .unsupported(text): return text
        }
    }

    /// A 5xx refusal or a server lacking what the configuration requires: trying again is useless.
    public var isPermanent: Bool {
        switch self {
        case let .rejected(_, reply): return reply.isPermanentFailure
        case .unsupported: return true
        default: return false
        }
    }
}
