import Foundation
import Logging
import PeerLedger
import PeerLedgerDomain

/// A logged-in browser: who it is, and the CSRF token every form it posts must carry. Kept in
/// memory only (a restart logs everyone out); the session id is never logged or recorded.
struct ConsoleSession: Sendable {
    let id: String
    var user: String
    var role: ConsoleRole
    let csrfToken: String
    var mustChangePassword: Bool
    let started: Timestamp
}

/// The console's logged-in sessions and the failed logins that lock a user out.
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
    /// A hash of no one's password, checked for unknown names so that every refusal takes as
    /// long; made (off the pool, by the caller) at the first such login, not at start.
    var unknownUserHash: String? { unknownHash }

    func keepUnknownUserHash(_ hash: String) {
        if unknownHash == nil { unknownHash = hash }
    }

    /// A new session for `user`, with fresh random id and CSRF token.
    func start(user: String, role: ConsoleRole, mustChangePassword: Bool, now: Timestamp) -> ConsoleSession {
        let session = ConsoleSession(
            id: Self.randomToken(), user: user, role: role, csrfToken: Self.randomToken(), mustChangePassword: mustChangePassword,
            started: now)
        if sessions.count >= Self.pruneAbove {
            sessions = sessions.filter { now < $0.value.started.advanced(bySeconds: Self.lifetimeSeconds) }
        }
        sessions[session.id] = session
        failures[user] = nil
        return session
    }

    /// The live session with this id, or nil (unknown, or older than its lifetime).
    func session(_ id: String, now: Timestamp) -> ConsoleSession? {
        guard let session = sessions[id] else { return nil }
        guard now < session.started.advanced(bySeconds: Self.lifetimeSeconds) else {
            sessions[id] = nil
            return nil
        }
        return session
    }

    func end(_ id: String) { sessions[id] = nil }

    /// Ends every login of `user` (disabled).
    func endAll(user: String) { sessions = sessions.filter { $0.value.user != user } }

    /// Ends every session of `user` (disabled), or marks them changed (a new password).
    func passwordChanged(user: String, keeping id: String) {
        for (other, session) in sessions where session.user == user {
            if other == id { sessions[other]?.mustChangePassword = false } else { sessions[other] = nil }
        }
    }

    /// Whether `user` is locked out now: `lockoutFailures` failures within the window.
    func isLockedOut(_ user: String, now: Timestamp) -> Bool {
        recent(user, now: now).count >= Self.lockoutFailures
    }

    func recordFailure(_ user: String, now: Timestamp) {
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
