import GRDB
public import PeerLedgerDomain

/// The append-only, hash-chained log as every backend of the ledger provides it: SQLite here
/// (`Ledger`), PostgreSQL beside it. A backend is done when it passes the event-store conformance
/// suite (`EventStoreConformanceTests`) unchanged.
///
/// An append is one transaction: whatever `body` appends through the appender commits together,
/// with the projections it changed and the idempotency record, or not at all.
public protocol EventStore: Sendable {
    /// A command's handle on the log while its transaction is open.
    associatedtype Appender: EventAppender

    /// Runs `body` in one transaction. With `idempotency`, a key already used with the same
    /// fingerprint appends nothing and returns the first outcome (`.repeated`); with another
    /// fingerprint it is refused (`LedgerError.idempotencyKeyReused`). `record` turns the value
    /// into the outcome kept for such a repeat.
    func append<T: Sendable>(
        _ metadata: EventMetadata, idempotency: IdempotencyKey?, record: @escaping @Sendable (T) -> String,
        _ body: @escaping @Sendable (Appender) throws -> T
    ) async throws -> Appended<T>

    /// The last event's position and hash (0 and the genesis hash for an empty log).
    func head() async throws -> LogHead
    /// The events after `position`, at most `limit` of them, in log order.
    func events(after position: Int64, limit: Int) async throws -> [RecordedEvent]
    /// Every event of one stream, in its version order.
    func events(inStream stream: String) async throws -> [RecordedEvent]
    /// Walks the hash chain and the stream links from the first event; names the first bad one.
    func verify() async throws -> VerifyReport
    /// The secret an event refers to by `ref` (never in the log itself).
    func secret(_ ref: String) async throws -> String?
}

/// What a command does with the log inside its transaction.
public protocol EventAppender: AnyObject {
    /// The stream's version, or nil when it has no events.
    func version(of stream: String) throws -> Int64?
    /// Appends `event` to `stream` when the stream is at the version expected; otherwise a
    /// `LedgerError.conflict`, and nothing of the transaction is kept.
    @discardableResult
    func append(_ event: LedgerEvent, to stream: String, expecting expected: ExpectedVersion) throws -> RecordedEvent
    /// Keeps a secret outside the log and returns the ref an event carries instead.
    func storeSecret(_ value: String) throws -> String
    /// The position of the last event, this transaction's included.
    var lastPosition: Int64 { get }
}

/// An idempotent append's key: the same `actor` and `key` with the same `fingerprint` (the
/// request's parameters) is the same request.
public struct IdempotencyKey: Sendable, Equatable {
    public var actor: String
    public var key: String
    public var fingerprint: String

    public init(actor: String, key: String, fingerprint: String) {
        self.actor = actor
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// What an append did: ran and committed, or found its idempotency key already applied.
public enum Appended<T: Sendable>: Sendable {
    case new(T)
    /// The key was applied before: its recorded outcome; nothing was appended.
    case repeated(outcome: String)
}

/// Where the log ends.
public struct LogHead: Sendable, Equatable {
    public var position: Int64
    public var hash: String

    public init(position: Int64, hash: String) {
        self.position = position
        self.hash = hash
    }
}

extension LedgerTransaction: EventAppender {}

extension Ledger: EventStore {
    public typealias Appender = LedgerTransaction

    public func append<T: Sendable>(
        _ metadata: EventMetadata, idempotency: IdempotencyKey? = nil, record: @escaping @Sendable (T) -> String = { _ in "" },
        _ body: @escaping @Sendable (LedgerTransaction) throws -> T
    ) async throws -> Appended<T> {
        try await write(metadata) { transaction in
            // A ledger following a log of record asks the record: a key may have been used on another node.
            if let idempotency,
                let stored = try transaction.record?.idempotencyRecord(actor: idempotency.actor, key: idempotency.key)
                    ?? SQLiteLog.idempotencyRecord(transaction.db, actor: idempotency.actor, key: idempotency.key)
            {
                guard stored.fingerprint == idempotency.fingerprint else {
                    throw LedgerError.idempotencyKeyReused(key: idempotency.key)
                }
                return .repeated(outcome: stored.answer)
            }
            let value = try body(transaction)
            if let idempotency {
                let kept = IdempotencyRecord(
                    actor: idempotency.actor, key: idempotency.key, fingerprint: idempotency.fingerprint, answer: record(value),
                    position: transaction.lastPosition)
                try SQLiteLog.storeIdempotencyRecord(
                    transaction.db, actor: kept.actor, key: kept.key, fingerprint: kept.fingerprint, answer: kept.answer,
                    position: kept.position)
                if transaction.record != nil { transaction.forRecord.idempotency.append(kept) }
            }
            return .new(value)
        }
    }

    public func head() async throws -> LogHead {
        try await read { db in
            LogHead(position: try SQLiteLog.headPosition(db), hash: try SQLiteLog.lastHash(db) ?? RecordedEvent.genesisHash)
        }
    }

    public func events(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await read { db in
            let end = position.addingReportingOverflow(Int64(max(0, limit)))
            return try Array(SQLiteLog.events(db, after: position, through: end.overflow ? Int64.max : end.partialValue))
        }
    }

    public func events(inStream stream: String) async throws -> [RecordedEvent] {
        try await read { db in try AuditQuery(stream: stream).events(db) }
    }

    public func secret(_ ref: String) async throws -> String? {
        try await read { db in try SQLiteLog.secret(db, ref: ref) }
    }
}

extension Ledger {
    /// The position and type of the events after `position`, at most `limit` of them, in log
    /// order: what counting events by type needs, without their payloads.
    package func eventTypes(after position: Int64, limit: Int) async throws -> [(position: Int64, type: String)] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT position, type FROM events WHERE position > ? ORDER BY position LIMIT ?",
                arguments: [position, max(0, limit)]
            ).map { (position: $0["position"] as Int64, type: $0["type"] as String) }
        }
    }

    /// How many events the projections lack, read without blocking a thread of the pool.
    package func currentProjectionLag() async throws -> Int64 {
        try await read { db in try Self.headPosition(db) - Projector.projectedPosition(db) }
    }
}
