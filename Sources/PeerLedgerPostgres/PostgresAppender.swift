public import PeerLedger
public import PeerLedgerDomain
import PostgresNIO

/// One command's handle on the PostgreSQL log while its transaction is open, on the store's
/// writer thread: each call waits for the server's answer (see `WriterThread`).
///
/// The transaction holds the lock on `log_head`, so no other writer appends until it ends: the
/// head read when it began stays the head, and each event's position is the one after it.
public final class PostgresAppender: EventAppender {
    public let metadata: EventMetadata
    /// One moment for the whole command, never earlier than the last event's (as on SQLite).
    public let recordedAt: Timestamp
    private let recordedAtText: String
    private let metadataJSON: String
    private let ids: any IDGenerator
    private let execute: (PostgresQuery) throws -> PostgresQueryResult
    private var head: LogHead
    /// The version and position of each stream this command read or appended to.
    private var streams: [String: (version: Int64, position: Int64)] = [:]

    init(
        metadata: EventMetadata, recordedAt: Timestamp, head: LogHead, ids: any IDGenerator,
        execute: @escaping (PostgresQuery) throws -> PostgresQueryResult
    ) throws {
        self.metadata = metadata
        self.recordedAt = recordedAt
        self.recordedAtText = recordedAt.iso8601
        self.metadataJSON = try MetadataCodec.encode(metadata)
        self.head = head
        self.ids = ids
        self.execute = execute
    }

    public func version(of stream: String) throws -> Int64? {
        try streamHead(stream)?.version
    }

    private func streamHead(_ stream: String) throws -> (version: Int64, position: Int64)? {
        if let known = streams[stream] { return known }
        guard let row = try execute("SELECT version, position FROM stream_heads WHERE stream = \(stream)").first else {
            return nil
        }
        let (version, position) = try row.decode((Int64, Int64).self)
        streams[stream] = (version, position)
        return (version, position)
    }

    @discardableResult
    public func append(_ event: LedgerEvent, to stream: String, expecting expected: ExpectedVersion) throws -> RecordedEvent {
        if streams[stream] == nil, let recorded = try appendChecking(event, to: stream, expecting: expected) {
            return recorded
        }
        let current = try streamHead(stream)
        switch expected {
        case .noStream where current != nil:
            throw LedgerError.conflict(stream: stream, expected: nil, actual: current?.version)
        case let .exactly(version) where current?.version != version:
            throw LedgerError.conflict(stream: stream, expected: version, actual: current?.version)
        default: break
        }
        let (type, schemaVersion, payload) = try event.encoded()
        let position = head.position + 1
        let streamVersion = (current?.version ?? 0) + 1
        let hash = EventHash.hash(
            prevHash: head.hash, position: position, stream: stream, streamVersion: streamVersion, type: type,
            schemaVersion: schemaVersion, payload: payload, metadata: metadataJSON, recordedAt: recordedAtText)
        let recorded = RecordedEvent(
            position: position, stream: stream, streamVersion: streamVersion, type: type, schemaVersion: schemaVersion,
            payload: payload, metadata: metadataJSON, recordedAt: recordedAtText, prevHash: head.hash, hash: hash)
        let previousInStream = current?.position
        _ = try execute("""
            INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at,
                                prev_hash, hash, previous_in_stream)
            VALUES (\(position), \(stream), \(streamVersion), \(type), \(schemaVersion), \(payload), \(metadataJSON),
                    \(recordedAtText), \(head.hash), \(hash), \(previousInStream))
            """)
        head = LogHead(position: position, hash: hash)
        streams[stream] = (streamVersion, position)
        return recorded
    }

    /// An append to a stream this command has not read, at the version `expected` names: the
    /// insert reads the stream's head itself and inserts nothing when it is not the one expected
    /// (one round trip where a read and an insert took two). Nothing inserted is a conflict,
    /// named with the version the stream is at. Nil for an expectation this cannot check
    /// (`.any`, a version below 1 or at the largest there is): the caller reads the head first.
    private func appendChecking(_ event: LedgerEvent, to stream: String, expecting expected: ExpectedVersion) throws
        -> RecordedEvent?
    {
        let previousVersion: Int64
        switch expected {
        case .noStream: previousVersion = 0
        case let .exactly(version) where version >= 1 && version < Int64.max: previousVersion = version
        case .exactly, .any: return nil
        }
        let (type, schemaVersion, payload) = try event.encoded()
        let position = head.position + 1
        let streamVersion = previousVersion + 1
        let hash = EventHash.hash(
            prevHash: head.hash, position: position, stream: stream, streamVersion: streamVersion, type: type,
            schemaVersion: schemaVersion, payload: payload, metadata: metadataJSON, recordedAt: recordedAtText)
        // A stream's versions start at 1: no head reads as version 0, which `.noStream` expects.
        let inserted = try execute("""
            INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at,
                                prev_hash, hash, previous_in_stream)
            SELECT \(position), \(stream), \(streamVersion), \(type), \(schemaVersion), \(payload), \(metadataJSON),
                   \(recordedAtText), \(head.hash), \(hash), h.position
            FROM (VALUES (1)) AS one (x) LEFT JOIN stream_heads h ON h.stream = \(stream)
            WHERE COALESCE(h.version, 0) = \(previousVersion)
            """).metadata.rows
        guard inserted == 1 else {
            throw LedgerError.conflict(
                stream: stream, expected: expected == .noStream ? nil : previousVersion, actual: try version(of: stream))
        }
        let recorded = RecordedEvent(
            position: position, stream: stream, streamVersion: streamVersion, type: type, schemaVersion: schemaVersion,
            payload: payload, metadata: metadataJSON, recordedAt: recordedAtText, prevHash: head.hash, hash: hash)
        head = LogHead(position: position, hash: hash)
        streams[stream] = (streamVersion, position)
        return recorded
    }

    public func storeSecret(_ value: String) throws -> String {
        let ref = "secret-\(ids.next())"
        // Kept with the position of this command's next event (`Migrations/postgres/0003_secret_positions.sql`).
        _ = try execute("INSERT INTO secrets (ref, value, position) VALUES (\(ref), \(value), \(head.position + 1))")
        return ref
    }

    public var lastPosition: Int64 { head.position }

    /// The log's head after what this command appended.
    var logHead: LogHead { head }
}
