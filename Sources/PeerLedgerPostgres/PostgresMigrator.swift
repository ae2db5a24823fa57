import Logging
import PeerLedger
import PeerLedgerDomain
import PostgresNIO

/// Applies `Migrations/postgres/` as SQLite's migrator applies `Migrations/`: in file-name order,
/// each once, recorded in `ledger_migrations` with its SHA-256, and a database whose applied
/// migrations no longer match this build's files is refused (`Migrator.pending` is the rule both
/// keep). All of it runs in one transaction under an advisory lock, so stores opening the same
/// database at once apply each migration once.
enum PostgresMigrator {
    /// The advisory lock key migrations hold while they run (any fixed number; this one spells
    /// "PLMG").
    static let lockKey: Int64 = 0x504C_4D47

    static func migrate(_ connection: PostgresConnection, migrations: [Migration], now: Timestamp, logger: Logger) async throws {
        do {
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                // Created only where it is missing: the server's role, which may not create tables
                // (docs/postgres.md, `PostgresEventStore.serverRoleGrants`), only reads it.
                var exists = false
                for try await found in try await connection.query(
                    "SELECT to_regclass('ledger_migrations') IS NOT NULL", logger: logger
                ).decode(Bool.self) { exists = found }
                if !exists {
                    try await connection.query(
                        """
                        CREATE TABLE ledger_migrations (
                            file_name  TEXT PRIMARY KEY,
                            sha256     TEXT NOT NULL,
                            applied_at TEXT NOT NULL
                        )
                        """, logger: logger)
                }
                var applied: [String: String] = [:]
                let rows = try await connection.query("SELECT file_name, sha256 FROM ledger_migrations", logger: logger)
                for try await (fileName, checksum) in rows.decode((String, String).self) { applied[fileName] = checksum }
                for migration in try Migrator.pending(applied: applied, migrations: migrations) {
                    try await connection.query(script(migration.sql), logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO ledger_migrations (file_name, sha256, applied_at)
                        VALUES (\(migration.fileName), \(migration.checksum), \(now.iso8601))
                        """, logger: logger)
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        } catch {
            throw PostgresStoreError.readable(error)
        }
    }

    /// `sql`, several statements, as one statement: postgres-nio sends every query as a prepared
    /// statement, which holds one command, so the text runs through PL/pgSQL's EXECUTE.
    static func script(_ sql: String) -> PostgresQuery {
        var tag = "peerledger_sql"
        while sql.contains("$\(tag)$") { tag += "_" }
        return "DO $peerledger_script$ BEGIN EXECUTE $\(unescaped: tag)$\(unescaped: sql)$\(unescaped: tag)$; END $peerledger_script$"
    }
}
