import Foundation
import Synchronization
import Logging
public import PeerLedger
public import PeerLedgerDomain
import NIOPosix
import PostgresNIO

/// The event store on PostgreSQL: the log, its stream heads, secrets and idempotency records, with
/// the same positions, versions, bytes and hashes as SQLite's `Ledger` gives. Projections are not
/// kept here (yet): this is the log alone, and it passes the event-store conformance suite.
///
/// Two connections: appends run on a writer connection from a thread of their own (`WriterThread`),
/// since `EventAppender` is synchronous; reads run on a reader connection with async calls.
///
/// An append locks the one row of `log_head` (`SELECT ... FOR UPDATE`) before anything else, so
/// appends from every connection and every process are serialized, as on SQLite's single writer:
/// positions are assigned gap-free inside the transaction, as the head's plus one. The lock is
/// held until the commit, so the log's write rate is one transaction per round trips + commit.
public final class PostgresEventStore: EventStore {
    /// An append waiting for a group: `run` runs it in the group's open transaction from a head
    /// and gives the head after it with how to answer its caller once the commit is known (nil:
    /// committed); `fail` answers a caller whose command did not run or was rolled back.
    private struct QueuedAppend: Sendable {
        let run: @Sendable (GroupHead) throws -> (GroupHead, @Sendable ((any Error)?) -> Void)
        let fail: @Sendable (any Error) -> Void
    }

    /// The log's head inside a group's transaction, with the time of its last event.
    private struct GroupHead: Sendable {
        var log: LogHead
        var time: Timestamp?
    }

    public typealias Appender = PostgresAppender

    public let clock: any LedgerClock
    public let ids: any IDGenerator
    /// The writer's connection and the wait for its answers, replaced together when the server
    /// ended the connection (`reopenWriterIfLost`).
    private let writerLink: Mutex<WriterLink>
    /// The reader's connection, replaced when the server ended it (`reader()`).
    private let readerLink: Mutex<PostgresConnection>
    /// Whether the writer's connection is inside a transaction: a lost connection is replaced
    /// only outside one, so no command goes on without the lock its transaction took.
    let transactionOpen = Mutex(false)
    /// Where and how the store connects: `logHeads` and connections opened again use it.
    private let target: PostgresStoreTarget
    /// The database as people see it named: `postgres://USER@HOST:PORT/DB`, never a password.
    var shownLocation: String { target.description }
    private let writerThread: WriterThread
    /// Appends waiting for the writer thread's next group (`commitQueuedAppends`).
    private let queuedAppends = Mutex<[QueuedAppend]>([])
    private let logger: Logger

    private init(
        writer: PostgresConnection, reader: PostgresConnection, target: PostgresStoreTarget,
        clock: any LedgerClock, ids: any IDGenerator, logger: Logger
    ) {
        self.writerLink = Mutex(WriterLink(connection: writer, answers: AnswerWait(connection: writer, limit: Self.answerLimit)))
        self.readerLink = Mutex(reader)
        self.target = target
        self.clock = clock
        self.ids = ids
        self.logger = logger
        self.writerThread = WriterThread(name: "peerledger-postgres-writer")
    }

    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]...]/DB?sslmode=disable`,
    /// see `PostgresStoreTarget`) and applies the migrations it lacks.
    public static func connect(
        url: String, clock: any LedgerClock = SystemClock(), ids: any IDGenerator = RandomIDs()
    ) async throws -> PostgresEventStore {
        try await connect(target: PostgresStoreTarget(url: url), clock: clock, ids: ids)
    }

    /// Connects to `target` and applies the migrations the database lacks.
    public static func connect(
        target: PostgresStoreTarget, clock: any LedgerClock = SystemClock(), ids: any IDGenerator = RandomIDs()
    ) async throws -> PostgresEventStore {
        var logger = Logger(label: "peerledger.postgres")
        logger.logLevel = .warning
        let writer = try await target.connect(id: 1, logger: logger).connection
        let reader: PostgresConnection
        do {
            reader = try await target.connect(id: 2, logger: logger).connection
        } catch {
            try? await writer.close()
            throw error
        }
        do {
            try await PostgresMigrator.migrate(writer, migrations: Migration.postgres, now: clock.now(), logger: logger)
        } catch {
            try? await writer.close()
            try? await reader.close()
            throw error
        }
        return PostgresEventStore(writer: writer, reader: reader, target: target, clock: clock, ids: ids, logger: logger)
    }

    /// Closes both connections and ends the writer thread, after the appends already handed in.
    public func close() async {
        writerThread.stop()
        try? await writer.close()
        try? await readerLink.withLock { $0 }.close()
    }

    // MARK: Connections lost and opened again

    private struct WriterLink: Sendable {
        var connection: PostgresConnection
        var answers: AnswerWait
    }

    /// The writer's connection now (also to tell afterwards whether a call's failure was its loss, `ended`).
    var writer: PostgresConnection { writerLink.withLock { $0.connection } }
    private var answers: AnswerWait { writerLink.withLock { $0.answers } }

    /// Opens the writer's connection again when the server ended it: PostgreSQL restarted, a
    /// failover moved the address the store connects to (a virtual IP, a DNS name, a proxy in
    /// front of the primary), or an administrator ended the session. Called on the writing
    /// thread before a transaction begins, never inside one. A server still unreachable fails
    /// this command with the reason, and the next command tries again.
    func reopenWriterIfLost() throws {
        guard writer.isClosed else { return }
        let (target, logger) = (self.target, self.logger)
        let opened = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: (PostgresConnection, PostgresStoreTarget.Server).self)
        opened.completeWithTask { try await target.connect(id: 1, logger: logger) }
        let (fresh, server) = try opened.futureResult.wait()
        writerLink.withLock { $0 = WriterLink(connection: fresh, answers: AnswerWait(connection: fresh, limit: Self.answerLimit)) }
        logger.warning("the writer's connection to \(shownLocation) was lost; a new one is open to \(server)")
    }

    /// `BEGIN` on the writer's connection and the transaction's first statements `first` (the
    /// head's lock, and what is read under it), handed over together: the writer waits once. (On
    /// the wire each statement is still a round trip of its own: postgres-nio sends a connection's
    /// next statement once the last is answered, from its event loop.) The connection is
    /// opened again first if it was lost, and once more when the loss shows only now (nothing of
    /// the transaction can have committed). Returns the answers to `first`, in order.
    func begin(then first: [PostgresQuery]) throws -> [PostgresQueryResult] {
        try onLiveWriter { try sendBegin(then: first) }
    }

    /// Runs `work`, which starts nothing that can commit, on the writer's connection, opened
    /// again first if it was lost; when `work` fails because the server ended the connection
    /// (`ended`), it runs once more on a new one.
    func onLiveWriter<T>(_ work: () throws -> T) throws -> T {
        try reopenWriterIfLost()
        let connection = writer
        do {
            return try work()
        } catch {
            guard Self.ended(connection, by: error) else { throw error }
            try? connection.close().wait()
            try reopenWriterIfLost()
            return try work()
        }
    }

    /// Whether `error` says the server ended `connection`: it is closed, or the server's last
    /// words came first (an administrator's `pg_terminate_backend` or a shutdown, SQLSTATE
    /// class 57, or a connection exception, class 08), before postgres-nio saw it close.
    static func ended(_ connection: PostgresConnection, by error: any Error) -> Bool {
        if connection.isClosed { return true }
        guard let state = (PostgresStoreError.readable(error) as? PostgresStoreError)?.sqlState else { return false }
        return state.hasPrefix("57P") || state.hasPrefix("08")
    }

    private func sendBegin(then first: [PostgresQuery]) throws -> [PostgresQueryResult] {
        let (connection, answers) = writerLink.withLock { ($0.connection, $0.answers) }
        let began = connection.query("BEGIN", logger: logger)
        let sent = first.map { connection.query($0, logger: logger) }
        do {
            _ = try answers.answer(began)
            transactionOpen.withLock { $0 = true }
            return try sent.map { try answers.answer($0) }
        } catch {
            throw PostgresStoreError.readable(error)
        }
    }

    /// Ends the writer's transaction with `statement` (`COMMIT` or `ROLLBACK`).
    func end(_ statement: PostgresQuery) throws {
        defer { transactionOpen.withLock { $0 = false } }
        try execute(statement)
    }

    /// The reader's connection, opened again if the server ended it. Two reads that find it lost
    /// at once may both connect; the first to finish is kept and the other closed.
    private func reader() async throws -> PostgresConnection {
        let current = readerLink.withLock { $0 }
        guard current.isClosed else { return current }
        let (fresh, server) = try await target.connect(id: 2, logger: logger)
        let kept = readerLink.withLock { link in
            if link === current { link = fresh }
            return link
        }
        if kept === fresh {
            logger.warning("the reader's connection to \(shownLocation) was lost; a new one is open to \(server)")
        } else {
            try? await fresh.close()
        }
        return kept
    }

    /// Runs `read` on the reader's connection; a read that failed because the connection was lost
    /// runs once more on a new one (a read changes nothing, so it is safe to run again).
    private func reading<T>(_ read: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await reader()
        do {
            return try await read(connection)
        } catch {
            guard Self.ended(connection, by: error) else { throw error }
            try? await connection.close()
            return try await read(try await reader())
        }
    }

    /// Whether the reader's connection runs over TLS, as the server sees it (`pg_stat_ssl`).
    package func usesTLS() async throws -> Bool {
        try await read("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.decode(Bool.self) ?? false
    }

    // MARK: Appending

    /// How long an append waits for each of the server's answers (a commit waiting for a
    /// synchronous standby included) before it gives up and closes the writer's connection.
    static let answerLimit: Duration = .seconds(60)

    public func append<T: Sendable>(
        _ metadata: EventMetadata, idempotency: IdempotencyKey? = nil, record: @escaping @Sendable (T) -> String = { _ in "" },
        _ body: @escaping @Sendable (PostgresAppender) throws -> T
    ) async throws -> Appended<T> {
        let now = clock.now()
        return try await withCheckedThrowingContinuation { continuation in
            let command = QueuedAppend(
                run: { [self] head in
                    let (appended, after) = try runCommand(
                        metadata, now: now, head: head, idempotency: idempotency, record: record, body)
                    return (after, { failure in continuation.resume(with: failure.map { .failure($0) } ?? .success(appended)) })
                },
                fail: { continuation.resume(throwing: $0) })
            queuedAppends.withLock { $0.append(command) }
            writerThread.submit { [self] in commitQueuedAppends() }
        }
    }

    /// Group commit, as the SQLite ledger does it: every append queued when the writer thread
    /// gets to them runs in one transaction under one lock of `log_head`, each in a savepoint of
    /// its own when there are several (a command that throws is rolled back alone and answered
    /// with its error; the others go on), and one `COMMIT` makes them all durable: one flush,
    /// one wait for a synchronous standby, for the whole group. Callers are answered after the
    /// commit; if it fails, every command of the group gets its error. The order in the log is
    /// the order the appends queued; a lone append runs at once, with no savepoint.
    private func commitQueuedAppends() {
        let group = queuedAppends.withLock { queued in
            defer { queued = [] }
            return queued
        }
        guard !group.isEmpty else { return }
        let savepoints = group.count > 1
        var replies: [@Sendable ((any Error)?) -> Void] = []
        do {
            // From the head's lock to the commit, this transaction is the log's only writer.
            guard let row = try begin(then: [Self.headLock])[0].first else {
                throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
            }
            let (position, hash, time) = try row.decode((Int64, String, String).self)
            var head = GroupHead(log: LogHead(position: position, hash: hash), time: Timestamp(parsing: time))
            for command in group {
                // Sent without waiting: the connection answers in order, so the command's first
                // answer comes after the savepoint's. Savepoints of one name stack, and a rollback
                // to it undoes the latest, so none needs releasing.
                let savepoint = savepoints ? writer.query("SAVEPOINT command", logger: logger) : nil
                do {
                    let (after, reply) = try command.run(head)
                    if let savepoint { _ = try answers.answer(savepoint) }
                    head = after
                    replies.append(reply)
                } catch let refusal {
                    guard let savepoint else { throw refusal }
                    _ = try answers.answer(savepoint)
                    try execute("ROLLBACK TO SAVEPOINT command")
                    replies.append { _ in command.fail(refusal) }
                }
            }
            try end("COMMIT")
            for reply in replies { reply(nil) }
        } catch {
            // Outside a transaction this is a warning, not an error.
            _ = try? end("ROLLBACK")
            for reply in replies { reply(error) }
            for command in group.dropFirst(replies.count) { command.fail(error) }
        }
    }

    /// One command inside the group's open transaction, from `head`: its answer, and the head
    /// after it. An idempotency key already recorded repeats its first outcome and appends nothing.
    private func runCommand<T: Sendable>(
        _ metadata: EventMetadata, now: Timestamp, head: GroupHead, idempotency: IdempotencyKey?, record: (T) -> String,
        _ body: (PostgresAppender) throws -> T
    ) throws -> (Appended<T>, GroupHead) {
        if let idempotency,
            let stored = try execute(
                "SELECT fingerprint, answer FROM idempotency_keys WHERE actor = \(idempotency.actor) AND key = \(idempotency.key)"
            ).first
        {
            let (fingerprint, answer) = try stored.decode((String, String).self)
            guard fingerprint == idempotency.fingerprint else { throw LedgerError.idempotencyKeyReused(key: idempotency.key) }
            return (.repeated(outcome: answer), head)
        }
        let appender = try PostgresAppender(
            metadata: metadata, recordedAt: max(now, head.time ?? now), head: head.log, ids: ids,
            execute: { [self] in try execute($0) })
        let value = try body(appender)
        if let idempotency {
            try execute("""
                INSERT INTO idempotency_keys (actor, key, fingerprint, answer, position)
                VALUES (\(idempotency.actor), \(idempotency.key), \(idempotency.fingerprint), \(record(value)),
                        \(appender.lastPosition))
                """)
        }
        let after = appender.lastPosition == head.log.position ? head : GroupHead(log: appender.logHead, time: appender.recordedAt)
        return (.new(value), after)
    }

    /// Runs `query` on the writer connection and waits for all its rows: on the writer thread only.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> PostgresQueryResult {
        do {
            return try answers.answer(writer.query(query, logger: logger))
        } catch {
            throw PostgresStoreError.readable(error)
        }
    }

    /// Runs `queries` on the writer connection in order, handed over a batch at a time without
    /// waiting for each answer (the connection runs them in order, each sent from its event loop
    /// once the last is answered): the writer waits once per batch, not once per statement. The
    /// first error is thrown once the batch's answers are in; the transaction is then aborted, and
    /// the caller rolls it back. Returns the last query's answer.
    @discardableResult
    func executePipelined(_ queries: [PostgresQuery], batch: Int = 1_000) throws -> PostgresQueryResult? {
        var start = queries.startIndex
        var last: PostgresQueryResult?
        while start < queries.endIndex {
            let end = min(start + batch, queries.endIndex)
            last = try executeTogether(Array(queries[start..<end])).last
            start = end
        }
        return last
    }

    /// Runs `queries` on the writer connection in order, all handed over before the first answer
    /// is awaited: the writer waits once. Their answers in the same order; the first error is thrown once
    /// every answer is in.
    func executeTogether(_ queries: [PostgresQuery]) throws -> [PostgresQueryResult] {
        let (connection, answers) = writerLink.withLock { ($0.connection, $0.answers) }
        let sent = queries.map { connection.query($0, logger: logger) }
        var results: [PostgresQueryResult] = []
        var failure: (any Error)?
        for answer in sent {
            do { results.append(try answers.answer(answer)) } catch { failure = failure ?? error }
        }
        if let failure { throw PostgresStoreError.readable(failure) }
        return results
    }

    // MARK: Reading

    /// Runs `statement`, which changes a side table (not the log), on the reader's connection
    /// outside the log's transactions: opened again first if it was lost, never run twice.
    func change(_ statement: PostgresQuery) async throws {
        do {
            try await reader().query(statement, logger: logger)
        } catch {
            throw PostgresStoreError.readable(error)
        }
    }

    /// Runs `query` on the reader connection and hands back all its rows.
    func read(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await reading { reader in
                var rows: [PostgresRow] = []
                for try await row in try await reader.query(query, logger: logger) { rows.append(row) }
                return rows
            }
        } catch {
            throw PostgresStoreError.readable(error)
        }
    }

    static let columns = """
        SELECT position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash,
               previous_in_stream
        FROM events
        """

    static func event(_ row: PostgresRow) throws -> (event: RecordedEvent, previousInStream: Int64?) {
        let (position, stream, version, type, schemaVersion, payload, metadata, recordedAt, prevHash, hash, previous) =
            try row.decode((Int64, String, Int64, String, Int, String, String, String, String, String, Int64?).self)
        return (
            RecordedEvent(
                position: position, stream: stream, streamVersion: version, type: type, schemaVersion: schemaVersion,
                payload: payload, metadata: metadata, recordedAt: recordedAt, prevHash: prevHash, hash: hash),
            previous
        )
    }

    public func head() async throws -> LogHead {
        do {
            let head = try await reading { reader in
                for try await head in try await reader.execute(HeadQuery(), logger: logger) { return Optional(head) }
                return nil
            }
            if let head { return head }
        } catch {
            throw PostgresStoreError.readable(error)
        }
        throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
    }

    /// The head's lock every append and every node's group takes first: from then to its commit,
    /// the transaction is the log's only writer. Like every statement that reads `log_head`, it
    /// names the row by its key, which the table's length does not slow down (`Migrations/postgres/0013_heads_read_by_their_keys.sql`).
    static let headLock: PostgresQuery = "SELECT position, hash, recorded_at FROM log_head WHERE singleton FOR UPDATE"

    /// The log's head, a statement prepared once on the reader's connection: every read of a
    /// following node asks it (shared between the reads waiting together, `HeadCheck`), so the
    /// server binds and runs it without parsing and planning it each time.
    struct HeadQuery: PostgresPreparedStatement {
        static let sql = "SELECT position, hash FROM log_head WHERE singleton"

        func makeBindings() -> PostgresBindings { PostgresBindings() }

        func decodeRow(_ row: PostgresRow) throws -> LogHead {
            let (position, hash) = try row.decode((Int64, String).self)
            return LogHead(position: position, hash: hash)
        }
    }

    /// The log's head now, then again after every commit that moves it, whichever connection or
    /// node appended (the `peerledger_log` notification of `Migrations/postgres/0002_log_notify.sql`):
    /// how a node learns that another one wrote, to bring its read caches, its live stream and its
    /// projections level. Heads that moved while the caller was busy are folded into the next one
    /// it reads (never older than the last notification). Runs on a connection of its own, opened
    /// here and closed when the caller stops iterating; a lost connection ends the sequence with
    /// its error, and the caller decides whether to listen again.
    public func logHeads() -> AsyncThrowingStream<LogHead, any Error> {
        let (target, logger) = (self.target, self.logger)
        let (heads, continuation) = AsyncThrowingStream.makeStream(of: LogHead.self, bufferingPolicy: .bufferingNewest(1))
        let listening = Task {
            let connection: PostgresConnection
            do {
                connection = try await target.connect(id: 3, logger: logger).connection
            } catch {
                continuation.finish(throwing: error)
                return
            }
            do {
                try await connection.listen(on: "peerledger_log") { notifications in
                    // Read once LISTEN is in place, so no commit falls between the read and the first notification.
                    continuation.yield(try await Self.head(on: connection, logger: logger))
                    for try await _ in notifications {
                        continuation.yield(try await Self.head(on: connection, logger: logger))
                    }
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? nil : PostgresStoreError.readable(error))
            }
            try? await connection.close()
        }
        continuation.onTermination = { _ in listening.cancel() }
        return heads
    }

    private static func head(on connection: PostgresConnection, logger: Logger) async throws -> LogHead {
        for try await (position, hash) in try await connection.query(PostgresQuery(unsafeSQL: HeadQuery.sql), logger: logger)
            .decode((Int64, String).self)
        {
            return LogHead(position: position, hash: hash)
        }
        throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
    }

    public func events(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        let rows = try await read(
            "\(unescaped: Self.columns) WHERE position > \(position) ORDER BY position LIMIT \(Int64(max(0, limit)))")
        return try rows.map { try Self.event($0).event }
    }

    /// The events `query` matches, in log order (`peerledger audit --store`): the same filters
    /// as on SQLite, every value bound, never spliced into the SQL.
    public func events(matching query: AuditQuery) async throws -> [RecordedEvent] {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: String) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var sql = ""
        if let stream = query.stream {
            sql = Self.streamChain(bind(stream)) + " "
            clauses.append("position IN (SELECT position FROM chain)")
        }
        if let actor = query.actor { clauses.append("(metadata::jsonb ->> 'actor') = \(bind(actor))") }
        if let type = query.type { clauses.append("type = \(bind(type))") }
        if let since = query.since { clauses.append("recorded_at >= \(bind(since.iso8601))") }
        if let until = query.until { clauses.append("recorded_at <= \(bind(until.iso8601))") }
        if let after = query.afterPosition {
            binds.append(after)
            clauses.append("position > $\(binds.count)")
        }
        sql += Self.columns
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY position"
        if let limit = query.limit { sql += " LIMIT \(max(0, limit))" }
        return try await read(PostgresQuery(unsafeSQL: sql, binds: binds)).map { try Self.event($0).event }
    }

    public func events(inStream stream: String) async throws -> [RecordedEvent] {
        var binds = PostgresBindings()
        binds.append(stream)
        let sql = Self.streamChain("$1") + " " + Self.columns + " WHERE position IN (SELECT position FROM chain) ORDER BY position"
        return try await read(PostgresQuery(unsafeSQL: sql, binds: binds)).map { try Self.event($0).event }
    }

    /// `chain`: the positions of one stream's events (`placeholder` is the bind, `$n`, that names it),
    /// walked back from its head along `previous_in_stream`, one key lookup per event. The log
    /// has no index over streams (`0012_log_indexed_by_position`), as SQLite's has none.
    static func streamChain(_ placeholder: String) -> String {
        """
        WITH RECURSIVE chain (position, previous) AS (
            SELECT e.position, e.previous_in_stream FROM stream_heads h JOIN events e ON e.position = h.position
            WHERE h.stream = \(placeholder)
            UNION ALL
            SELECT e.position, e.previous_in_stream FROM chain c JOIN events e ON e.position = c.previous
        )
        """
    }

    public func secret(_ ref: String) async throws -> String? {
        try await read("SELECT value FROM secrets WHERE ref = \(ref)").first?.decode(String.self)
    }

    // MARK: Copying a log in

    /// Appends `events`, the next ones of another store's log, exactly as recorded (position,
    /// stream, version, times, hashes as given), in one transaction under the head's lock. The
    /// log's insert trigger refuses any that does not follow the head: `peerledger store copy`
    /// checks each beforehand too.
    package func appendAsRecorded(_ events: [RecordedEvent]) async throws {
        guard !events.isEmpty else { return }
        try await writerThread.run { [self] in
            try execute("BEGIN")
            do {
                _ = try execute(Self.headLock)
                _ = try execute(Self.insert(events))
                try execute("COMMIT")
            } catch {
                _ = try? execute("ROLLBACK")
                throw error
            }
        }
    }

    /// One statement that inserts `events`, the log's next events in order, as recorded: their
    /// columns bound as arrays, handed to `log_append` (`Migrations/postgres/0009_append_function.sql`),
    /// which inserts them all with one statement the server planned once for the connection.
    static func insert(_ events: [RecordedEvent]) -> PostgresQuery {
        """
        SELECT log_append(\(events.map(\.position)), \(events.map(\.stream)), \(events.map(\.streamVersion)),
                          \(events.map(\.type)), \(events.map { Int64($0.schemaVersion) }), \(events.map(\.payload)),
                          \(events.map(\.metadata)), \(events.map(\.recordedAt)), \(events.map(\.prevHash)),
                          \(events.map(\.hash)))
        """
    }

    /// Keeps secrets under the refs another store gave them.
    package func keep(secrets: [(ref: String, value: String)]) async throws {
        guard !secrets.isEmpty else { return }
        try await writerThread.run { [self] in
            try execute("BEGIN")
            do {
                for secret in secrets { try execute("INSERT INTO secrets (ref, value) VALUES (\(secret.ref), \(secret.value))") }
                try execute("COMMIT")
            } catch {
                _ = try? execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Every secret kept beside the log, by ref.
    package func allSecrets() async throws -> [(ref: String, value: String)] {
        try await read("SELECT ref, value FROM secrets ORDER BY ref").map { row in
            let (ref, value) = try row.decode((String, String).self)
            return (ref, value)
        }
    }

    // MARK: Verifying

    /// What the role `peerledger serve` connects as needs, and no more (docs/postgres.md): the
    /// owner applies the migrations; this role appends and reads. UPDATE on the heads is what
    /// `SELECT ... FOR UPDATE` and the log's insert trigger need; the heads' own triggers refuse
    /// any change the log's insert did not make.
    public static let serverRoleGrants = """
        GRANT SELECT, INSERT ON events, secrets, idempotency_keys, outbox_mail TO peerledger;
        GRANT SELECT, INSERT, UPDATE ON log_head, stream_heads, webhook_cursors TO peerledger;
        GRANT SELECT, INSERT, UPDATE, DELETE ON console_sessions, console_login_failures TO peerledger;
        GRANT SELECT ON ledger_migrations TO peerledger;
        GRANT EXECUTE ON FUNCTION log_tail(bigint, bigint), log_lock_and_tail(bigint, bigint) TO peerledger;
        GRANT EXECUTE ON FUNCTION log_append(bigint[], text[], bigint[], text[], bigint[], text[], text[], text[], text[], text[])
            TO peerledger;
        GRANT EXECUTE ON PROCEDURE log_commit_on_head(
            bigint, text, bigint[], text[], bigint[], text[], bigint[], text[], text[], text[], text[], text[], text[], text[],
            bigint[], text[], text[], text[], text[], text[], text[], text[], text[], text[], bigint[], bigint[], bigint[], boolean)
            TO peerledger;
        """

    /// The triggers that keep the log append-only and gap-free and its heads following it.
    public static let requiredTriggers = [
        "events_gap_free", "events_refuse_delete", "events_refuse_truncate", "events_refuse_update",
        "log_head_follows_log", "stream_heads_follow_log",
    ]

    /// Walks the chain with the same checks and words as SQLite's `verify` (`ChainWalk`), then the
    /// stream heads and the log's head against it; a required trigger that is missing or disabled
    /// is named.
    public func verify() async throws -> VerifyReport {
        var report = VerifyReport(events: 0, lastHash: RecordedEvent.genesisHash, firstBad: nil, missingTriggers: [])
        let enabled = try await read("""
            SELECT tgname FROM pg_trigger
            WHERE tgrelid IN ('events'::regclass, 'log_head'::regclass, 'stream_heads'::regclass)
              AND NOT tgisinternal AND tgenabled <> 'D'
            """
        ).map { try $0.decode(String.self) }
        report.missingTriggers = Self.requiredTriggers.filter { !enabled.contains($0) }

        var walk = ChainWalk()
        do {
            let rows = try await reader().query("\(unescaped: Self.columns) ORDER BY position", logger: logger)
            for try await row in rows {
                let (event, previous) = try Self.event(row)
                if let bad = walk.take(event, link: .kept(previous)) {
                    report.events = walk.events
                    report.firstBad = bad
                    return report
                }
            }
        } catch {
            throw PostgresStoreError.readable(error)
        }
        report.events = walk.events
        report.lastHash = walk.lastHash
        let heads = try await read("SELECT stream, version, position FROM stream_heads ORDER BY stream")
            .map { try $0.decode((String, Int64, Int64).self) }
        var next = heads.makeIterator()
        report.firstBad = Verifier.headsDisagreeing(with: walk.heads) { next.next().map { ($0.0, $0.1, $0.2) } }
        if report.firstBad == nil {
            let head = try await self.head()
            if head != LogHead(position: walk.events, hash: walk.lastHash) {
                report.firstBad = (
                    head.position,
                    "log_head says position \(head.position), hash \(head.hash); the log ends at position \(walk.events), hash \(walk.lastHash)"
                )
            }
        }
        return report
    }

    // MARK: For tests

    /// Runs `sql` (one or several statements) as it is, outside any append: the tests' way to act
    /// behind the store's back (alter a stored event, try an UPDATE the triggers must refuse).
    package func executeUnchecked(_ sql: String) async throws {
        do {
            try await reader().query(PostgresMigrator.script(sql), logger: logger)
        } catch {
            throw PostgresStoreError.readable(error)
        }
    }
}
