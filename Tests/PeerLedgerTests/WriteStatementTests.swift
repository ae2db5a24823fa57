import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// `WriteStatement` binds values straight onto SQLite, bypassing GRDB's arguments: what it
/// stores must be exactly what GRDB stores, a failure must read as GRDB's would and undo the
/// statement, and its statements, kept per connection, must never cross from one to another.
@Suite struct WriteStatementTests {
    /// A STRICT table whose `value` column is ANY: it keeps each value with the type it was bound as.
    static func kindsTable(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE kinds (id INTEGER PRIMARY KEY, value ANY, via TEXT NOT NULL) STRICT")
    }

    static let insertKind = WriteStatement("INSERT INTO kinds (id, value, via) VALUES (?, ?, 'direct')")

    static let values: [DatabaseValue] = [
        Int64.max.databaseValue, Int64.min.databaseValue, 0.databaseValue, (-1).databaseValue,
        "".databaseValue, "plain".databaseValue, "Zürich — 東京 🚀 ﬁ".databaseValue, "it's \"quoted\"\n\ttabbed".databaseValue,
        String(repeating: "long text ", count: 500).databaseValue,
        // Text ends at an embedded NUL, with GRDB as here (both bind a C string).
        "nul\u{0}inside".databaseValue,
        1.5.databaseValue, (-0.25).databaseValue, Double.pi.databaseValue, 1e300.databaseValue,
        .null,
    ]

    /// Each row as (id, SQLite's type name, value), in id order.
    static func rows(_ db: Database, via: String) throws -> [[DatabaseValue]] {
        try Row.fetchAll(db, sql: "SELECT id % 1000, typeof(value), value FROM kinds WHERE via = ? ORDER BY id", arguments: [via])
            .map { Array($0.databaseValues) }
    }

    @Test func anIntegerReadAnswersTheValueNilForNoRowOrNullAndLeavesNoReadOpen() throws {
        let read = WriteStatement("SELECT value FROM kinds WHERE id = ?")
        let queue = try DatabaseQueue()
        try queue.write { db in
            try Self.kindsTable(db)
            try Self.insertKind.execute(db, 1, 41)
            try Self.insertKind.execute(db, 2, Int64?.none)
            #expect(try read.int64(db, 1) == 41)
            #expect(try read.int64(db, 2) == nil)
            #expect(try read.int64(db, 3) == nil)
            // The statement was reset: a write to the table it read, then the commit, go through.
            try db.execute(sql: "DROP TABLE kinds")
        }
        // Outside a transaction it reads through GRDB, with the same answers.
        try queue.writeWithoutTransaction { db in
            try Self.kindsTable(db)
            try db.execute(sql: "INSERT INTO kinds (id, value, via) VALUES (1, 7, 'grdb')")
            #expect(try read.int64(db, 1) == 7)
            #expect(try read.int64(db, 9) == nil)
        }
        #expect(throws: DatabaseError.self) { try queue.write { db in _ = try read.int64(db, 1, 2) } }
    }

    @Test func aRowReadGivesEveryColumnAsGRDBReadsItInOrOutsideATransaction() throws {
        let read = WriteStatement("SELECT id, value, typeof(value) FROM kinds WHERE id = ?")
        let blob = Data([0, 1, 0xFF, 0x7F])
        let queue = try DatabaseQueue()
        try queue.write { db in
            try Self.kindsTable(db)
            for (offset, value) in Self.values.enumerated() { try Self.insertKind.execute(db, Int64(offset), value) }
            try db.execute(sql: "INSERT INTO kinds (id, value, via) VALUES (?, ?, 'grdb')", arguments: [500, blob])
            try db.execute(sql: "INSERT INTO kinds (id, value, via) VALUES (501, x'', 'grdb')")
        }
        /// Each id's columns as `firstRow` reads them, and as GRDB's `Row` holds them.
        func compare(_ db: Database) throws {
            for id in Array(0..<Int64(Self.values.count)) + [500, 501] {
                let direct = try read.firstRow(db, id) { columns in (0..<3).map { columns.value($0) } }
                let grdb = try Row.fetchOne(db, sql: read.sql, arguments: [id]).map { Array($0.databaseValues) }
                #expect(direct == grdb, "id \(id)")
            }
            #expect(try read.firstRow(db, 500) { $0.value(1) } == blob.databaseValue)
            #expect(try read.firstRow(db, 6) { $0.text(1) } == "Zürich — 東京 🚀 ﬁ")
            #expect(try read.firstRow(db, 6) { $0.int64(1) } == .some(nil))
            #expect(try read.firstRow(db, 0) { $0.int64(1) } == Int64.max)
            #expect(try read.firstRow(db, 14) { $0.text(1) } == .some(nil))
            // No row: nil, and `read` is not called.
            #expect(try read.firstRow(db, 999) { _ in Issue.record("read called without a row") } == nil)
        }
        try queue.write { db in try compare(db) }
        // A wrong number of values is refused, as GRDB refuses it.
        #expect(throws: DatabaseError.self) { try queue.write { db in _ = try read.firstRow(db, 1, 2) { $0.value(0) } } }
        try queue.writeWithoutTransaction { db in
            #expect(!db.isInsideTransaction)
            try compare(db)
        }
        // The direct read was reset: the table it read can be dropped in the same transaction.
        try queue.write { db in
            _ = try read.firstRow(db, 1) { $0.value(0) }
            try db.execute(sql: "DROP TABLE kinds")
        }
    }

    @Test func valuesOfEveryKindComeBackAsGRDBWouldHaveStoredThem() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try Self.kindsTable(db)
            for (offset, value) in Self.values.enumerated() {
                let id = Int64(offset)
                // GRDB's own path, for comparison.
                try db.execute(sql: "INSERT INTO kinds (id, value, via) VALUES (?, ?, 'grdb')", arguments: [1000 + id, value])
                switch value.storage {
                case let .int64(number): try Self.insertKind.execute(db, id, number)
                case let .double(number): try Self.insertKind.execute(db, id, number)
                case let .string(text): try Self.insertKind.execute(db, id, text)
                case .null: try Self.insertKind.execute(db, id, Int64?.none)
                case .blob: Issue.record("no blob in the list")
                }
                // The same value as a DatabaseValue, and as an optional, at other ids.
                try Self.insertKind.execute(db, 100 + id, value)
                try Self.insertKind.execute(db, 200 + id, Optional(value))
            }
            try Self.insertKind.execute(db, 300, 42)  // Int
            try Self.insertKind.execute(db, 301, String?.none)
            try Self.insertKind.execute(db, 302, Optional("Ørsted"))
        }
        try queue.read { db in
            let grdb = try Self.rows(db, via: "grdb")
            let direct = try Self.rows(db, via: "direct")
            #expect(grdb.count == Self.values.count)
            #expect(Array(direct[0..<Self.values.count]) == grdb)
            #expect(Array(direct[Self.values.count..<2 * Self.values.count]).map { Array($0.dropFirst()) } == grdb.map { Array($0.dropFirst()) })
            #expect(Array(direct[(2 * Self.values.count)...].prefix(Self.values.count)).map { Array($0.dropFirst()) } == grdb.map { Array($0.dropFirst()) })
            // Spot checks on what SQLite holds, byte for byte.
            #expect(try String.fetchOne(db, sql: "SELECT typeof(value) || ':' || value FROM kinds WHERE id = 6") == "text:Zürich — 東京 🚀 ﬁ")
            #expect(try Int.fetchOne(db, sql: "SELECT length(CAST(value AS BLOB)) FROM kinds WHERE id = 4") == 0)
            #expect(try String.fetchOne(db, sql: "SELECT typeof(value) FROM kinds WHERE id = 4") == "text")
            #expect(try Int64.fetchOne(db, sql: "SELECT value FROM kinds WHERE id = 0") == Int64.max)
            #expect(try Double.fetchOne(db, sql: "SELECT value FROM kinds WHERE id = 12") == Double.pi)
            #expect(try String.fetchOne(db, sql: "SELECT value FROM kinds WHERE id = 9") == "nul")
            #expect(try String.fetchOne(db, sql: "SELECT typeof(value) FROM kinds WHERE id = 14") == "null")
            let extra = try Row.fetchAll(db, sql: "SELECT typeof(value), value FROM kinds WHERE id BETWEEN 300 AND 399 ORDER BY id")
            #expect(extra.map { Array($0.databaseValues) } == [
                ["integer".databaseValue, 42.databaseValue], ["null".databaseValue, .null], ["text".databaseValue, "Ørsted".databaseValue],
            ])
        }
    }

    @Test func outsideATransactionItTakesGRDBsPathWithTheSameResults() throws {
        let queue = try DatabaseQueue()
        try queue.writeWithoutTransaction { db in
            try Self.kindsTable(db)
            #expect(!db.isInsideTransaction)
            try Self.insertKind.execute(db, Int64(1), "Zürich")
            try Self.insertKind.execute(db, Int64(2), Int64?.none)
            #expect(!db.isInsideTransaction)
            // GRDB ran it, so GRDB's statement remembers the arguments...
            #expect(try db.cachedStatement(sql: Self.insertKind.sql).arguments == [2, nil])
            // ...which the direct path, inside a transaction, leaves as they were.
            try db.inTransaction {
                try Self.insertKind.execute(db, Int64(3), 3.5)
                return .commit
            }
            #expect(try db.cachedStatement(sql: Self.insertKind.sql).arguments == [2, nil])
        }
        let rows = try queue.read { db in try Self.rows(db, via: "direct") }
        let expected: [[DatabaseValue]] = [
            [1.databaseValue, "text".databaseValue, "Zürich".databaseValue], [2.databaseValue, "null".databaseValue, .null],
            [3.databaseValue, "real".databaseValue, 3.5.databaseValue],
        ]
        #expect(rows == expected)
    }

    static let insertPairs = WriteStatement("INSERT INTO pairs (id, name) VALUES (?, ?), (?, ?)")

    @Test func aConstraintViolationIsADatabaseErrorNamingItAndUndoesTheWholeStatement() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE pairs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT")
            try Self.insertPairs.execute(db, Int64(1), "a", Int64(2), "b")
            // The first row of this statement is fine, the second repeats a name.
            let error = try #require(throws: DatabaseError.self) {
                try Self.insertPairs.execute(db, Int64(3), "c", Int64(4), "a")
            }
            #expect(error.resultCode == .SQLITE_CONSTRAINT)
            #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
            #expect(error.message == "UNIQUE constraint failed: pairs.name")
            #expect(error.sql == Self.insertPairs.sql)
            #expect(try Int.fetchAll(db, sql: "SELECT id FROM pairs ORDER BY id") == [1, 2])
            // The statement stays usable, and the transaction with it.
            try Self.insertPairs.execute(db, Int64(3), "c", Int64(4), "d")
            #expect(try Int.fetchAll(db, sql: "SELECT id FROM pairs ORDER BY id") == [1, 2, 3, 4])
            // NOT NULL, and a wrong number of values, read as clearly.
            let null = try #require(throws: DatabaseError.self) { try Self.insertPairs.execute(db, Int64(5), "e", Int64(6), String?.none) }
            #expect(null.extendedResultCode == .SQLITE_CONSTRAINT_NOTNULL && null.message == "NOT NULL constraint failed: pairs.name")
            let count = try #require(throws: DatabaseError.self) { try Self.insertPairs.execute(db, Int64(5), "e") }
            #expect(count.resultCode == .SQLITE_MISUSE && count.message == "wrong number of statement arguments: 2, expected 4")
        }
        // A failure that ends the transaction leaves nothing of it.
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try Self.insertPairs.execute(db, Int64(10), "x", Int64(11), "y")
                try Self.insertPairs.execute(db, Int64(12), "z", Int64(13), "x")
            }
        }
        #expect(try queue.read { db in try Int.fetchAll(db, sql: "SELECT id FROM pairs ORDER BY id") } == [1, 2, 3, 4])
    }

    @Test func aLedgerWhoseProjectionFailsAppendsNothing() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let session = try #require(try t.ledger.readNow { db in try Int64.fetchOne(db, sql: "SELECT id FROM sessions") })
        let before = try t.eventCount()
        // Sabotage a projection table: the next session event's line can no longer be written.
        try executeRaw(t.ledger, "CREATE TRIGGER refuse BEFORE INSERT ON peer_log BEGIN SELECT RAISE(ABORT, 'peer_log refused'); END")
        let error = #expect(throws: DatabaseError.self) {
            _ = try t.ledger.writeNow(EventMetadata(actor: "test")) { tx in
                try tx.append(.sessionDeleted(.init(sessionID: session)), to: "session-\(session)", expecting: .any)
            }
        }
        #expect(error?.message == "peer_log refused")
        #expect(error?.sql == PeerLogProjection.line.sql)
        #expect(try t.eventCount() == before)
        #expect(try t.ledger.readNow { db in try Int.fetchOne(db, sql: "SELECT deleted FROM sessions") } == 0)
    }

    static let insertMark = WriteStatement("INSERT INTO marks (n) VALUES (?)")

    @Test func oneStatementUsedOnTwoConnectionsKeepsThemApart() throws {
        let first = try DatabaseQueue()
        let second = try DatabaseQueue()
        for queue in [first, second] { try queue.write { db in try db.execute(sql: "CREATE TABLE marks (n INTEGER NOT NULL)") } }
        for n in 1...6 {
            try (n.isMultiple(of: 2) ? second : first).write { db in try Self.insertMark.execute(db, n) }
        }
        #expect(try first.read { db in try Int.fetchAll(db, sql: "SELECT n FROM marks ORDER BY n") } == [1, 3, 5])
        #expect(try second.read { db in try Int.fetchAll(db, sql: "SELECT n FROM marks ORDER BY n") } == [2, 4, 6])
        // A connection that used it still closes (its statements were GRDB's, finalized by GRDB).
        try first.close()
        try second.write { db in try Self.insertMark.execute(db, 8) }
        // A schema change drops GRDB's statements; the next use prepares it again, on the new table.
        try second.write { db in
            try db.execute(sql: "DROP TABLE marks; CREATE TABLE marks (n INTEGER NOT NULL, note TEXT DEFAULT 'new')")
            try Self.insertMark.execute(db, 10)
        }
        #expect(try second.read { db in try Row.fetchAll(db, sql: "SELECT n, note FROM marks") } == [["n": 10, "note": "new"]])
        try second.close()
    }

    @Test func twoLedgersApplyingTheSameEventsInTurnEachGetTheirOwn() throws {
        let ledgers = try [Ledger.inMemory(), Ledger.inMemory()]
        for round in 0..<3 {
            for (index, ledger) in ledgers.enumerated() {
                let observed = SessionStateObserved(
                    sessionID: 41, routerID: 7, state: "state-\(index)-\(round)", prefixesReceived: Int64(index * 100 + round),
                    lastError: index == 0 ? nil : "Zürich \(round)")
                _ = try ledger.writeNow(EventMetadata(actor: "test")) { tx in
                    try tx.append(.sessionStateObserved(observed), to: "session-41", expecting: .any)
                }
            }
        }
        for (index, ledger) in ledgers.enumerated() {
            let state = try #require(try ledger.readNow { db in try SessionRouterState.fetch(db, session: 41) })
            #expect(state.bgpState == "state-\(index)-2" && state.prefixesReceived == Int64(index * 100 + 2))
            #expect(state.lastError == (index == 0 ? nil : "Zürich 2"))
            #expect(try ledger.rebuild().matches)
        }
    }
}
