import Crypto
import GRDB
import PeerLedgerDomain

/// One numbered schema file from `Migrations/`, embedded in the binary at build time.
public struct Migration: Sendable {
    public let fileName: String
    public let sql: String

    public init(fileName: String, sql: String) {
        self.fileName = fileName
        self.sql = sql
    }

    /// SHA-256 of the file's text: an applied migration whose text changed is refused.
    public var checksum: String { SHA256.hash(data: Array(sql.utf8)).hexString }
}

/// Applies migrations in file-name order, each once and inside its own transaction, and refuses a
/// database whose applied migrations no longer match the files this build carries.
package enum Migrator {
    static func migrate(_ db: Database, migrations: [Migration], now: Timestamp) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS ledger_migrations (
                file_name  TEXT PRIMARY KEY,
                sha256     TEXT NOT NULL,
                applied_at TEXT NOT NULL
            ) STRICT
            """)
        for migration in try pending(db, migrations: migrations) {
            try db.inTransaction {
                try db.execute(sql: migration.sql)
                try db.execute(
                    sql: "INSERT INTO ledger_migrations (file_name, sha256, applied_at) VALUES (?, ?, ?)",
                    arguments: [migration.fileName, migration.checksum, now.iso8601])
                return .commit
            }
        }
    }

    /// Checks, without writing, that the database carries exactly this build's migrations: what a
    /// read-only open needs, since it may not apply any.
    static func check(_ db: Database, migrations: [Migration]) throws {
        guard try db.tableExists("ledger_migrations") else {
            throw LedgerError.cannotOpen(reason: "the file has no ledger_migrations table: it is not a PeerLedger ledger")
        }
        if let missing = try pending(db, migrations: migrations).first {
            throw LedgerError.schemaBehind(missing: missing.fileName)
        }
    }

    /// The migrations not applied yet, in file-name order, after refusing a database with a
    /// migration this build does not carry or one whose text has changed since it was applied.
    private static func pending(_ db: Database, migrations: [Migration]) throws -> [Migration] {
        let applied = try Dictionary(
            Row.fetchAll(db, sql: "SELECT file_name, sha256 FROM ledger_migrations").map {
                (row: Row) in (row["file_name"] as String, row["sha256"] as String)
            },
            uniquingKeysWith: { first, _ in first })
        return try pending(applied: applied, migrations: migrations)
    }

    /// The migrations not applied yet, given the applied ones' file names and checksums: the rule
    /// every store's migrator keeps (SQLite's here, PostgreSQL's in `PeerLedgerPostgres`).
    package static func pending(applied: [String: String], migrations: [Migration]) throws -> [Migration] {
        let known = Set(migrations.map(\.fileName))
        if let unknown = applied.keys.sorted().first(where: { !known.contains($0) }) {
            throw LedgerError.unknownMigration(fileName: unknown)
        }
        return try migrations.sorted(by: { $0.fileName < $1.fileName }).filter { migration in
            guard let checksum = applied[migration.fileName] else { return true }
            guard checksum == migration.checksum else { throw LedgerError.migrationChanged(fileName: migration.fileName) }
            return false
        }
    }
}
