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
            guard let row = try begin(then: ["SELECT position, hash FROM log_head FOR UPDATE"])[0].first else {
                throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
            }
            let (position, hash) = try row.decode((Int64, String).self)
            return LogHead(position: position, hash: hash)
        } catch {
            rollback()
            throw error
        }
    }

    public func lock(readingAfter position: Int64, limit: Int) throws -> (head: LogHead, tail: RecordTail) {
        do {
            // The reads run after the lock is granted, in its transaction: they see every commit
            // before it, and nothing can commit between the head and them.
            let answers = try begin(then: ["SELECT position, hash FROM log_head FOR UPDATE"] + Self.tailQueries(after: position, limit: limit))
            guard let row = answers[0].first else {
                throw PostgresStoreError(message: "log_head has no row: the schema is damaged")
            }
            let (headPosition, hash) = try row.decode((Int64, String).self)
            return (LogHead(position: headPosition, hash: hash), try Self.tail(Array(answers.dropFirst())))
        } catch {
            rollback()
            throw error
        }
    }

    public func tail(after position: Int64, limit: Int) throws -> RecordTail {
        // The four reads sent together: one round trip, as a catch-up runs under the head's lock.
        let queries = Self.tailQueries(after: position, limit: limit)
        guard !transactionOpen.withLock({ $0 }) else { return try Self.tail(try executeTogether(queries)) }
        // A catch-up outside a command's transaction may open a lost connection again, and runs
        // once more on a new one when the loss shows only now (reads change nothing).
        return try onLiveWriter { try Self.tail(try executeTogether(queries)) }
    }

    /// The four reads of a tail after `position`: the hash there, at most `limit` events after
    /// it, and the secrets and mail kept with them.
    private static func tailQueries(after position: Int64, limit: Int) -> [PostgresQuery] {
        [
            position == 0 ? "SELECT NULL::text" : "SELECT hash FROM events WHERE position = \(position)",
            "\(unescaped: Self.columns) WHERE position > \(position) ORDER BY position LIMIT \(Int64(max(1, limit)))",
            // The secrets kept with these events; a copy made from nothing takes every secret,
            // those kept before secrets had positions included.
            position == 0 ? "SELECT ref, value FROM secrets" : "SELECT ref, value FROM secrets WHERE position > \(position)",
            position == 0
                ? "SELECT request_id, message_id, sender, recipients, message, queued_at FROM outbox_mail"
                : "SELECT request_id, message_id, sender, recipients, message, queued_at FROM outbox_mail WHERE position > \(position)",
        ]
    }

    /// The tail the answers to `tailQueries` give.
    private static func tail(_ answers: [PostgresQueryResult]) throws -> RecordTail {
        guard answers.count == 4 else { throw PostgresStoreError(message: "a tail read \(answers.count) answers, not 4") }
        let (hashRows, eventRows, secretRows, mailRows) = (answers[0], answers[1], answers[2], answers[3])
        let hashAtCopyHead = try hashRows.first?.decode(String?.self)
        let events = try eventRows.map { try Self.event($0).event }
        let secrets = try secretRows.map { row in
            let (ref, value) = try row.decode((String, String).self)
            return (ref: ref, value: value)
        }
        let mail = try mailRows.map { row in
            let (requestID, messageID, sender, recipients, message, queuedAt) =
                try row.decode((Int64, String, String, String, String, String).self)
            return QueuedMail(
                requestID: requestID, messageID: messageID,
                mail: OutgoingMail(
                    sender: sender, recipients: (try? JSON.parse(recipients))?.arrayValue?.compactMap(\.stringValue) ?? [],
                    message: message),
                queuedAt: queuedAt)
        }
        return RecordTail(events: events, secrets: secrets, mail: mail, hashAtCopyHead: hashAtCopyHead)
    }

    public func idempotencyRecord(actor: String, key: String) throws -> (fingerprint: String, answer: String)? {
        guard let row = try execute("SELECT fingerprint, answer FROM idempotency_keys WHERE actor = \(actor) AND key = \(key)").first
        else { return nil }
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
            // The commit sent with the inserts: one round trip. Were one refused, the server
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
