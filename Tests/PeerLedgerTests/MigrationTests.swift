import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Migrations")
struct MigrationTests {
    let now = Timestamp(parsing: "2026-11-20 09:00:00")!

    @Test("the binary carries every migration file, in order, with its text as in Migrations/")
    func embedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let names = Migration.embedded.map(\.fileName)
        #expect(names.first == "0001_event_log.sql")
        #expect(names == files)
        for migration in Migration.embedded {
            let text = try String(contentsOf: folder.appendingPathComponent(migration.fileName), encoding: .utf8)
            // The embedded literal ends before the file's last newline.
            #expect(migration.sql + "\n" == text, "\(migration.fileName) is embedded with other text")
        }
    }

    @Test("re-opening a ledger applies nothing")
    func reopenAppliesNothing() throws {
        let path = temporaryDatabasePath()
        _ = try Ledger.open(at: path)
        let first = try DatabaseQueue(path: path).read { db in try Row.fetchAll(db, sql: "SELECT * FROM ledger_migrations ORDER BY file_name") }
        _ = try Ledger.open(at: path)
        let second = try DatabaseQueue(path: path).read { db in try Row.fetchAll(db, sql: "SELECT * FROM ledger_migrations ORDER BY file_name") }
        #expect(first == second)
        #expect(first.count == Migration.embedded.count)
    }

    @Test("an applied migration whose file has changed is refused with a message naming it")
    func changedMigrationRefused() throws {
        let queue = try DatabaseQueue()
        let original = [Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x INTEGER);")]
        try queue.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: original, now: now) }
        let edited = [Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x INTEGER, y TEXT);")]
        #expect(throws: LedgerError.migrationChanged(fileName: "0001_a.sql")) {
            try queue.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: edited, now: now) }
        }
        #expect(LedgerError.migrationChanged(fileName: "0001_a.sql").description.contains("Migration 0001_a.sql was applied"))
    }

    @Test("a ledger file SQLite cannot create is refused with SQLite's reason and what to check, and nothing is made")
    func unopenableLedgerRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("ledger.sqlite").path
        #expect(throws: LedgerError.cannotOpen(reason: "unable to open database file")) { try Ledger.open(at: path) }
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        #expect(
            LedgerError.cannotOpen(reason: "unable to open database file").description
                == "Cannot open the ledger file (unable to open database file); check that its directory exists and that this user may write there.")
    }

    @Test("a failing migration leaves nothing behind: each runs in its own transaction")
    func failingMigrationRollsBack() throws {
        let queue = try DatabaseQueue()
        let migrations = [
            Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x INTEGER);"),
            Migration(fileName: "0002_b.sql", sql: "CREATE TABLE b (x INTEGER); CREATE TABLE a (y INTEGER);"),
        ]
        #expect(throws: DatabaseError.self) {
            try queue.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: migrations, now: now) }
        }
        let state = try queue.read { db in
            (try String.fetchAll(db, sql: "SELECT file_name FROM ledger_migrations"), try db.tableExists("b"))
        }
        #expect(state.0 == ["0001_a.sql"])
        #expect(state.1 == false)
    }

    @Test("a database with a migration this build does not carry is refused")
    func unknownMigrationRefused() throws {
        let queue = try DatabaseQueue()
        let newer = [Migration(fileName: "0001_a.sql", sql: "CREATE TABLE a (x INTEGER);"), Migration(fileName: "0099_z.sql", sql: "SELECT 1;")]
        try queue.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: newer, now: now) }
        #expect(throws: LedgerError.unknownMigration(fileName: "0099_z.sql")) {
            try queue.writeWithoutTransaction { db in try Migrator.migrate(db, migrations: Array(newer.prefix(1)), now: now) }
        }
    }

    @Test("the ledger file is in WAL mode with synchronous FULL")
    func pragmas() throws {
        let ledger = try Ledger.open(at: temporaryDatabasePath())
        let (mode, synchronous) = try ledger.readNow { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(synchronous == 2)
    }
}
