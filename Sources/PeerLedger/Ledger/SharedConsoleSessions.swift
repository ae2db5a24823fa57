import Crypto
public import PeerLedgerDomain

/// Console logins kept where every node following one log of record sees them (PostgreSQL's
/// `console_sessions`), so a browser logged in through one node is logged in through all of them,
/// a logout or a disabled user ends the login on every node, and the failed logins that lock a
/// name out are counted across the nodes. Without it (a ledger of its own) a server keeps its
/// logins in memory (`ConsoleSessions`).
public protocol SharedConsoleSessions: Sendable {
    func keep(_ session: SharedConsoleSession) async throws
    /// The login whose id hashes to `idHash`, or nil.
    func session(idHash: String) async throws -> SharedConsoleSession?
    func end(idHash: String) async throws
    /// Ends every login of `user`.
    func endAll(user: String) async throws
    /// Ends every login of `user` but `idHash`'s, whose one-time password is no longer pending.
    func passwordChanged(user: String, keepingIDHash idHash: String) async throws
    func recordFailure(user: String, at moment: Timestamp) async throws
    /// How many logins of `user` failed after `moment`.
    func failures(user: String, after moment: Timestamp) async throws -> Int
    /// Forgets the logins started before `moment` and the failures before `failuresBefore`.
    func prune(startedBefore moment: Timestamp, failuresBefore: Timestamp) async throws
}

/// A console login as the nodes share it: the SHA-256 of its id (the id itself, the cookie's
/// value, is kept by no one but the browser), its user and role, the CSRF token its forms carry,
/// whether the one-time password is still to be changed, and when it started.
public struct SharedConsoleSession: Sendable, Equatable {
    public var idHash: String
    public var user: String
    public var role: ConsoleRole
    public var csrfToken: String
    public var mustChangePassword: Bool
    public var started: Timestamp

    /// The hash a login's id is kept under.
    public static func idHash(_ id: String) -> String { SHA256.hash(data: Array(id.utf8)).hexString }

    public init(idHash: String, user: String, role: ConsoleRole, csrfToken: String, mustChangePassword: Bool, started: Timestamp) {
        self.idHash = idHash
        self.user = user
        self.role = role
        self.csrfToken = csrfToken
        self.mustChangePassword = mustChangePassword
        self.started = started
    }
}

extension Ledger {
    /// The logins shared by the nodes of the log of record this ledger follows, if it keeps them.
    package var sharedConsoleSessions: (any SharedConsoleSessions)? { logOfRecord?.consoleSessions }
}
