import Foundation
import PeerLedger
import PeerLedgerDomain

/// Where a ledger's log is kept: an SQLite file or a PostgreSQL database.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// A `postgres://` or `postgresql://` URL names a PostgreSQL database; anything else is a path.
    public init(_ text: String) {
        let lowered = text.lowercased()
        self = lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") ? .postgres(url: text) : .sqlite(path: text)
    }

    /// The location as an operator can read it, a URL's password left out.
    public var description: String {
        switch self {
        case let .sqlite(path): return path
        case let .postgres(url):
            // Read as text, not with URLComponents, which takes no host list.
            guard let schemeEnd = url.range(of: "://") else { return url }
            let rest = url[schemeEnd.upperBound...]
            let authority = rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex)]
            guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
            return String(url[...colon]) + "***" + url[at...]
        }
    }
}

/// What `peerledger store copy` did.
public struct StoreCopyReport: Sendable, Equatable {
    public var events: Int64
    public var lastHash: String
    public var secrets: Int
    /// SHA-256 over the projection rows rebuilt from the copy (an SQLite target); nil on
    /// PostgreSQL, which keeps the log alone for now.
    public var projectionChecksum: String?
    public var seconds: Double
}

/// Copies a ledger's log event for event from one store to another (SQLite to PostgreSQL or
/// back): every event checked on arrival by the walk `verify` makes (position, prev_hash, the
/// hash recomputed from the stored bytes, time, stream version), the secrets beside the log
/// carried with it, and at the end the target verified (and on SQLite its projections rebuilt).
/// A target that is not empty is refused before anything is written.
///
/// Not carried: idempotency records (a client retrying a write across the move would have it
/// applied again), API keys with their secrets (create keys on the new store), the outbox and
/// projection snapshots. The source is only read.
public enum StoreCopy {
    /// Events read and written per transaction.
    public static let batchSize = 2_000

    /// Copies `source`'s log into `target`. `progress` is told the events copied so far and how
    /// many there are, after each batch.
    public static func copy(
        from source: StoreLocation, to target: StoreLocation, progress: (_ copied: Int64, _ total: Int64) -> Void = { _, _ in }
    ) async throws -> StoreCopyReport {
        let start = ContinuousClock.now
        guard source != target else { throw BackupFailure(.badInput, "the source and the target are the same store (\(source))") }
        let reader = try await Reader.open(source)
        do {
            let report = try await copy(from: reader, named: source, to: target, progress: progress)
            await reader.close()
            return StoreCopyReport(
                events: report.events, lastHash: report.lastHash, secrets: report.secrets,
                projectionChecksum: report.projectionChecksum, seconds: (ContinuousClock.now - start).secondsValue)
        } catch {
            await reader.close()
            throw error
        }
    }

    private static func copy(
        from reader: Reader, named source: StoreLocation, to target: StoreLocation, progress: (Int64, Int64) -> Void
    ) async throws -> StoreCopyReport {
        // The source is verified whole first: a PostgreSQL target keeps what reached it (its log
        // refuses deletion), so a broken source must be found before anything is written.
        let verified = try await reader.verify()
        guard verified.isValid else {
            throw BackupFailure(.badInput, "\(source) does not verify: \(verified.summary); nothing was copied")
        }
        let total = verified.events
        let writer = try await Writer.open(target)
        var walk = ChainWalk()
        var copied: Int64 = 0
        do {
            while true {
                let events = try await reader.events(after: copied, limit: batchSize)
                guard !events.isEmpty else { break }
                for event in events {
                    if let bad = walk.take(event, link: .notKept) {
                        throw BackupFailure(.badInput, "\(source) position \(bad.position): \(bad.reason); \(writer.leftBehind(copied))")
                    }
                }
                try await writer.append(events)
                copied = walk.events
                progress(copied, max(total, copied))
            }
            let secrets = try await reader.secrets()
            try await writer.keep(secrets)
            let checksum = try await writer.finish(expecting: LogHead(position: walk.events, hash: walk.lastHash))
            return StoreCopyReport(
                events: walk.events, lastHash: walk.lastHash, secrets: secrets.count, projectionChecksum: checksum, seconds: 0)
        } catch let failure as BackupFailure {
            await writer.discard()
            throw failure
        } catch {
            await writer.discard()
            throw BackupFailure(.cannotCreate, "copying into \(target) failed: \(error); \(writer.leftBehind(copied))")
        }
    }

    /// Connects to the store at `url`; a failure names the store (its password left out).
    private static func connect(_ location: StoreLocation, _ url: String) async throws -> PostgresEventStore {
        do {
            return try await PostgresEventStore.connect(url: url)
        } catch let error as PostgresStoreError {
            throw PostgresStoreError(sqlState: error.sqlState, message: "\(location): \(error.message)")
        }
    }

    /// The source side: a ledger file opened read-only, or a PostgreSQL store.
    private enum Reader {
        case sqlite(Ledger)
        case postgres(PostgresEventStore)

        static func open(_ location: StoreLocation) async throws -> Reader {
            switch location {
            case let .sqlite(path): return .sqlite(try Ledger.open(at: path, access: .readOnly))
            case let .postgres(url): return .postgres(try await connect(location, url))
            }
        }

        func head() async throws -> LogHead {
            switch self {
            case let .sqlite(ledger): try await ledger.head()
            case let .postgres(store): try await store.head()
            }
        }

        func events(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
            switch self {
            case let .sqlite(ledger): try await ledger.events(after: position, limit: limit)
            case let .postgres(store): try await store.events(after: position, limit: limit)
            }
        }

        func verify() async throws -> VerifyReport {
            switch self {
            case let .sqlite(ledger): try ledger.verify()
            case let .postgres(store): try await store.verify()
            }
        }

        func secrets() async throws -> [(ref: String, value: String)] {
            switch self {
            case let .sqlite(ledger): try ledger.allSecrets()
            case let .postgres(store): try await store.allSecrets()
            }
        }

        func close() async {
            if case let .postgres(store) = self { await store.close() }
        }
    }

    /// The target side: a new ledger file, or an empty PostgreSQL store.
    private enum Writer {
        case sqlite(SQLiteLogCopy)
        case postgres(PostgresEventStore, location: StoreLocation)

        static func open(_ location: StoreLocation) async throws -> Writer {
            switch location {
            case let .sqlite(path):
                return .sqlite(try SQLiteLogCopy(creating: path))
            case let .postgres(url):
                let store = try await connect(location, url)
                let head = try await store.head()
                guard head.position == 0, try await store.allSecrets().isEmpty else {
                    await store.close()
                    throw BackupFailure(
                        .cannotCreate,
                        "\(location) is not empty (its log holds \(head.position) events); a copy goes into an empty store only")
                }
                return .postgres(store, location: location)
            }
        }

        func append(_ events: [RecordedEvent]) async throws {
            switch self {
            case let .sqlite(copy): try copy.append(events)
            case let .postgres(store, _): try await store.appendAsRecorded(events)
            }
        }

        func keep(_ secrets: [(ref: String, value: String)]) async throws {
            switch self {
            case let .sqlite(copy): try copy.keep(secrets: secrets)
            case let .postgres(store, _): try await store.keep(secrets: secrets)
            }
        }

        /// Verifies the target and checks it ends where the source did; on SQLite rebuilds the
        /// projections and gives the file its path. Returns the projections' checksum (SQLite).
        func finish(expecting head: LogHead) async throws -> String? {
            switch self {
            case let .sqlite(copy):
                let (verified, checksum) = try copy.finish()
                guard verified.events == head.position, verified.lastHash == head.hash else {
                    throw BackupFailure(.badInput, "the copy ends at position \(verified.events), the source at \(head.position)")
                }
                return checksum
            case let .postgres(store, location):
                let verified = try await store.verify()
                guard verified.isValid else {
                    throw BackupFailure(.badInput, "the copy at \(location) does not verify: \(verified.summary)")
                }
                guard verified.events == head.position, verified.lastHash == head.hash else {
                    throw BackupFailure(.badInput, "the copy at \(location) ends at position \(verified.events), the source at \(head.position)")
                }
                await store.close()
                return nil
            }
        }

        /// What a failure leaves at the target, for its message: a new ledger file is removed;
        /// what reached PostgreSQL stays, since its log refuses deletion.
        func leftBehind(_ copied: Int64) -> String {
            switch self {
            case let .sqlite(copy): "nothing was written to \(copy.target)"
            case let .postgres(_, location):
                copied == 0
                    ? "nothing was written to \(location)"
                    : "the first \(copied) events reached \(location): drop and create that database again before another copy"
            }
        }

        /// After a failure: a new ledger file is removed; a PostgreSQL store is closed.
        func discard() async {
            switch self {
            case let .sqlite(copy): copy.discard()
            case let .postgres(store, _): await store.close()
            }
        }
    }
}
