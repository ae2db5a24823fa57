import Foundation
import Logging
import PeerLedger
import PeerLedgerDomain

/// A logged-in browser: who it is, and the CSRF token every form it posts must carry. Kept in
/// memory (a restart logs everyone out), or, on a node following a log of record, where every
/// node sees it (`SharedConsoleSessions`, under the SHA-256 of its id); the session id is never
/// logged or recorded.
struct ConsoleSession: Sendable {
    let id: String
    var user: String
    var role: ConsoleRole
    let csrfToken: String
    var mustChangePassword: Bool
    let started: Timestamp
}

/// The console's logged-in sessions and the failed logins that lock a user out: in this process,
/// or shared by the nodes (`shared`), when the ledger follows a log of record that keeps them.
/// A shared store that cannot be reached counts as no login (the page asks to log in again, and
/// the login is refused, the reason in the server log): never a login granted on a guess.
actor ConsoleSessions {
    /// A session ends this long after login.
    static let lifetimeSeconds: Int64 = 12 * 3600
    /// This many failed logins within `lockoutWindowSeconds` lock the name out for that window.
    static let lockoutFailures = 5
    static let lockoutWindowSeconds: Int64 = 15 * 60
    /// Past this many sessions (or names with failures), the stale ones are dropped.
    static let pruneAbove = 10_000

    private var sessions: [String: ConsoleSession] = [:]
    private var failures: [String: [Timestamp]] = [:]
    private var unknownHash: String?
    /// Where the nodes share their logins, looked up at each call (a ledger follows its log of
    /// record from the start of `serve`); nil: in memory here.
    private let shared: @Sendable () -> (any SharedConsoleSessions)?
    private let logger: Logger

    init(shared: @escaping @Sendable () -> (any SharedConsoleSessions)? = { nil }, logger: Logger = Logger(label: "peerledger.console")) {
        self.shared = shared
        self.logger = logger
    }

    /// Runs `work` on the shared store; a failure is logged and gives nil.
    private func onShared<T: Sendable>(_ what: String, _ store: any SharedConsoleSessions, _ work: (any SharedConsoleSessions) async throws -> T) async -> T? {
        do {
            return try await work(store)
        } catch {
            logger.warning("console logins shared by the nodes: \(what) failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// A hash of no one's password, checked for unknown names so that every refusal takes as
    /// long; made (off the pool, by the caller) at the first such login, not at start.
    var unknownUserHash: String? { unknownHash }

    func keepUnknownUserHash(_ hash: String) {
        if unknownHash == nil { unknownHash = hash }
    }

    /// A new session for `user`, with fresh random id and CSRF token; nil when the nodes' shared
    /// store could not keep it (the reason is in the server log).
    func start(user: String, role: ConsoleRole, mustChangePassword: Bool, now: Timestamp) async -> ConsoleSession? {
        let session = ConsoleSession(
            id: Self.randomToken(), user: user, role: role, csrfToken: Self.randomToken(), mustChangePassword: mustChangePassword,
            started: now)
        if let store = shared() {
            let kept = SharedConsoleSession(
                idHash: SharedConsoleSession.idHash(session.id), user: user, role: role, csrfToken: session.csrfToken,
                mustChangePassword: mustChangePassword, started: now)
            guard await onShared("keeping a login", store, { try await $0.keep(kept) }) != nil else { return nil }
            _ = await onShared("pruning", store) {
                try await $0.prune(
                    startedBefore: now.advanced(bySeconds: -Self.lifetimeSeconds), failuresBefore: now.advanced(bySeconds: -Self.lockoutWindowSeconds))
            }
            return session
        }
        if sessions.count >= Self.pruneAbove {
            sessions = sessions.filter { now < $0.value.started.advanced(bySeconds: Self.lifetimeSeconds) }
        }
        sessions[session.id] = session
        failures[user] = nil
        return session
    }

    /// The live session with this id, or nil (unknown, or older than its lifetime).
    func session(_ id: String, now: Timestamp) async -> ConsoleSession? {
        if let store = shared() {
            let idHash = SharedConsoleSession.idHash(id)
            guard let found = await onShared("reading a login", store, { try await $0.session(idHash: idHash) }) ?? nil else { return nil }
            guard now < found.started.advanced(bySeconds: Self.lifetimeSeconds) else {
                _ = await onShared("ending a login", store) { try await $0.end(idHash: idHash) }
                return nil
            }
            return ConsoleSession(
                id: id, user: found.user, role: found.role, csrfToken: found.csrfToken, mustChangePassword: found.mustChangePassword,
                started: found.started)
        }
        guard let session = sessions[id] else { return nil }
        guard now < session.started.advanced(bySeconds: Self.lifetimeSeconds) else {
            sessions[id] = nil
            return nil
        }
        return session
    }

    func end(_ id: String) async {
        if let store = shared() {
            let idHash = SharedConsoleSession.idHash(id)
            _ = await onShared("ending a login", store) { try await $0.end(idHash: idHash) }
        }
        sessions[id] = nil
    }

    /// Ends every login of `user` (disabled).
    func endAll(user: String) async {
        if let store = shared() { _ = await onShared("ending a user's logins", store) { try await $0.endAll(user: user) } }
        sessions = sessions.filter { $0.value.user != user }
    }

    /// Ends every session of `user` (disabled), or marks them changed (a new password).
    func passwordChanged(user: String, keeping id: String) async {
        if let store = shared() {
            let idHash = SharedConsoleSession.idHash(id)
            _ = await onShared("a changed password", store) { try await $0.passwordChanged(user: user, keepingIDHash: idHash) }
        }
        for (other, session) in sessions where session.user == user {
            if other == id { sessions[other]?.mustChangePassword = false } else { sessions[other] = nil }
        }
    }

    /// Whether `user` is locked out now: `lockoutFailures` failures within the window.
    func isLockedOut(_ user: String, now: Timestamp) async -> Bool {
        if let store = shared() {
            let since = now.advanced(bySeconds: -Self.lockoutWindowSeconds)
            // Unknown (the store unreachable, logged): the login goes on, and cannot be kept either.
            let count = await onShared("counting failed logins", store) { try await $0.failures(user: user, after: since) }
            return (count ?? 0) >= Self.lockoutFailures
        }
        return recent(user, now: now).count >= Self.lockoutFailures
    }

    func recordFailure(_ user: String, now: Timestamp) async {
        if let store = shared() {
            _ = await onShared("recording a failed login", store) { try await $0.recordFailure(user: user, at: now) }
            return
        }
        if failures.count >= Self.pruneAbove {
            // Names tried long ago are forgotten, so guessing names cannot grow this without end.
            failures = failures.filter { !recent($0.key, now: now).isEmpty }
        }
        failures[user] = recent(user, now: now) + [now]
    }

    private func recent(_ user: String, now: Timestamp) -> [Timestamp] {
        let since = now.advanced(bySeconds: -Self.lockoutWindowSeconds)
        return (failures[user] ?? []).filter { $0 > since }
    }

    /// 32 random bytes as hex, from the system's generator.
    static func randomToken() -> String {
        var random = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }.hexString
    }
}
