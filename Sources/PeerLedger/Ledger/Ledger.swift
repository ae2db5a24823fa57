import Crypto
import Foundation
package import GRDB
import GRDBSQLite
import Synchronization
public import PeerLedgerDomain

/// The event log and its projections in one SQLite database: the single door every write goes
/// through, and the place reads are served from.
///
/// A write is one SQLite `IMMEDIATE` transaction: the command reads the projections, decides,
/// appends its events (each hashed onto the chain), the projections apply them, and everything
/// commits together or not at all. Writes are serialized by SQLite's single writer.
public final class Ledger: Sendable {
    package let database: any DatabaseWriter
    public let clock: any LedgerClock
    public let ids: any IDGenerator
    /// Signalled after a command that queued mail commits, so the outbox worker sends it now.
    public let outboxWake = OutboxWake()
    /// Signalled after every write's commit (`write`, `writeNow`, `appendLogFirst`): wakes the
    /// live readers of the log (the event stream); its write observers (metrics) hear how long
    /// each `write` took.
    public let commits = CommitSignal()
    /// Copies of the projections at past positions, for reads `as_of` a moment (file ledgers only).
    public let snapshots: ProjectionSnapshots?
    /// The log of record this file follows (`follow`), or nil: the file is the log itself.
    let followed = Mutex<FollowedRecord?>(nil)
    /// Where the log this file is a copy of is, once it has followed one (`log_of_record`).
    let copyOf = Mutex<String?>(nil)

    /// Opens the ledger at `path`: WAL, `synchronous=FULL`, migrations applied.
    ///
    /// `access` says whether the file may be created (`serve`, `keys create`, `init` only), must
    /// already hold a ledger, or is only read. A read-only ledger writes nothing to the file: no
    /// migration, no projection catch-up, no snapshot; it opens a file on read-only media.
    public static func open(
        at path: String, access: LedgerAccess = .createIfMissing, clock: any LedgerClock = SystemClock(),
        ids: any IDGenerator = RandomIDs(), snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval
    ) throws -> Ledger {
        if access != .createIfMissing { try LedgerFile.requireLedger(at: path) }
        if access == .readOnly { return try openReadOnly(at: path, clock: clock, ids: ids) }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration())
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN {
            throw LedgerError.cannotOpen(reason: error.message ?? "SQLite could not open the file")
        }
        // GRDB switches a pool's writer to WAL with `synchronous = NORMAL` after `prepareDatabase`
        // ran, so FULL is set again here, on the one writer connection the pool keeps.
        try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return try Ledger(
            database: pool, clock: clock, ids: ids, snapshots: ProjectionSnapshots(ledgerPath: path, interval: snapshotInterval))
    }

    /// A ledger opened with SQLite's read-only flag. Where SQLite could not keep its WAL index
    /// beside the file (a read-only directory or medium, no `-wal` file left), the file is opened
    /// as immutable: nothing else can be writing to it there.
    static func openReadOnly(at path: String, clock: any LedgerClock, ids: any IDGenerator) throws -> Ledger {
        let queue: DatabaseQueue
        do {
            queue = try readOnlyQueue(at: path)
            try queue.read { db in try Migrator.check(db, migrations: Migration.embedded) }
        } catch let error as DatabaseError {
            throw LedgerError.cannotOpen(reason: error.message ?? "SQLite could not read the file")
        }
        return try Ledger(database: queue, clock: clock, ids: ids, readOnly: true)
    }

    /// A connection that only reads the file at `path`, whatever its schema (see `openReadOnly`).
    /// `immutable`: the caller knows nothing writes the file (a closed backup), so SQLite keeps no
    /// WAL index beside it either.
    static func readOnlyQueue(at path: String, immutable: Bool = false) throws -> DatabaseQueue {
        var configuration = configuration()
        configuration.readonly = true
        let location = !immutable && LedgerFile.canKeepWALIndex(besides: path) ? path : LedgerFile.immutableURI(path)
        return try DatabaseQueue(path: location, configuration: configuration)
    }

    /// A private in-memory ledger (replays, tests, point-in-time reads).
    public static func inMemory(
        clock: any LedgerClock = SystemClock(), ids: any IDGenerator = RandomIDs()
    ) throws -> Ledger {
        try Ledger(database: DatabaseQueue(configuration: configuration()), clock: clock, ids: ids)
    }

    /// The writer connection's SQLite page cache, in KiB (readers keep SQLite's default).
    static let writerCacheKiB = 65_536

    /// How many WAL pages a commit may leave before it checkpoints them into the database file.
    /// A single command keeps SQLite's default, 1,000: its few pages then overwrite a small WAL
    /// that is already allocated, which syncs faster than a file that keeps growing. A bulk
    /// transaction (an import, a batch of `bulkEvents` or more) dirties over 1,000 pages by
    /// itself, so with the default every one was copied into the file again, the projections' hot
    /// pages with it; it lets the WAL grow to 10,000 pages (about 40 MB), so a hot page is copied
    /// once for several commits. Durability is the WAL's either way: every commit is synced
    /// before it returns.
    public static func walCheckpointPages(forEvents count: Int) -> Int { count >= bulkEvents ? 10_000 : 1_000 }

    /// The number of events from which a transaction is a bulk one (see `walCheckpointPages`).
    public static let bulkEvents = 100

    static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The writer touches pages all over the log's indexes and the projections; with
            // SQLite's default 2 MB cache every append read and re-wrote them through the OS.
            // A page cache changes nothing about durability (WAL, synchronous=FULL, one commit).
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -\(writerCacheKiB)") }
        }
        return configuration
    }

    /// `checksProjections: false` takes the projections as they are (a point-in-time copy, whose
    /// projections stand at a past position while its log is empty or cut short).
    /// `readOnly: true` takes the schema as it is (checked by the caller) and changes nothing.
    init(
        database: any DatabaseWriter, clock: any LedgerClock, ids: any IDGenerator, snapshots: ProjectionSnapshots? = nil,
        checksProjections: Bool = true, readOnly: Bool = false
    ) throws {
        self.database = database
        self.clock = clock
        self.ids = ids
        self.snapshots = snapshots
        guard !readOnly else { return }
        let now = clock.now()
        try database.barrierWriteWithoutTransaction { db in
            try Migrator.migrate(db, migrations: Migration.embedded, now: now)
        }
        let copied = try database.read(Self.copiedLog)
        copyOf.withLock { $0 = copied }
        guard checksProjections else { return }
        _ = try database.write { db in try Projector.bringUpToDate(db, prefetchFrom: database as? DatabasePool) }
    }

    /// Runs one command as one transaction. Whatever `body` appends is committed with the
    /// projections it changed, or, if `body` throws, nothing at all is. Projections that lag the
    /// log (`appendLogFirst`) are brought level first, in the same transaction, so the command
    /// reads and decides on the whole log. Returns once the command's commit is durable.
    ///
    /// Concurrent commands share commits (`GroupCommit`): the commands that arrive while a commit
    /// is being made durable are committed together in the next transaction, each in its own
    /// savepoint, so a command that throws changes nothing and the others of its group still
    /// commit; one fsync serves the group, and each caller is answered after it. A command that
    /// finds nothing in flight is not held back: it runs at once, on the caller's thread (GRDB's
    /// synchronous access, which takes the free writer queue without a thread switch); the hop
    /// onto the writer queue and back (two thread wake-ups) cost a lone client's command more CPU
    /// than its SQL did: with fsync made a no-op, about 2,500 commands/s with the hop and 4,150
    /// without. Groups run on GRDB's writer queue, so at most one thread of Swift's pool ever
    /// waits on the disk (or on another process's write lock, up to the busy timeout) for a
    /// command, none on a single processor (`writesOnCallerThread`), where every command waits
    /// for a group suspended.
    ///
    /// Once the commit has returned, `commits` is signalled (live readers of the log wake up);
    /// its write observers hear how long every write took (the store's write latency).
    public func write<T: Sendable>(
        _ metadata: EventMetadata, _ body: @escaping @Sendable (LedgerTransaction) throws -> T
    ) async throws -> T {
        let started = ContinuousClock.now
        defer { commits.wrote(in: ContinuousClock.now - started) }
        try refuseWritingToACopyAlone()
        if let record = logOfRecord {
            // Always a group, on GRDB's writer queue: the record's round trips never hold one of
            // Swift's threads, and the commands that queue meanwhile share one lock and one
            // commit on the record.
            let result = try await writeInGroup(metadata, record: record, body)
            commits.signal()
            return result
        }
        if Self.writesOnCallerThread, groups.beginAlone() {
            defer { groups.endAlone(database) }
            let result = try writeNow(metadata, body)
            groups.record(commands: 1)
            return result
        }
        let result = try await writeInGroup(metadata, body)
        commits.signal()
        return result
    }

    /// Queues the command for the next group (`GroupCommit`), as `write` does when the writer is
    /// busy, and returns once the group's commit is durable. The group runs on GRDB's writer
    /// queue, not on the caller's thread. A caller cancelled while its command waits gets a
    /// `CancellationError` and the command is not run; once its group has taken it, it runs and
    /// commits or fails with the group.
    func writeInGroup<T: Sendable>(
        _ metadata: EventMetadata, record: (any LogOfRecord)? = nil, _ body: @escaping @Sendable (LedgerTransaction) throws -> T
    ) async throws -> T {
        queuedWrites.add(1, ordering: .relaxed)
        let (clock, ids) = (self.clock, self.ids)
        let cancelled = GroupCommit.CancellationFlag()
        return try await withTaskCancellationHandler {
            try await queueForGroup(metadata, record: record, clock: clock, ids: ids, cancelled: cancelled, body)
        } onCancel: {
            cancelled.set()
        }
    }

    private func queueForGroup<T: Sendable>(
        _ metadata: EventMetadata, record: (any LogOfRecord)?, clock: any LedgerClock, ids: any IDGenerator,
        cancelled: GroupCommit.CancellationFlag, _ body: @escaping @Sendable (LedgerTransaction) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let command = GroupCommit.Command(
                run: { db in
                    let result: Result<T, any Error>
                    var events = 0
                    var forRecord = RecordCommit()
                    do {
                        let ran = try Self.run(db, metadata, clock: clock, ids: ids, projecting: true, record: record, body)
                        (result, events, forRecord) = (.success(ran.value), ran.events, ran.forRecord)
                    } catch {
                        result = .failure(error)
                    }
                    return GroupCommit.Ran(
                        error: result.error, appendedEvents: events, forRecord: forRecord,
                        answer: { failure in
                            if let failure { continuation.resume(throwing: failure) } else { continuation.resume(with: result) }
                        })
                },
                fail: { error in continuation.resume(throwing: error) }, cancelled: cancelled, record: record)
            groups.submit(command, database)
        }
    }

    /// Whether a lone command may run on its caller's thread: not on a single processor, where
    /// Swift's pool has one thread, which a command waiting on the disk (or on another process's
    /// write lock) would take from every other task.
    static let writesOnCallerThread = ProcessInfo.processInfo.activeProcessorCount > 1

    /// Who holds the writer and the commands waiting for it (see `write`).
    private let groups = GroupCommit()
    /// Makes the next group on a following ledger lock the record's head before its commands
    /// run, as it does after another node moved the record (`HeadMode`).
    func lockRecordForNextGroup() { groups.lockRecordForNextGroup() }
    /// How many `write`s found another in flight and waited for a group (tests read it).
    let queuedWrites = Atomic<Int>(0)

    /// The transactions `write` committed so far and how many commands they held: how much
    /// group commit shared its commits.
    public var groupCommits: GroupCommitStatistics { groups.committed }

    /// The synchronous twin of `write`, for command-line tools. Signals `commits` once its commit
    /// returned, as `write` does.
    public func writeNow<T>(_ metadata: EventMetadata, _ body: (LedgerTransaction) throws -> T) throws -> T {
        try refuseWritingToACopyAlone()
        let record = logOfRecord
        let result = try database.writeWithoutTransaction { db in
            if let record { return try Self.commandFollowing(db, record, metadata, clock: clock, ids: ids, body) }
            return try Self.command(db, metadata, clock: clock, ids: ids, projecting: true, body)
        }
        commits.signal()
        return result
    }

    /// One command's transaction on the writer connection: the command (`run`), then the commit.
    private static func command<T>(
        _ db: Database, _ metadata: EventMetadata, clock: any LedgerClock, ids: any IDGenerator, projecting: Bool,
        _ body: (LedgerTransaction) throws -> T
    ) throws -> T {
        try inImmediateTransaction(db) {
            let (value, events, _) = try run(db, metadata, clock: clock, ids: ids, projecting: projecting, body)
            if events > 0 { try setWALCheckpoint(db, forEvents: events) }
            return value
        }
    }

    /// One command inside the transaction (or savepoint) its caller opened: `body` appends through
    /// a `LedgerTransaction`, whose finish records where the projections stand. Returns `body`'s
    /// value, how many events it appended, and (following `record`) what it kept for the record.
    static func run<T>(
        _ db: Database, _ metadata: EventMetadata, clock: any LedgerClock, ids: any IDGenerator, projecting: Bool,
        record: (any LogOfRecord)? = nil, _ body: (LedgerTransaction) throws -> T
    ) throws -> (value: T, events: Int, forRecord: RecordCommit) {
        let transaction = try LedgerTransaction(db: db, metadata: metadata, recordedAt: clock.now(), ids: ids, projecting: projecting)
        transaction.record = record
        let value = try body(transaction)
        try transaction.finish()
        return (value, transaction.appendedCount, transaction.forRecord)
    }

    /// Sets the WAL pages the coming commit may leave before it checkpoints (`walCheckpointPages`)
    /// for a transaction of `count` events: what `PRAGMA wal_autocheckpoint` does, without a
    /// statement to find and run per commit. SQLite reads it when the transaction commits.
    static func setWALCheckpoint(_ db: Database, forEvents count: Int) throws {
        let pages = walCheckpointPages(forEvents: count)
        guard let connection = db.sqliteConnection, sqlite3_wal_autocheckpoint(connection, CInt(pages)) == SQLITE_OK else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "could not set wal_autocheckpoint to \(pages)")
        }
    }

    /// Appends in one transaction, as `writeNow`, but to the log alone ("log first"): the
    /// projections are left standing where they were, to be brought level later in one pass
    /// (`catchUpProjections`) that merges each session's run of changes and writes each history
    /// line in key order, as a rebuild does. For bulk loads (`generate-world`): a batch of
    /// history events on random sessions dirties pages all over the projections, and writing
    /// them once per catch-up instead of once per batch is most of a batch's cost.
    ///
    /// The events are as durable, ordered and chained as any others (same triggers, same hash
    /// chain, `synchronous=FULL`, one commit). Until the catch-up, readers see the projections as
    /// of an earlier position, a consistent prefix of the log; the next command (`write`,
    /// `writeNow`), and the next opening of the ledger, catch them up before anything else, so a
    /// process that stops in between loses nothing. `body` must not read the projections for
    /// what it appends. A command's check for lagging projections is part of the one statement
    /// that reads the log's head (`LedgerTransaction.init`): no query of its own. For the
    /// package's own bulk loaders (fixtures, bench), not for a library user: `package`.
    package func appendLogFirst<T>(_ metadata: EventMetadata, _ body: (LedgerTransaction) throws -> T) throws -> T {
        guard logOfRecord == nil, copyOfLog == nil else {
            throw LogOfRecordError(description: "a bulk load goes into the log of record, not into a file that follows it")
        }
        let result = try database.writeWithoutTransaction { db in
            try Self.command(db, metadata, clock: clock, ids: ids, projecting: false, body)
        }
        commits.signal()
        return result
    }

    /// Applies the events the projections lack (appended log first), in one transaction;
    /// returns how many. Nothing to do returns 0 at the cost of one read.
    @discardableResult
    package func catchUpProjections() throws -> Int64 {
        try database.write { db in
            try Projector.catchUp(db, after: Projector.projectedPosition(db), prefetchFrom: database as? DatabasePool)
        }
    }

    /// How many events the projections lack (0 unless some were appended log first).
    package func projectionLag() throws -> Int64 {
        try readNow { db in try Self.headPosition(db) - Projector.projectedPosition(db) }
    }

    /// `body` in one `IMMEDIATE` transaction, as GRDB's `write` runs it, but begun and committed
    /// through prepared statements: `inTransaction` prepares its BEGIN and COMMIT texts again for
    /// every transaction (GRDB's authorizer included), 3–4% of a single command's CPU. Any error,
    /// the commit's too, rolls the transaction back (if SQLite has not already) and is rethrown.
    static func inImmediateTransaction<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            // The body's (or the commit's) error is the one that tells what happened.
            try? db.rollback()
            throw error
        }
    }

    /// A read on a consistent snapshot of the projections.
    /// A ledger that follows a log of record is brought level with it first (`catchUpIfBehind`).
    package func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await catchUpIfBehind()
        return try await database.readReleasingFirst(body)
    }

    package func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }

    /// The position of the last event in the log (0 when it is empty); the log is gap-free, so
    /// this is also how many events it holds.
    public func headPosition() throws -> Int64 { try readNow(Self.headPosition) }

    static func headPosition(_ db: Database) throws -> Int64 { try SQLiteLog.headPosition(db) }

    /// The hash of the last event: the head of the chain (nil for an empty log).
    public func lastHash() throws -> String? { try readNow(SQLiteLog.lastHash) }

    /// The events after `start` up to `end` (both positions), whole, in order.
    public func events(after start: Int64 = 0, through end: Int64) throws -> [RecordedEvent] {
        try readNow { db in try Array(SQLiteLog.events(db, after: start, through: end)) }
    }

    /// When the event at `position` was recorded (the log's ISO 8601 text), or nil.
    public func recordedAt(position: Int64) throws -> String? { try readNow { db in try SQLiteLog.recordedAt(db, at: position) } }

    /// The position of the last event recorded at or before `moment` (0 when none was).
    public func lastPosition(atOrBefore moment: Timestamp) throws -> Int64 {
        try readNow { db in try SQLiteLog.lastPosition(atOrBefore: moment, db) }
    }
}
