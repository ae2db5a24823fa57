public import PeerLedger
import PeerLedgerDomain
import PostgresNIO

/// The PostgreSQL log as the log of record that ledger files follow (`Ledger.follow`): each node
/// keeps a copy of the log and its projections in its own file, decides a command on that copy
/// under this log's head lock, and commits the command's events here first.
///
/// The transaction's calls run on the following ledger's writer, one command at a time, on the
/// store's writer connection: a store a ledger follows takes no appends of its own (`append`).
extension PostgresEventStore: LogOfRecord {
    public var location: String { shownLocation }

    public func lock() throws -> LogHead {
        do {
            guard let row = try begin(then: [Self.headLock])[0].first else {
                throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
            }
            let (position, hash, _) = try row.decode((Int64, String, String).self)
            return LogHead(position: position, hash: hash)
        } catch {
            rollback()
            throw error
        }
    }

    public func lock(readingAfter position: Int64, limit: Int) throws -> (head: LogHead, tail: RecordTail) {
        do {
            // One statement under the lock, the lock's own (`Migrations/postgres/0008_lock_and_tail.sql`):
            // it reads the tail once the lock is granted, so it sees every commit before it, and
            // nothing can commit between the head and it.
            let rows = try begin(then: ["SELECT * FROM log_lock_and_tail(\(position), \(Int64(max(1, limit))))"])
            guard let first = rows.first?.first else {
                throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
            }
            let (headPosition, hash) = try first.decode((Int64, String).self)
            return (LogHead(position: headPosition, hash: hash), try Self.tail(rows[0], after: 2))
        } catch {
            rollback()
            throw error
        }
    }

    public func tail(after position: Int64, limit: Int) throws -> RecordTail {
        // One statement, since each is a round trip of its own (postgres-nio sends a connection's
        // next statement once the last is answered).
        try Self.tail(try read(onWriter: "SELECT * FROM log_tail(\(position), \(Int64(max(1, limit))))"), after: 0)
    }

    /// Runs a read on the writer's connection: in the open transaction, or outside one (a
    /// catch-up, a group deciding on its copy before a commit on the head), where it may open a
    /// lost connection again and runs once more on a new one when the loss shows only now
    /// (reads change nothing).
    private func read(onWriter query: PostgresQuery) throws -> PostgresQueryResult {
        guard !transactionOpen.withLock({ $0 }) else { return try execute(query) }
        return try onLiveWriter { try execute(query) }
    }

    /// The tail the rows of `log_tail` give, its columns after the first `skipped` of each row:
    /// an event's (null on the row of a tail without events), the hash at the copy's head, and,
    /// on the first row, the secrets and mail kept with the events as JSON arrays.
    private static func tail(_ rows: PostgresQueryResult, after skipped: Int) throws -> RecordTail {
        var tail = RecordTail(events: [], secrets: [], mail: [], hashAtCopyHead: nil)
        for row in rows {
            let cells = Array(row).dropFirst(skipped)
            guard cells.count == 14 else { throw PostgresStoreError(message: "a tail row has \(cells.count) columns, not 14") }
            var column = cells.makeIterator()
            func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
                guard let cell = column.next() else { throw PostgresStoreError(message: "a tail row ended early") }
                return try cell.decode(T.self)
            }
            let position = try next(Int64?.self), stream = try next(String?.self), version = try next(Int64?.self)
            let type = try next(String?.self), schemaVersion = try next(Int?.self), payload = try next(String?.self)
            let metadata = try next(String?.self), recordedAt = try next(String?.self), prevHash = try next(String?.self)
            let hash = try next(String?.self)
            _ = try next(Int64?.self)  // previous_in_stream: a copy finds it again from its own stream heads
            tail.hashAtCopyHead = try next(String?.self)
            if let secrets = try next(String?.self) { tail.secrets = try keptSecrets(secrets) }
            if let mail = try next(String?.self) { tail.mail = try keptMail(mail) }
            guard let position else { continue }
            guard let stream, let version, let type, let schemaVersion, let payload, let metadata, let recordedAt, let prevHash, let hash
            else { throw PostgresStoreError(message: "event \(position) of the log has an empty column: the schema is damaged") }
            tail.events.append(RecordedEvent(
                position: position, stream: stream, streamVersion: version, type: type, schemaVersion: schemaVersion,
                payload: payload, metadata: metadata, recordedAt: recordedAt, prevHash: prevHash, hash: hash))
        }
        return tail
    }

    /// The secrets a tail carries, `[[ref, value], ...]`.
    private static func keptSecrets(_ text: String) throws -> [(ref: String, value: String)] {
        try kept(text, "secrets", columns: 2).map { (ref: $0[0], value: $0[1]) }
    }

    /// The mail a tail carries, `[[request_id, message_id, sender, recipients, message, queued_at], ...]`.
    private static func keptMail(_ text: String) throws -> [QueuedMail] {
        try kept(text, "mail", columns: 6).map { columns in
            guard let requestID = Int64(columns[0]) else {
                throw PostgresStoreError(message: "the log's mail has a request id that is not a number: \(columns[0])")
            }
            return QueuedMail(
                requestID: requestID, messageID: columns[1],
                mail: OutgoingMail(
                    sender: columns[2], recipients: (try? JSON.parse(columns[3]))?.arrayValue?.compactMap(\.stringValue) ?? [],
                    message: columns[4]),
                queuedAt: columns[5])
        }
    }

    /// The rows of a JSON array of arrays of `columns` strings, as PostgreSQL's `json_agg` wrote them.
    private static func kept(_ text: String, _ what: String, columns: Int) throws -> [[String]] {
        guard let rows = (try? JSON.parse(text))?.arrayValue else {
            throw PostgresStoreError(message: "the log's \(what) came back as something other than a JSON array")
        }
        return try rows.map { row in
            let values = row.arrayValue?.compactMap(\.stringValue) ?? []
            guard values.count == columns else {
                throw PostgresStoreError(message: "the log's \(what) came back with a row of \(values.count) values, not \(columns)")
            }
            return values
        }
    }

    public func idempotencyRecord(actor: String, key: String) throws -> (fingerprint: String, answer: String)? {
        let query: PostgresQuery = "SELECT fingerprint, answer FROM idempotency_keys WHERE actor = \(actor) AND key = \(key)"
        guard let row = try read(onWriter: query).first else { return nil }
        let (fingerprint, answer) = try row.decode((String, String).self)
        return (fingerprint, answer)
    }

    public func commit(_ commit: RecordCommit) throws {
        do {
            let firstPosition = commit.events.first?.position
            var queries: [PostgresQuery] = commit.secrets.map { secret in
                "INSERT INTO secrets (ref, value, position) VALUES (\(secret.ref), \(secret.value), \(firstPosition))"
            }
            for queued in commit.mail {
                let recipients = JSON.array(queued.mail.recipients.map(JSON.string)).serialized()
                queries.append("""
                    INSERT INTO outbox_mail (request_id, message_id, sender, recipients, message, queued_at, position)
                    VALUES (\(queued.requestID), \(queued.messageID), \(queued.mail.sender), \(recipients), \(queued.mail.message),
                            \(queued.queuedAt), \(firstPosition ?? 0))
                    """)
            }
            if !commit.events.isEmpty { queries.append(Self.insert(commit.events)) }
            for idempotency in commit.idempotency {
                queries.append("""
                    INSERT INTO idempotency_keys (actor, key, fingerprint, answer, position)
                    VALUES (\(idempotency.actor), \(idempotency.key), \(idempotency.fingerprint), \(idempotency.answer),
                            \(idempotency.position))
                    """)
            }
            for cursor in commit.webhookCursors {
                queries.append("""
                    INSERT INTO webhook_cursors (webhook_id, position) VALUES (\(cursor.webhookID), \(cursor.position))
                    ON CONFLICT (webhook_id) DO UPDATE SET position = GREATEST(webhook_cursors.position, excluded.position)
                    """)
            }
            // The commit handed over with the inserts: the writer waits once. Were one refused, the server
            // answers the COMMIT of the aborted transaction with ROLLBACK, and the refusal is thrown.
            queries.append("COMMIT")
            let ended = try executePipelined(queries)
            transactionOpen.withLock { $0 = false }
            guard ended?.metadata.command == "COMMIT" else {
                throw PostgresStoreError(message: "the commit was answered \(ended?.metadata.command ?? "with nothing"): nothing was kept")
            }
        } catch {
            rollback()
            throw error
        }
    }

    public func commit(_ commit: RecordCommit, onHead head: LogHead) throws -> Bool {
        guard !transactionOpen.withLock({ $0 }) else {
            throw PostgresStoreError(message: "a commit on the head is made outside a transaction, not inside the one `lock` began")
        }
        // Never sent twice: a call that may have committed is settled, not repeated.
        try reopenWriterIfLost()
        let connection = writer
        do {
            guard let row = try execute(Self.commitOnHead(commit, head)).first else {
                throw PostgresStoreError(message: "log_commit_on_head answered no row")
            }
            let committed = try row.decode(Bool?.self)
            guard let committed else { throw PostgresStoreError(message: "log_commit_on_head answered neither committed nor moved") }
            return committed
        } catch {
            guard Self.ended(connection, by: error) else { throw error }
            return try settledAfterLoss(commit.events.first)
        }
    }

    /// Whether a commit on the head whose answer was lost with its connection committed: under
    /// the head's lock, taken on a new connection, the call's transaction has ended either way
    /// (its backend holds the lock until then), and the log holds `first` or it does not. The
    /// caller runs the commands again under the lock when it does not: a commit of no events
    /// counts as not made, as it kept nothing.
    private func settledAfterLoss(_ first: RecordedEvent?) throws -> Bool {
        guard let first else { return false }
        // The lock and the read after it, as a node's group takes them (`log_lock_and_tail`).
        let (_, tail) = try lock(readingAfter: first.position - 1, limit: 1)
        rollback()
        return tail.events.first?.hash == first.hash
    }

    /// The call that commits `commit` if the head is `head` (`Migrations/postgres/0011_commit_on_head.sql`).
    static func commitOnHead(_ commit: RecordCommit, _ head: LogHead) -> PostgresQuery {
        let (events, mail) = (commit.events, commit.mail)
        let recipients = mail.map { JSON.array($0.mail.recipients.map(JSON.string)).serialized() }
        let (keys, cursors) = (commit.idempotency, commit.webhookCursors)
        return """
            CALL log_commit_on_head(
                \(head.position), \(head.hash),
                \(events.map(\.position)), \(events.map(\.stream)), \(events.map(\.streamVersion)), \(events.map(\.type)),
                \(events.map { Int64($0.schemaVersion) }), \(events.map(\.payload)), \(events.map(\.metadata)),
                \(events.map(\.recordedAt)), \(events.map(\.prevHash)), \(events.map(\.hash)),
                \(commit.secrets.map(\.ref)), \(commit.secrets.map(\.value)),
                \(mail.map(\.requestID)), \(mail.map(\.messageID)), \(mail.map(\.mail.sender)), \(recipients),
                \(mail.map(\.mail.message)), \(mail.map(\.queuedAt)),
                \(keys.map(\.actor)), \(keys.map(\.key)), \(keys.map(\.fingerprint)), \(keys.map(\.answer)), \(keys.map(\.position)),
                \(cursors.map(\.webhookID)), \(cursors.map(\.position)), NULL)
            """
    }

    public func rollback() {
        // Outside a transaction (the commit's own failure ended it) this is a warning, not an error.
        _ = try? end("ROLLBACK")
    }

    public func recordHead() async throws -> LogHead { try await head() }

    public var consoleSessions: (any SharedConsoleSessions)? { PostgresConsoleSessions(store: self) }

    public func webhookCursors() async throws -> [Int64: Int64] {
        let rows = try await read("SELECT webhook_id, position FROM webhook_cursors")
        return try Dictionary(rows.map { try $0.decode((Int64, Int64).self) }, uniquingKeysWith: max)
    }
}
