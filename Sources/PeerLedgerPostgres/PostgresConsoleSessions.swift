import Foundation
import PeerLedger
import PeerLedgerDomain
import PostgresNIO

/// The console logins the nodes following one PostgreSQL log share (`console_sessions`,
/// `console_login_failures`, `Migrations/postgres/0006_console_sessions.sql`), on the store's
/// reader connection: each statement stands alone, outside the log's transactions.
struct PostgresConsoleSessions: SharedConsoleSessions {
    let store: PostgresEventStore

    func keep(_ session: SharedConsoleSession) async throws {
        try await store.change("""
            INSERT INTO console_sessions (id_sha256, user_name, role, csrf_token, must_change_password, started_at)
            VALUES (\(session.idHash), \(session.user), \(session.role.rawValue), \(session.csrfToken), \(session.mustChangePassword),
                    \(session.started.millis))
            """)
    }

    func session(idHash: String) async throws -> SharedConsoleSession? {
        let rows = try await store.read("""
            SELECT user_name, role, csrf_token, must_change_password, started_at FROM console_sessions WHERE id_sha256 = \(idHash)
            """)
        guard let row = rows.first else { return nil }
        let (user, role, csrfToken, mustChange, started) = try row.decode((String, String, String, Bool, Int64).self)
        guard let role = ConsoleRole(rawValue: role) else {
            throw PostgresStoreError(message: "console_sessions holds an unknown role '\(role)' for \(user)")
        }
        return SharedConsoleSession(
            idHash: idHash, user: user, role: role, csrfToken: csrfToken, mustChangePassword: mustChange,
            started: Timestamp(millis: started))
    }

    func end(idHash: String) async throws {
        try await store.change("DELETE FROM console_sessions WHERE id_sha256 = \(idHash)")
    }

    func endAll(user: String) async throws {
        try await store.change("DELETE FROM console_sessions WHERE user_name = \(user)")
    }

    func passwordChanged(user: String, keepingIDHash idHash: String) async throws {
        // One statement, so no node sees the other logins ended and this one still held back.
        try await store.change("""
            WITH ended AS (DELETE FROM console_sessions WHERE user_name = \(user) AND id_sha256 <> \(idHash))
            UPDATE console_sessions SET must_change_password = FALSE WHERE id_sha256 = \(idHash)
            """)
    }

    func recordFailure(user: String, at moment: Timestamp) async throws {
        try await store.change("INSERT INTO console_login_failures (user_name, failed_at) VALUES (\(user), \(moment.millis))")
    }

    func failures(user: String, after moment: Timestamp) async throws -> Int {
        let rows = try await store.read(
            "SELECT count(*) FROM console_login_failures WHERE user_name = \(user) AND failed_at > \(moment.millis)")
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    func prune(startedBefore moment: Timestamp, failuresBefore: Timestamp) async throws {
        try await store.change("""
            WITH ended AS (DELETE FROM console_sessions WHERE started_at < \(moment.millis))
            DELETE FROM console_login_failures WHERE failed_at < \(failuresBefore.millis)
            """)
    }
}
