import Foundation
package import GRDB
public import PeerLedgerDomain

/// One command's view of the ledger while it writes: read projections through `db`, append
/// events with `append`, keep secrets out of the log with `storeSecret`.
public final class LedgerTransaction {
    package let db: Database
    public let metadata: EventMetadata
    /// One moment for the whole command, so all its events share a time. Never earlier than the
    /// last event's: the log's time does not go back (a clock stepped backwards records the
    /// head's time), so "as of a moment" is always a prefix of the log.
    public let recordedAt: Timestamp
    /// `recordedAt` as stored, formatted once per command rather than once per event.
    private lazy var recordedAtText = recordedAt.iso8601
    let ids: any IDGenerator
    private var head: (position: Int64, hash: String)
    private let metadataJSON: String
    public private(set) var appended: [RecordedEvent] = []
    /// How many events this command appended (also when `retainsAppended` is off).
    public private(set) var appendedCount = 0
    /// Off for bulk commands (a PeeringDB import appends ~160,000 events) so `appended` does not
    /// hold them all in memory.
    public var retainsAppended = true

    /// The log of record the ledger follows (`Ledger.follow`), or nil. With one, what this
    /// command keeps beside the log (`forRecord`) is handed to it at the commit as well.
    var record: (any LogOfRecord)?
    /// What this command kept for the record: secrets, mail, its idempotency record, webhook
    /// cursors (its events are read from the copy's log at the commit).
    var forRecord = RecordCommit()

    /// False for a log-first transaction (`Ledger.appendLogFirst`): its events are not applied.
    let projecting: Bool

    init(db: Database, metadata: EventMetadata, recordedAt: Timestamp, ids: any IDGenerator, projecting: Bool = true) throws {
        self.db = db
        self.metadata = metadata
        self.ids = ids
        self.projecting = projecting
        self.metadataJSON = try MetadataCodec.encode(metadata)
        // The head, and where the projections stand, in one statement.
        if let row = try Self.headStatement.firstRow(db, read: { columns in
            (columns.int64(0), columns.text(1), columns.text(2), columns.int64(3))
        }) {
            guard let position = row.0, let hash = row.1, let time = row.2, let projected = row.3 else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "the log's last event has no position, hash or time")
            }
            head = (position, hash)
            self.recordedAt = max(recordedAt, Timestamp(parsing: time) ?? recordedAt)
            // A command decides on projections that hold the whole log: events appended log
            // first are applied before it reads anything.
            if projecting, projected < head.position { _ = try Projector.catchUp(db, after: projected) }
        } else {
            head = (0, RecordedEvent.genesisHash)
            self.recordedAt = recordedAt
        }
    }

    private static let headStatement = WriteStatement("""
        SELECT position, hash, recorded_at, (SELECT COALESCE(MIN(position), 0) FROM projection_state)
        FROM events ORDER BY position DESC LIMIT 1
        """)

    /// The version of each stream this command already read or appended to: only this
    /// transaction writes to the log while it is open, so a stream it touched needs no query again.
    private var streamVersions: [String: Int64] = [:]

    /// The current version of `stream`, or nil when it has no events.
    public func version(of stream: String) throws -> Int64? {
        if let known = streamVersions[stream] { return known }
        let version = try Self.streamHead.int64(db, stream)
        if let version { streamVersions[stream] = version }
        return version
    }

    private static let streamHead = WriteStatement("SELECT version FROM stream_heads WHERE stream = ?")

    /// Appends one event to `stream`, refusing with `LedgerError.conflict` when the stream is not
    /// at the expected version, and applies it to every projection (not in a log-first
    /// transaction: `Ledger.appendLogFirst`).
    @discardableResult
    public func append(_ event: LedgerEvent, to stream: String, expecting expected: ExpectedVersion) throws -> RecordedEvent {
        let current = try version(of: stream)
        switch expected {
        case .noStream where current != nil:
            throw LedgerError.conflict(stream: stream, expected: nil, actual: current)
        case let .exactly(version) where current != version:
            throw LedgerError.conflict(stream: stream, expected: version, actual: current)
        default: break
        }
        let (type, schemaVersion, payload) = try event.encoded()
        let position = head.position + 1
        let streamVersion = (current ?? 0) + 1
        let recordedAtText = self.recordedAtText
        let hash = EventHash.hash(
            prevHash: head.hash, position: position, stream: stream, streamVersion: streamVersion, type: type,
            schemaVersion: schemaVersion, payload: payload, metadata: metadataJSON, recordedAt: recordedAtText)
        let recorded = RecordedEvent(
            position: position, stream: stream, streamVersion: streamVersion, type: type, schemaVersion: schemaVersion,
            payload: payload, metadata: metadataJSON, recordedAt: recordedAtText, prevHash: head.hash, hash: hash)
        try recorded.insert(db)
        head = (position, hash)
        streamVersions[stream] = streamVersion
        if projecting { try Projector.apply(event, recorded, db) }
        appendedCount += 1
        if retainsAppended { appended.append(recorded) }
        return recorded
    }

    /// Stores a secret outside the log and returns the opaque ref that events carry instead.
    public func storeSecret(_ value: String) throws -> String {
        let ref = "secret-\(ids.next())"
        try SQLiteLog.storeSecret(db, ref: ref, value: value)
        if record != nil { forRecord.secrets.append((ref, value)) }
        return ref
    }

    /// A fresh opaque identifier from the ledger's (injectable) generator.
    public func newID() -> String { ids.next() }

    /// The position of the last event in the log, including this command's.
    public var lastPosition: Int64 { head.position }

    /// Records where the projections stand after this command (the commit is its caller's).
    func finish() throws {
        guard appendedCount > 0, projecting else { return }
        try Projector.checkpoint(db, position: head.position)
    }
}

extension RecordedEvent {
    /// Reads a row selected as `SELECT \(RecordedEvent.columns) ...`, by index (every caller
    /// selects exactly `columns`, in that order; by-name lookups cost a rebuild dearly).
    init(row: Row) {
        self.init(
            position: row[0], stream: row[1], streamVersion: row[2], type: row[3], schemaVersion: row[4], payload: row[5],
            metadata: row[6], recordedAt: row[7], prevHash: row[8], hash: row[9])
    }

    static let columns = "position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash"

    /// Appends this event to the log. The link to the stream's previous event is read from
    /// `stream_heads` by the statement itself, so every writer of the log (commands, the copies
    /// `as_of` reads make) sets it the same way; the triggers check it and move the head.
    func insert(_ db: Database) throws {
        try Self.insertStatement.execute(
            db, position, stream, streamVersion, type, schemaVersion, payload, metadata, recordedAt, prevHash, hash)
    }

    private static let insertStatement = WriteStatement("""
        INSERT INTO events (\(columns), previous_in_stream)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT position FROM stream_heads WHERE stream = ?2))
        """)
}
