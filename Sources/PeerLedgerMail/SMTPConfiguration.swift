public import NIOCore

/// Where and how to reach the mail server. The password is held here only, for the AUTH
/// exchange: it is never logged, never put in an error and never written to the ledger.
public struct SMTPConfiguration: Sendable, CustomStringConvertible {
    /// How the connection is protected.
    public enum Security: String, Sendable, CaseIterable {
        /// Plain TCP (a local relay, a test server).
        case none
        /// Plain TCP, then `STARTTLS` before anything else; refused if the server does not offer it.
        case starttls
        /// TLS from the first byte (submissions, port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name we give in EHLO/HELO.
    public var heloName: String
    /// How long to wait for the connection and for each reply.
    public var timeout: TimeAmount
    /// A PEM file of certificate authorities to trust instead of the system's (a private relay).
    public var trustRootsFile: String?
    /// Sends AUTH over an unprotected connection. Off unless asked: the password would cross the
    /// network in clear.
    public var allowPlaintextAuth: Bool

    public init(
        host: String, port: Int = 25, security: Security = .none, username: String? = nil, password: String? = nil,
        heloName: String = "localhost", timeout: TimeAmount = .seconds(30), trustRootsFile: String? = nil,
        allowPlaintextAuth: Bool = false
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.timeout = timeout
        self.trustRootsFile = trustRootsFile
        self.allowPlaintextAuth = allowPlaintextAuth
    }

    /// For logs: everything but the password.
    public var description: String {
        "smtp://\(username.map { "\($0)@" } ?? "")\(host):\(port) (\(security.rawValue))"
    }
}
