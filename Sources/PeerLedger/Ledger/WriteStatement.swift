import Foundation
import GRDB
import GRDBSQLite
import PeerLedgerDomain
import Synchronization

/// One of the write path's hot statements, run with its values bound straight onto SQLite's
/// prepared statement: the projections' constant INSERT, UPDATE and DELETE, the log's append and
/// checkpoint, and the few reads every command makes (its stream's head and the other one-value
/// reads, `int64`; the log's head and the session a command answers with, `firstRow`).
///
/// Why: a rebuild runs a few such statements for each of hundreds of thousands of events, and a
/// profile of it showed GRDB's per-execution work costing almost as much as SQLite's: building
/// `StatementArguments` from arrays of existentials, validating and binding them through nested
/// generic closures, and hashing the whole SQL text to find the cached statement. Here an
/// instance per SQL text (a `static let`) is the cache key, values are bound with
/// `sqlite3_bind_*` as they come, and the statement is reset and stepped directly.
///
/// What this bypasses of GRDB's `Statement.execute`, and why that is sound here:
/// - Argument validation: the number of values is checked against the statement's parameters.
/// - `statementWillExecute`: (1) the aborted-transaction check and (2) autocommit tracking only
///   matter outside a live transaction, so the fast path runs only when SQLite says a transaction
///   is open (`sqlite3_get_autocommit` is 0); otherwise the statement goes through GRDB whole.
///   (3) Region recording (`registerAccess`) only serves ValueObservation while it tracks a read;
///   PeerLedger has none (below), so the reads here need not record what they read either.
///   (4) Transaction observers (`observationBroker`): PeerLedger registers none (no
///   ValueObservation, DatabaseRegionObservation, TransactionObserver or `afterNextTransaction`
///   anywhere); one observing projection tables would miss these changes.
///   (5) Suspension is off (`observesSuspensionNotifications` is not set). Task cancellation
///   still interrupts SQLite, but then surfaces as `DatabaseError` SQLITE_INTERRUPT instead of
///   `CancellationError`; the command fails and rolls back either way.
/// - `statementDidExecute`: clearing the schema cache is for DDL (none here); autocommit cannot
///   change inside a transaction by an INSERT/UPDATE/DELETE that succeeds.
/// - `statementDidFail`: the error carries SQLite's result code, message and the SQL text. GRDB
///   drops a failed statement from its cache; SQLite resets a statement after an error and runs
///   it again correctly, so it is kept. The failed statement's own changes are undone by SQLite
///   (statement rollback), and the caller's transaction rolls back as for any thrown error. An
///   error after which SQLite rolled the whole transaction back itself (disk full, I/O) is safe
///   too: GRDB's rollback asks SQLite whether a transaction is still open, and its next
///   statement updates its autocommit bookkeeping.
///
/// Statements are per connection: each one is found by its connection (the rebuild and the
/// commands share the writer; snapshots and `as_of` replays use others) and is GRDB's own cached
/// statement for `sql`, held weakly, so GRDB still decides its lifetime (it finalizes its cache
/// before closing a connection, or after a schema change, and a cleared one is looked up again).
/// Entries of connections whose statement is gone are dropped, so the table stays bounded by the
/// connections alive.
///
/// Each execution resets the statement, then binds every parameter (their number is checked), so
/// no value of an earlier execution, ours or GRDB's, can leak into it; the bindings are not
/// cleared afterwards (SQLite frees its copies when they are bound again), which GRDB's own
/// `execute(arguments:)` does not need either, as it binds its values anew. A text run through
/// here must not also be run by GRDB from remembered arguments (`setArguments`, then `execute()`).
final class WriteStatement: Sendable {
    let sql: String

    /// GRDB's statement on one connection, held weakly: GRDB owns it.
    /// `@unchecked Sendable`: its reference is set once, at init, and the statement it yields is
    /// used only on its own connection, by the one thread GRDB lets use that connection at a time.
    private final class Entry: @unchecked Sendable {
        weak let statement: Statement?
        init(_ statement: Statement) { self.statement = statement }
    }

    /// Entries by the connection's address: a plain integer, which unlike the pointer may be
    /// kept behind the lock. A later connection at a reused address finds only a released
    /// statement there (a live one keeps its connection open), and prepares its own.
    private struct Entries {
        var byConnection: [UInt: Entry] = [:]
        /// The entry used last: a rebuild runs everything on one connection, so most lookups stop here.
        var last: (connection: UInt, entry: Entry)?
    }

    private let entries = Mutex(Entries())
    /// Past this many entries, adding one first drops those whose statement GRDB released.
    private static let pruneThreshold = 8

    init(_ sql: String) {
        self.sql = sql
    }

    /// Runs the statement once with `values` for its parameters, in order.
    func execute<each Value: BoundValue>(_ db: Database, _ values: repeat each Value) throws {
        guard let (connection, statement) = try prepared(db) else {
            // Not inside a transaction: GRDB's checks and bookkeeping matter, take its path.
            try db.cachedStatement(sql: sql).execute(arguments: arguments(repeat each values))
            return
        }
        let handle = statement.sqliteStatement
        try bind(repeat each values, to: handle, connection)
        try step(handle, connection)
        withExtendedLifetime(statement) {}
    }

    /// Runs a read of one integer: the first column of the first row, nil when there is no row or
    /// the value is NULL (a stream's head version, read by every append). The statement is reset
    /// before this returns, so no read stays open.
    func int64<each Value: BoundValue>(_ db: Database, _ values: repeat each Value) throws -> Int64? {
        guard let (connection, statement) = try prepared(db) else {
            return try Int64.fetchOne(db.cachedStatement(sql: sql), arguments: arguments(repeat each values))
        }
        let handle = statement.sqliteStatement
        try bind(repeat each values, to: handle, connection)
        let code = sqlite3_step(handle)
        defer {
            sqlite3_reset(handle)
            withExtendedLifetime(statement) {}
        }
        switch code {
        case SQLITE_ROW: return sqlite3_column_type(handle, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, 0)
        case SQLITE_DONE: return nil
        default: throw failure(code, connection, handle)
        }
    }

    /// Runs a read and hands its first row to `read`, column by column straight from SQLite's
    /// statement (no GRDB `Row` is built, so no column is copied that `read` does not take); nil
    /// when there is no row. Outside a transaction the row comes through GRDB, and `read` sees
    /// the same values. The statement is reset before this returns, so no read stays open.
    func firstRow<T, each Value: BoundValue>(
        _ db: Database, _ values: repeat each Value, read: (ColumnValues) throws -> T
    ) throws -> T? {
        guard let (connection, statement) = try prepared(db) else {
            return try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments(repeat each values))
                .map { try read(ColumnValues(row: $0)) }
        }
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            withExtendedLifetime(statement) {}
        }
        try bind(repeat each values, to: handle, connection)
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return try read(ColumnValues(handle: handle))
        case SQLITE_DONE: return nil
        case let code: throw failure(code, connection, handle)
        }
    }

    /// The values as GRDB arguments, for its own path.
    private func arguments<each Value: BoundValue>(_ values: repeat each Value) -> StatementArguments {
        var arguments: [DatabaseValue] = []
        for value in repeat each values { arguments.append(value.asDatabaseValue) }
        return StatementArguments(arguments)
    }

    /// Binds every parameter in order, after checking there are as many values as parameters.
    private func bind<each Value: BoundValue>(
        _ values: repeat each Value, to handle: SQLiteStatement, _ connection: SQLiteConnection
    ) throws {
        var count: CInt = 0
        for _ in repeat each values { count += 1 }
        try check(count, handle)
        var index: CInt = 0
        for value in repeat each values {
            index += 1
            try bound(value.bind(into: handle, at: index), connection, handle)
        }
    }

    /// Runs the statement once with `values`, for statements whose parameters vary in number with
    /// the event (one per field it sets).
    func execute(_ db: Database, values: [DatabaseValue]) throws {
        guard let (connection, statement) = try prepared(db) else {
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values))
            return
        }
        let handle = statement.sqliteStatement
        try check(CInt(values.count), handle)
        var index: CInt = 0
        for value in values {
            index += 1
            try bound(value.bind(into: handle, at: index), connection, handle)
        }
        try step(handle, connection)
        withExtendedLifetime(statement) {}
    }

    /// Clears this statement's bindings on `db`'s connection, if it was prepared there: what a
    /// holder of `HeldText` does before it frees the text.
    func clearBindings(_ db: Database) {
        guard let connection = db.sqliteConnection, let statement = entry(of: connection)?.statement,
            sqlite3_db_handle(statement.sqliteStatement) == connection
        else { return }
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    /// The connection and this statement on it, reset (a statement GRDB ran last, or one that
    /// failed, may not be) and ready to bind; nil outside a transaction.
    private func prepared(_ db: Database) throws -> (SQLiteConnection, Statement)? {
        guard let connection = db.sqliteConnection, sqlite3_get_autocommit(connection) == 0 else { return nil }
        let statement = try statement(db, connection)
        sqlite3_reset(statement.sqliteStatement)
        return (connection, statement)
    }

    /// Refuses a number of values that differs from the statement's parameters, as GRDB does.
    private func check(_ count: CInt, _ handle: SQLiteStatement) throws {
        let expected = sqlite3_bind_parameter_count(handle)
        guard count == expected else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE, message: "wrong number of statement arguments: \(count), expected \(expected)",
                sql: sql)
        }
    }

    private func bound(_ code: CInt, _ connection: SQLiteConnection, _ handle: SQLiteStatement) throws {
        guard code == SQLITE_OK else { throw failure(code, connection, handle) }
    }

    /// Steps to the end (these statements return no rows, but a RETURNING clause would).
    private func step(_ handle: SQLiteStatement, _ connection: SQLiteConnection) throws {
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else { throw failure(code, connection, handle) }
    }

    /// SQLite's error as GRDB would report it, read before the statement is reset.
    private func failure(_ code: CInt, _ connection: SQLiteConnection, _ handle: SQLiteStatement) -> DatabaseError {
        let error = DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        sqlite3_reset(handle)
        return error
    }

    /// This connection's prepared statement for `sql`, from GRDB's cache the first time.
    private func statement(_ db: Database, _ connection: SQLiteConnection) throws -> Statement {
        // A statement still alive keeps its connection open, so its handle is this connection's;
        // checked all the same, it costs nothing.
        if let known = entry(of: connection)?.statement, sqlite3_db_handle(known.sqliteStatement) == connection {
            return known
        }
        let statement = try db.cachedStatement(sql: sql)
        let fresh = Entry(statement)
        let connection = UInt(bitPattern: connection)
        entries.withLock { entries in
            if entries.byConnection.count >= Self.pruneThreshold {
                entries.byConnection = entries.byConnection.filter { $0.value.statement != nil }
            }
            entries.byConnection[connection] = fresh
            entries.last = (connection, fresh)
        }
        return statement
    }

    /// The entry of `connection`, if this statement was prepared there, now the one used last.
    private func entry(of connection: SQLiteConnection) -> Entry? {
        let connection = UInt(bitPattern: connection)
        return entries.withLock { entries in
            if let last = entries.last, last.connection == connection { return last.entry }
            guard let entry = entries.byConnection[connection] else { return nil }
            entries.last = (connection, entry)
            return entry
        }
    }
}

/// The columns of the row a `WriteStatement.firstRow` read stands on, by 0-based index: read
/// from SQLite's statement with GRDB's own `DatabaseValue(sqliteStatement:index:)`, or from
/// GRDB's `Row` when the read went through GRDB.
struct ColumnValues {
    private enum Source {
        case statement(SQLiteStatement)
        case row(Row)
    }

    private let source: Source

    init(handle: SQLiteStatement) { source = .statement(handle) }

    init(row: Row) { source = .row(row) }

    /// The column as GRDB's `DatabaseValue` (GRDB's own reading of a statement's column).
    func value(_ index: Int) -> DatabaseValue {
        switch source {
        case let .statement(handle): DatabaseValue(sqliteStatement: handle, index: CInt(index))
        case let .row(row): row[index]
        }
    }

    /// The column as an integer, nil when it is NULL or of another type.
    func int64(_ index: Int) -> Int64? {
        guard case let .int64(number) = value(index).storage else { return nil }
        return number
    }

    /// The column as text, nil when it is NULL or of another type.
    func text(_ index: Int) -> String? {
        guard case let .string(text) = value(index).storage else { return nil }
        return text
    }
}

/// SQLite's "copy the bytes now" destructor (`SQLITE_TRANSIENT`, a macro Swift does not import):
/// the bound text outlives the Swift string's buffer. Computed, not a global (which would pay a
/// lazy-initialization check on every bind).
@inline(__always) private var transient: sqlite3_destructor_type {
    unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}

/// A value a `WriteStatement` binds, exactly as GRDB binds it (same SQLite type and bytes).
protocol BoundValue {
    /// Binds the value to parameter `index` (1-based); SQLite's result code.
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt
    /// The same value for GRDB's path (outside a transaction).
    var asDatabaseValue: DatabaseValue { get }
}

extension Int64: BoundValue {
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt { sqlite3_bind_int64(statement, index, self) }
    var asDatabaseValue: DatabaseValue { databaseValue }
}

extension Int: BoundValue {
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt { sqlite3_bind_int64(statement, index, Int64(self)) }
    var asDatabaseValue: DatabaseValue { databaseValue }
}

extension Double: BoundValue {
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt { sqlite3_bind_double(statement, index, self) }
    var asDatabaseValue: DatabaseValue { databaseValue }
}

extension String: BoundValue {
    /// As GRDB: a NUL-terminated C string (text ends at an embedded NUL), copied by SQLite.
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt {
        withCString { sqlite3_bind_text(statement, index, $0, -1, transient) }
    }

    var asDatabaseValue: DatabaseValue { databaseValue }
}

extension Optional: BoundValue where Wrapped: BoundValue {
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt {
        switch self {
        case .none: sqlite3_bind_null(statement, index)
        case let .some(value): value.bind(into: statement, at: index)
        }
    }

    var asDatabaseValue: DatabaseValue { map(\.asDatabaseValue) ?? .null }
}

extension DatabaseValue: BoundValue {
    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt {
        switch storage {
        case .null: sqlite3_bind_null(statement, index)
        case let .int64(number): number.bind(into: statement, at: index)
        case let .double(number): number.bind(into: statement, at: index)
        case let .string(text): text.bind(into: statement, at: index)
        // As GRDB: empty data has no base address, which SQLite binds as NULL.
        case let .blob(data):
            data.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, CInt($0.count), transient) }
        }
    }

    var asDatabaseValue: DatabaseValue { self }
}

/// UTF-8 text held elsewhere (`StagedHistory`, which cuts it at its first NUL as a `String` is
/// bound), bound where it lies with its length: SQLite reads it in place (`SQLITE_STATIC`)
/// instead of copying it. The holder keeps the bytes until it clears the statement's bindings
/// (`WriteStatement.clearBindings`), as SQLite requires of a static binding.
struct HeldText: BoundValue {
    let bytes: UnsafePointer<UInt8>
    let count: UInt32

    init(_ bytes: UnsafePointer<UInt8>, count: UInt32) {
        self.bytes = bytes
        self.count = count
    }

    func bind(into statement: SQLiteStatement, at index: CInt) -> CInt {
        guard count <= CInt.max else { return SQLITE_TOOBIG }
        return bytes.withMemoryRebound(to: CChar.self, capacity: Int(count)) { sqlite3_bind_text(statement, index, $0, CInt(count), nil) }
    }

    var asDatabaseValue: DatabaseValue {
        String(decoding: UnsafeBufferPointer(start: bytes, count: Int(count)), as: UTF8.self).databaseValue
    }
}
