import GRDB
import GRDBSQLite
import Synchronization

/// Group commit: the commands that arrive while a commit is being made durable wait, and are then
/// committed together in one transaction, so one fsync serves all of them.
///
/// - Each command of a group runs inside its own savepoint: a command that throws (a refusal, a
///   stale expected version, any error) is rolled back to its savepoint alone, leaving nothing in
///   the log, the projections or the side tables, and the commands after it still run.
/// - The group ends with one `COMMIT` (`synchronous=FULL`). Every caller is answered, with its own
///   value or its own error, only after that commit returned; if the commit fails, every command
///   of the group gets the commit's error.
/// - Order in the log is the order commands took the writer: a group runs its commands in the
///   order they queued, each deciding on the state the ones before it left.
/// - No command waits for company: a group is made of the commands already queued when the writer
///   takes them, and a command that finds nothing in flight runs at once (`Ledger.write`). On a
///   ledger following a log of record, the commands that queue while the group waits for the
///   record's lock (another node's commit) join it once it has the lock.
///
/// A group runs on GRDB's writer queue (its asynchronous access), one at a time; when it is
/// committed and answered, the commands that queued meanwhile form the next group.
final class GroupCommit: Sendable {
    /// One command waiting for a group.
    struct Command: Sendable {
        /// Runs the command in the group's open transaction and says what it left.
        let run: @Sendable (Database) -> Ran
        /// Answers the caller with `error` for a command that did not run.
        let fail: @Sendable (any Error) -> Void
        /// Set when the caller's task is cancelled: a command not yet run then is not run at all.
        let cancelled: CancellationFlag
        /// The log of record the ledger follows, or nil: a following group locks its head, runs
        /// on the copy brought level, and commits there before the copy commits.
        var record: (any LogOfRecord)? = nil
    }

    /// Whether a waiting command's caller was cancelled.
    final class CancellationFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        func set() { flag.store(true, ordering: .relaxed) }
        var isSet: Bool { flag.load(ordering: .relaxed) }
    }

    /// What a command left once it ran: its error if it failed, how many events it appended, and
    /// how to answer its caller once the group's commit is known.
    struct Ran: Sendable {
        var error: (any Error)?
        var appendedEvents: Int
        /// What the command kept for the log of record, beside its events.
        var forRecord = RecordCommit()
        /// Answers the caller: with the command's own value or error when `failure` is nil,
        /// otherwise with `failure`.
        let answer: @Sendable (_ failure: (any Error)?) -> Void
    }

    private struct State {
        /// A command or a group holds the writer (or a group has been handed to it).
        var writing = false
        /// Commands waiting for the next group, in the order they arrived.
        var queue: [Command] = []
    }

    private let state = Mutex(State())
    /// Whether the next group on a ledger following a record runs on the copy as it stands and
    /// commits on its head in one call (`LogOfRecord.commit(_:onHead:)`), rather than locking the
    /// record's head first (`HeadMode`).
    private let headMode = Mutex(HeadMode())

    /// Makes the next following group lock the record's head before its commands run (tests hold
    /// the record's lock with it).
    func lockRecordForNextGroup() {
        headMode.withLock { $0.lockedGroupsLeft = max($0.lockedGroupsLeft, 1) }
    }

    private let statistics = Mutex(GroupCommitStatistics())

    /// Takes the writer for a lone command when nothing is in flight or queued; the caller then
    /// runs its command and must call `endAlone` after it.
    func beginAlone() -> Bool {
        state.withLock { state in
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
    }

    /// Releases the writer after a lone command (`beginAlone`), or hands it to the commands that
    /// queued meanwhile.
    func endAlone(_ writer: any DatabaseWriter) {
        handOff(writer)
    }

    /// Queues `command` for the next group, starting one if the writer is idle.
    func submit(_ command: Command, _ writer: any DatabaseWriter) {
        let starts = state.withLock { state in
            state.queue.append(command)
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        if starts { runNextGroup(writer) }
    }

    /// The commit of a transaction of `commands` commands (a lone command is a group of one).
    func record(commands: Int, onHead: Bool = false) {
        statistics.withLock { $0.add(group: commands, onHead: onHead) }
    }

    /// The groups committed so far.
    var committed: GroupCommitStatistics { statistics.withLock { $0 } }

    /// Gives the writer to the queued commands, or leaves it idle when none are.
    private func handOff(_ writer: any DatabaseWriter) {
        let next = state.withLock { state in
            if state.queue.isEmpty { state.writing = false }
            return state.writing
        }
        if next { runNextGroup(writer) }
    }

    /// Runs the commands queued when the writer takes them as one group, then hands off.
    private func runNextGroup(_ writer: any DatabaseWriter) {
        writer.asyncWriteWithoutTransaction { db in
            let queued = self.state.withLock { state in
                defer { state.queue.removeAll(keepingCapacity: true) }
                return state.queue
            }
            // A command whose caller was cancelled while it waited is not run.
            var group: [Command] = [], dropped: [Command] = []
            for command in queued {
                if command.cancelled.isSet { dropped.append(command) } else { group.append(command) }
            }
            let (answer, leftOver) = self.commit(group, db)
            if !leftOver.isEmpty { self.state.withLock { $0.queue.insert(contentsOf: leftOver, at: 0) } }
            // The writer is handed on before the callers hear: a caller that writes again once
            // answered finds it idle when nothing else is queued.
            self.handOff(writer)
            for command in dropped { command.fail(CancellationError()) }
            answer()
        }
    }

    /// Runs `group` in one `IMMEDIATE` transaction, each command in a savepoint when there is more
    /// than one, and commits once. Returns how to answer every caller (called once the commit is
    /// known) and the commands it did not run (the transaction was lost before them), which wait
    /// for the next group.
    ///
    /// On a ledger following a log of record, the group locks the record's head once, brings
    /// the copy level, runs its commands on the copy, and hands the record every event and
    /// everything kept beside them in one commit (`LogOfRecord.commit`) before the copy commits:
    /// one round of the record's lock and one commit there for the whole group. Commands only
    /// read the record while they run, so a command rolled back to its savepoint leaves nothing
    /// there.
    private func commit(_ group: [Command], _ db: Database, underLock: Bool = false) -> (answer: () -> Void, leftOver: [Command]) {
        guard let first = group.first else { return ({}, []) }
        // Commands for a record and for the file alone (queued before `follow`) are not mixed.
        let followed = first.record
        let alike = group.prefix { ($0.record == nil) == (followed == nil) }.count
        if alike < group.count {
            let (answer, leftOver) = commit(Array(group.prefix(alike)), db)
            return (answer, leftOver + group.dropFirst(alike))
        }
        do {
            try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        } catch {
            return ({ for command in group { command.fail(error) } }, [])
        }
        var start: Int64 = 0
        var group = group
        // The copy's head when the group runs on it as it stands, to commit on (no lock taken);
        // otherwise the record whose head the group holds locked.
        var onHead: LogHead?
        var locked: (any LogOfRecord)?
        if let followed {
            do {
                if !underLock, headMode.withLock({ $0.decidesOnHead }) {
                    onHead = try Ledger.copyHead(db)
                    start = onHead?.position ?? 0
                } else {
                    let (level, wasLevel) = try Ledger.lockAndLevel(db, followed)
                    (start, locked) = (level, followed)
                    headMode.withLock { $0.locked(foundLevel: wasLevel) }
                }
            } catch {
                Self.rollBack(db)
                return ({ for command in group { command.fail(error) } }, [])
            }
            // The lock was a wait on another node's commit: the commands that queued during it
            // join this group, which has paid for the lock, rather than wait for a lock of their own.
            if locked != nil { group += lateCommands() }
        }
        let alone = group.count == 1
        var ran: [Ran] = []
        ran.reserveCapacity(group.count)
        for (index, command) in group.enumerated() {
            do {
                if !alone { try db.cachedStatement(sql: "SAVEPOINT command").execute() }
            } catch {
                return lose(ran, to: error, db, locked, leaving: group[index...])
            }
            let outcome = command.run(db)
            ran.append(outcome)
            if let error = outcome.error, !Self.inTransaction(db) {
                // SQLite gave the whole transaction up under this command (an I/O error, a full
                // disk): the commands before it lost their work with it.
                return lose(ran, to: error, db, locked, leaving: group[(index + 1)...])
            }
            guard !alone else { continue }
            do {
                if outcome.error != nil { try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT command").execute() }
                try db.cachedStatement(sql: "RELEASE SAVEPOINT command").execute()
            } catch {
                return lose(ran, to: error, db, locked, leaving: group[(index + 1)...])
            }
        }
        let anyKept = ran.contains { $0.error == nil }
        // Refusals decided on a copy as it stood are answered once the record's head is known to
        // be that copy's: a group of them commits nothing on the head, to check it.
        guard anyKept || onHead != nil else {
            locked?.rollback()
            Self.rollBack(db)
            return ({ for outcome in ran { outcome.answer(nil) } }, [])
        }
        do {
            let events = ran.reduce(0) { $0 + $1.appendedEvents }
            if events > 0 { try Ledger.setWALCheckpoint(db, forEvents: events) }
            if let followed {
                var commit = RecordCommit()
                for outcome in ran where outcome.error == nil { commit.add(outcome.forRecord) }
                // A lone command is not in a savepoint: refused, its events are still in the
                // copy's transaction, and none of them may reach the record.
                commit.events = anyKept ? try SQLiteLog.eventsAfter(db, start) : []
                if let onHead {
                    guard try followed.commit(commit, onHead: onHead) else {
                        // Another node moved the record after the copy's head: what the commands
                        // decided on the copy may not hold. The group runs again, under the lock,
                        // on the copy brought level; its callers hear only that run's answers.
                        Self.rollBack(db)
                        headMode.withLock { $0.headMoved() }
                        statistics.withLock { $0.ranAgain += 1 }
                        return self.commit(group, db, underLock: true)
                    }
                } else {
                    try followed.commit(commit)
                }
            }
        } catch {
            return lose(ran, to: error, db, locked, leaving: [])
        }
        if followed != nil {
            // The record holds the group durably: the callers hear their answers whatever the file says.
            guard anyKept else {
                Self.rollBack(db)
                return ({ for outcome in ran { outcome.answer(nil) } }, [])
            }
            Ledger.commitCopy(db)
        } else {
            do {
                try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            } catch {
                return lose(ran, to: error, db, nil, leaving: [])
            }
        }
        if onHead != nil { headMode.withLock { $0.committedOnHead() } }
        record(commands: group.count, onHead: onHead != nil)
        return ({ for outcome in ran { outcome.answer(nil) } }, [])
    }

    /// The commands for a log of record queued since the group was taken, in the order they
    /// queued; the ones whose callers were cancelled meanwhile hear so and are not run. Commands
    /// for the file alone stay queued for a group of their own.
    private func lateCommands() -> [Command] {
        let late = state.withLock { state in
            let joining = state.queue.prefix { $0.record != nil }.count
            defer { state.queue.removeFirst(joining) }
            return Array(state.queue.prefix(joining))
        }
        var joining: [Command] = []
        for command in late {
            if command.cancelled.isSet { command.fail(CancellationError()) } else { joining.append(command) }
        }
        return joining
    }

    /// The group's transaction is lost to `error` (its commit failed, or SQLite gave it up under
    /// a command): rolls back what is left of it, on the log it follows too; every command that
    /// ran is answered with `error`, and the commands `notRun` wait for the next group (or, when
    /// none ran, hear `error` too).
    private func lose(
        _ ran: [Ran], to error: any Error, _ db: Database, _ followed: (any LogOfRecord)?, leaving notRun: ArraySlice<Command>
    ) -> (answer: () -> Void, leftOver: [Command]) {
        followed?.rollback()
        Self.rollBack(db)
        // Lost before any command ran: they all hear of it, so a fault that recurs cannot keep
        // a group going round.
        guard !ran.isEmpty else { return ({ for command in notRun { command.fail(error) } }, []) }
        return ({ for outcome in ran { outcome.answer(error) } }, Array(notRun))
    }

    private static func inTransaction(_ db: Database) -> Bool {
        guard let connection = db.sqliteConnection else { return false }
        return sqlite3_get_autocommit(connection) == 0
    }

    private static func rollBack(_ db: Database) {
        // Whatever failed is the error that tells what happened; a rollback of a transaction
        // SQLite already gave up has nothing to say.
        try? db.rollback()
    }
}

/// When a following ledger's groups decide on the copy as it stands and commit on the record's
/// head, and when they lock the head first. On the head while the copy was level at the last lock
/// (a node writing alone). A group that finds the head moved (another node wrote) runs again
/// under the lock, and the groups after it lock first until as many of them in a row as the
/// backoff says have found the copy level; each moved head doubles the backoff (up to 256), each
/// commit on the head resets it. Nodes writing at once thus rarely run a group twice, and a node
/// left alone is back on the head after a lock or two.
struct HeadMode {
    /// Locked groups that must find the copy level before a group commits on the head again.
    var lockedGroupsLeft = 0
    /// How many such groups the next moved head asks for, halved.
    var backoff = 1

    var decidesOnHead: Bool { lockedGroupsLeft == 0 }

    mutating func locked(foundLevel: Bool) {
        lockedGroupsLeft = foundLevel ? max(0, lockedGroupsLeft - 1) : max(lockedGroupsLeft, 1)
    }

    mutating func headMoved() {
        backoff = min(backoff * 2, 256)
        lockedGroupsLeft = backoff
    }

    mutating func committedOnHead() {
        backoff = 1
    }
}

/// How many transactions the ledger's commands were committed in, and how many commands they
/// held: a lone command is a group of one.
public struct GroupCommitStatistics: Sendable, Equatable {
    /// Transactions committed by `Ledger.write`.
    public var groups = 0
    /// Commands in them.
    public var commands = 0
    /// The most commands one transaction held.
    public var largestGroup = 0
    /// On a ledger following a log of record: the groups committed on the record's head as the
    /// copy stood, without locking it first (`LogOfRecord.commit(_:onHead:)`).
    public var onHead = 0
    /// Groups run a second time, under the record's lock, because another node had moved the
    /// record after the copy's head.
    public var ranAgain = 0

    /// Commands per transaction on average (0 before the first).
    public var commandsPerGroup: Double { groups == 0 ? 0 : Double(commands) / Double(groups) }

    mutating func add(group size: Int, onHead committedOnHead: Bool) {
        groups += 1
        commands += size
        largestGroup = max(largestGroup, size)
        if committedOnHead { onHead += 1 }
    }
}

extension Result {
    /// The error of a failure, nil for a success.
    var error: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
