import Foundation
import GRDB
import Synchronization
public import PeerLedgerDomain

/// A log kept elsewhere that a ledger file follows: the log of record (PostgreSQL, shared by
/// several nodes), of which the file holds a copy, event for event, with the projections built
/// from it. Every node decides its commands on its own copy, brought level with the record under
/// the record's head lock, and the record accepts a command's events only if they follow its head:
/// the nodes write one gap-free, hash-chained log as SQLite's single writer does.
///
/// The calls of a command's transaction are synchronous and made on the ledger's writer: `lock`
/// opens the record's transaction, `commit` or `rollback` ends it, in that order, one command at
/// a time.
public protocol LogOfRecord: AnyObject, Sendable {
    /// Where the log is, as shown to people (a URL without its password).
    var location: String { get }
    /// Opens a transaction on the record and locks its head: every node's commands wait here, one
    /// at a time, until `commit` or `rollback`. Returns the head.
    func lock() throws -> LogHead
    /// `lock`, with the tail after `position` (a copy's head) read in the same transaction
    /// under the lock (as `tail` reads it): one wait where a lock and a catch-up took two.
    func lock(readingAfter position: Int64, limit: Int) throws -> (head: LogHead, tail: RecordTail)
    /// At most `limit` events after `position` (a copy's head), with the secrets kept with them:
    /// in the open transaction after `lock`, otherwise on their own (bringing a copy level before a read).
    func tail(after position: Int64, limit: Int) throws -> RecordTail
    /// The first answer kept for `key` by `actor`: in the open transaction after `lock`, otherwise
    /// as committed now (a group deciding on its copy before `commit(_:onHead:)`).
    func idempotencyRecord(actor: String, key: String) throws -> (fingerprint: String, answer: String)?
    /// Appends `commit`'s events (a command's or a group's, as the copy recorded them), keeps
    /// what the commands kept beside them, and commits. The commands are acknowledged only once
    /// this returns.
    func commit(_ commit: RecordCommit) throws
    /// Without a transaction open: commits `commit` in one call if the record's head is still
    /// `head` (a copy's, level at its last commit), holding the head's lock only for that call;
    /// false, keeping nothing, when the head has moved. True means committed as `commit` means
    /// it. Also false when an idempotency key it keeps was kept meanwhile by another node (the
    /// commands read the record's idempotency records outside the lock): run under the lock, the
    /// commands read that node's answer.
    func commit(_ commit: RecordCommit, onHead head: LogHead) throws -> Bool
    /// Ends the open transaction without keeping anything.
    func rollback()
    /// Where each subscription's deliveries stand, as the nodes that delivered kept it.
    func webhookCursors() async throws -> [Int64: Int64]
    /// The console logins the nodes share (nil: each server keeps its own).
    var consoleSessions: (any SharedConsoleSessions)? { get }
    /// The record's head now.
    func recordHead() async throws -> LogHead
}

/// What the commands of one transaction on a following ledger hand the record at its commit:
/// their events as the copy recorded them, and what they kept beside the log. Gathered while the
/// commands run on the copy (`LedgerTransaction`) and sent in one go, so a command that is rolled
/// back on the copy leaves nothing on the record either.
public struct RecordCommit: Sendable {
    public var events: [RecordedEvent] = []
    public var secrets: [(ref: String, value: String)] = []
    /// The mail the commands queued.
    public var mail: [QueuedMail] = []
    /// The first answers kept for idempotency keys.
    public var idempotency: [IdempotencyRecord] = []
    /// Webhook subscriptions whose deliveries reached a position (a cursor only moves forward),
    /// so a node that takes over delivering starts there.
    public var webhookCursors: [(webhookID: Int64, position: Int64)] = []

    public init() {}

    /// Adds what another command kept (its events come from the copy's log, not from here).
    mutating func add(_ other: RecordCommit) {
        secrets += other.secrets
        mail += other.mail
        idempotency += other.idempotency
        webhookCursors += other.webhookCursors
    }
}

/// Events of the record after a copy's head, with the secrets kept with them (every secret when
/// the copy is empty), and the record's hash at the copy's head, to check that the copy is a prefix.
public struct RecordTail: Sendable {
    public var events: [RecordedEvent]
    public var secrets: [(ref: String, value: String)]
    /// The mail queued with these events (every message when the copy is empty).
    public var mail: [QueuedMail]
    /// The record's hash at the copy's head position (nil for position 0, or when the record is
    /// shorter than the copy).
    public var hashAtCopyHead: String?

    public init(events: [RecordedEvent], secrets: [(ref: String, value: String)], mail: [QueuedMail], hashAtCopyHead: String?) {
        self.events = events
        self.secrets = secrets
        self.mail = mail
        self.hashAtCopyHead = hashAtCopyHead
    }
}

/// A request's message as its command queued it in the outbox.
public struct QueuedMail: Sendable, Equatable {
    public var requestID: Int64
    public var messageID: String
    public var mail: OutgoingMail
    /// When it was queued (and first due), as the log writes times.
    public var queuedAt: String

    public init(requestID: Int64, messageID: String, mail: OutgoingMail, queuedAt: String) {
        self.requestID = requestID
        self.messageID = messageID
        self.mail = mail
        self.queuedAt = queuedAt
    }
}

/// The first answer of an idempotent write, as a store keeps it.
public struct IdempotencyRecord: Sendable, Equatable {
    public var actor: String
    public var key: String
    public var fingerprint: String
    public var answer: String
    public var position: Int64
}

/// Why a ledger file cannot follow a log of record.
public struct LogOfRecordError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

extension Ledger {
    /// Makes this file follow `record` from now on: brings the copy level (every event and
    /// secret the file lacks) and, from then on, runs every command under the record's head lock
    /// and commits it there first, and brings the copy level before every read (`read`).
    ///
    /// Refused when the file is not a prefix of the record: an event of its own the record lacks
    /// (written before it followed, or lost by the record in a failover), or the record shorter
    /// than the file. The file is a copy: a refused one is removed and made again from the record.
    public func follow(_ record: any LogOfRecord) async throws {
        followed.withLock { $0 = FollowedRecord(record) }
        do {
            // The file is a copy from here on: the record keeps every acknowledged command durably
            // (it commits first), and a copy that lost its last commits to a power cut copies them
            // in again when it next follows. So the copy's commits, the first copy's batches
            // included, need not wait for the disk: WAL with `synchronous=NORMAL` keeps the file
            // whole and loses at most a suffix.
            try await database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            try await copyLogFirst(from: record)
            let since = clock.now().iso8601
            try await database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO log_of_record (singleton, location, since) VALUES (1, ?, ?)
                        ON CONFLICT (singleton) DO UPDATE SET location = excluded.location
                        """,
                    arguments: [record.location, since])
            }
            copyOf.withLock { $0 = record.location }
        } catch {
            followed.withLock { $0 = nil }
            // Not a copy after all (refused, or the record unreachable): its own commits wait for the disk again.
            try? await database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            throw error
        }
    }

    /// Brings the copy level as a new node's copy is made: the log first, a batch a
    /// transaction, the next batch read from the record on a thread of its own while this one is
    /// written, then the projections in one pass over what was copied (a rebuild's replay when
    /// they stand at nothing), instead of a catch-up per batch. A copy made from nothing may take
    /// minutes; its waits on the record never hold a thread of Swift's pool. A process that dies
    /// midway leaves a log ahead of its projections, which the next open catches up.
    private func copyLogFirst(from record: any LogOfRecord) async throws {
        var next = Self.tailOnThread(record, after: try await database.readReleasingFirst(SQLiteLog.headPosition))
        var copied = 0
        while true {
            let tail = try await next.value
            let full = tail.events.count == Self.copyBatch
            if full, let last = tail.events.last { next = Self.tailOnThread(record, after: last.position) }
            copied += try await database.write { db in
                // A batch is a bulk transaction: the WAL may grow before it checkpoints, as an import's.
                try Ledger.setWALCheckpoint(db, forEvents: tail.events.count)
                return try Self.copyIn(db, tail, projecting: false, inBulk: true)
            }
            if !full { break }
        }
        let pool = database as? DatabasePool
        try await database.write { db in
            let projected = try Projector.projectedPosition(db)
            guard try SQLiteLog.headPosition(db) > projected else { return }
            if projected == 0 {
                _ = try Projector.rebuild(db, prefetchFrom: pool)
            } else {
                _ = try Projector.catchUp(db, after: projected, prefetchFrom: pool)
            }
        }
        if copied > 0 { commits.signal() }
    }

    /// The record's tail after `position`, read on a thread of its own (the record's calls block).
    private static func tailOnThread(_ record: any LogOfRecord, after position: Int64) -> Task<RecordTail, any Error> {
        Task {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RecordTail, any Error>) in
                Thread { continuation.resume(with: Result { try record.tail(after: position, limit: copyBatch) }) }.start()
            }
        }
    }

    /// The log this file is a copy of (it has followed one), or nil: the file is its own log.
    public var copyOfLog: String? { copyOf.withLock { $0 } }

    /// Where a file that has followed a log says that log is.
    static func copiedLog(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT location FROM log_of_record")
    }

    /// Refuses a command on a copy that does not follow its log now: it would write to the copy
    /// alone, which would no longer be a copy of the log.
    func refuseWritingToACopyAlone() throws {
        guard logOfRecord == nil, let log = copyOfLog else { return }
        throw LogOfRecordError(
            description: "this file is a copy of the log at \(log): run the command with --store to write to that log")
    }

    /// The record this file follows, if any.
    var logOfRecord: (any LogOfRecord)? { followed.withLock { $0?.record } }

    /// Brings the copy level with the record, when it follows one and lags it: one head read of
    /// the record otherwise (shared with the reads waiting at the same moment, `HeadCheck`).
    /// Every read of a following ledger starts with it, so a write that any node had
    /// acknowledged is seen by the next read.
    package func catchUpIfBehind() async throws {
        guard let followed = followed.withLock({ $0 }) else { return }
        let record = followed.record
        let head = try await followed.heads.head()
        // Microseconds of SQLite, read on this thread rather than with two thread hops (safe on
        // Swift's pool: async reads never hold a connection while they wait for it).
        guard try readNow(SQLiteLog.headPosition) < head.position else { return }
        try await database.write { db in try Self.copyLevel(db, record) }
        commits.signal()
    }

    /// How many events a catch-up reads from the record at a time.
    static let copyBatch = 5_000

    /// Copies in everything the record holds after the copy's head, batch after batch, in the
    /// caller's transaction.
    static func copyLevel(_ db: Database, _ record: any LogOfRecord) throws {
        while try copyIn(db, record.tail(after: SQLiteLog.headPosition(db), limit: copyBatch)) == copyBatch {}
    }

    /// Appends the record's events to the copy as recorded, keeps their secrets, and applies them
    /// to the projections (unless `projecting` is false: the caller brings them level after),
    /// in the caller's transaction; refuses a copy that is not a prefix. `inBulk` appends the
    /// events with the log's triggers off and their checks made in Swift
    /// (`SQLiteLog.appendCopied`): for the batches of thousands `follow` copies, since switching
    /// triggers prepares the connection's statements again. Returns how many events it copied.
    @discardableResult
    static func copyIn(_ db: Database, _ tail: RecordTail, projecting: Bool = true, inBulk: Bool = false) throws -> Int {
        let head = try SQLiteLog.headPosition(db)
        if head > 0 {
            let ours = try SQLiteLog.lastHash(db)
            guard let theirs = tail.hashAtCopyHead, theirs == ours else {
                throw LogOfRecordError(
                    description: tail.hashAtCopyHead == nil
                        ? "the ledger file holds \(head) events and the log of record fewer: the file is not a copy of it"
                        : "the ledger file's event at position \(head) is not the log of record's: the file is not a copy of it")
            }
        }
        for secret in tail.secrets where try SQLiteLog.secret(db, ref: secret.ref) == nil {
            try SQLiteLog.storeSecret(db, ref: secret.ref, value: secret.value)
        }
        for queued in tail.mail { try Outbox.copyIn(db, queued) }
        guard !tail.events.isEmpty else { return 0 }
        if inBulk { try SQLiteLog.appendCopied(db, tail.events) }
        for event in tail.events {
            if !inBulk { try SQLiteLog.appendAsRecorded(db, event) }
            // What the node that made the command wrote beside the log, and its event carries.
            try APIKeyStore.copyIn(db, event)
            try ConsoleUserStore.copyIn(db, event)
            try Outbox.copyIn(db, event)
            try WebhookOutbox.copyIn(db, event)
        }
        if projecting { _ = try Projector.catchUp(db, after: Projector.projectedPosition(db)) }
        return tail.events.count
    }

    /// The head of the copy, in the caller's transaction.
    static func copyHead(_ db: Database) throws -> LogHead {
        LogHead(position: try SQLiteLog.headPosition(db), hash: try SQLiteLog.lastHash(db) ?? RecordedEvent.genesisHash)
    }

    /// Locks the record's head (`LogOfRecord.lock`) and brings the copy level with it, in the
    /// caller's transaction: the copy's head position after, and whether it was level already
    /// (no other writer had moved the record). The record's transaction is rolled back if the
    /// copy cannot be brought level.
    static func lockAndLevel(_ db: Database, _ record: any LogOfRecord) throws -> (start: Int64, wasLevel: Bool) {
        let ours = try copyHead(db)
        // The lock hands back the record's head with what follows the copy's: a copy already
        // level (a node's own last command, a read's catch-up) finds nothing to copy, and one
        // behind (another node wrote) copies in what came with the lock.
        let (head, tail) = try record.lock(readingAfter: ours.position, limit: copyBatch)
        do {
            if ours != head, try copyIn(db, tail) == copyBatch { try copyLevel(db, record) }
            return (try SQLiteLog.headPosition(db), ours == head)
        } catch {
            record.rollback()
            throw error
        }
    }

    /// One command's transaction when the file follows a record: the record's head locked and the
    /// copy brought level, the command run on the copy, its events, secrets and idempotency
    /// record committed on the record, then the copy's transaction committed. A command that
    /// throws, or a record that refuses, rolls both back. Once the record has committed, the
    /// command is done: if the file's own commit fails, or this process dies between the two,
    /// the file lacks the command's events until its next catch-up copies them in from the
    /// record, with the secrets and mail kept there beside them.
    static func commandFollowing<T>(
        _ db: Database, _ record: any LogOfRecord, _ metadata: EventMetadata, clock: any LedgerClock, ids: any IDGenerator,
        _ body: (LedgerTransaction) throws -> T
    ) throws -> T {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        let value: T
        do {
            let start = try lockAndLevel(db, record).start
            do {
                let transaction = try LedgerTransaction(db: db, metadata: metadata, recordedAt: clock.now(), ids: ids)
                transaction.record = record
                value = try body(transaction)
                try transaction.finish()
                var commit = transaction.forRecord
                commit.events = try SQLiteLog.eventsAfter(db, start)
                try record.commit(commit)
            } catch {
                record.rollback()
                throw error
            }
        } catch {
            try? db.rollback()
            throw error
        }
        commitCopy(db)
        return value
    }

    /// Commits the copy's transaction once the record has committed it. The command is done
    /// then, whatever the file says: if its commit fails (a full disk, an I/O error), the copy is
    /// rolled back and its next catch-up copies the events in from the record, as after a crash
    /// between the two commits.
    static func commitCopy(_ db: Database) {
        do {
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            try? db.rollback()
        }
    }
}

/// The record a ledger follows (`Ledger.follow`), behind the ledger's lock, with the head check
/// its reads share.
struct FollowedRecord: Sendable {
    let record: any LogOfRecord
    let heads: HeadCheck
    init(_ record: any LogOfRecord) {
        self.record = record
        self.heads = HeadCheck { try await record.recordHead() }
    }
}
