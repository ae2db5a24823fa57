package import GRDB
package import PeerLedgerDomain

/// What `verify` found: the chain checked end to end, and the guards in place.
public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var lastHash: String
    /// The first position whose hash or link does not hold, with why.
    public var firstBad: (position: Int64, reason: String)?
    public var missingTriggers: [String]

    package init(events: Int64, lastHash: String, firstBad: (position: Int64, reason: String)?, missingTriggers: [String]) {
        self.events = events
        self.lastHash = lastHash
        self.firstBad = firstBad
        self.missingTriggers = missingTriggers
    }

    public static func == (lhs: VerifyReport, rhs: VerifyReport) -> Bool {
        lhs.events == rhs.events && lhs.lastHash == rhs.lastHash && lhs.firstBad?.position == rhs.firstBad?.position
            && lhs.firstBad?.reason == rhs.firstBad?.reason && lhs.missingTriggers == rhs.missingTriggers
    }

    public var isValid: Bool { firstBad == nil && missingTriggers.isEmpty }

    public var summary: String {
        var lines: [String] = []
        if let bad = firstBad {
            lines.append("BAD: position \(bad.position): \(bad.reason)")
        } else {
            lines.append("OK: \(events) events, hash chain intact, last hash \(lastHash)")
        }
        if !missingTriggers.isEmpty {
            lines.append("BAD: missing append-only triggers: \(missingTriggers.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}

/// Walks the hash chain from position 1, checks each stream's versions and links and the stream
/// heads against the log, and checks that the append-only triggers exist.
public enum Verifier {
    public static let requiredTriggers = [
        "events_begin_stream", "events_gap_free", "events_move_stream_head", "events_refuse_delete", "events_refuse_update",
        "events_stream_link",
        "stream_heads_follow_log_insert", "stream_heads_follow_log_update", "stream_heads_refuse_delete",
    ]

    package static func verify(_ db: Database) throws -> VerifyReport {
        var report = VerifyReport(events: 0, lastHash: RecordedEvent.genesisHash, firstBad: nil, missingTriggers: [])
        let present = Set(
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('events', 'stream_heads')"))
        report.missingTriggers = requiredTriggers.filter { !present.contains($0) }

        var walk = ChainWalk()
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT \(RecordedEvent.columns), previous_in_stream FROM events ORDER BY position")
        while let row = try cursor.next() {
            if let bad = walk.take(RecordedEvent(row: row), link: .kept(row[10])) {
                report.events = walk.events
                report.firstBad = bad
                return report
            }
        }
        report.events = walk.events
        report.lastHash = walk.lastHash
        report.firstBad = try headsDisagreeing(with: walk.heads, db)
        return report
    }

    /// The first row of `stream_heads` that does not say what the log says, or the first stream
    /// of the log that has no row.
    private static func headsDisagreeing(
        with heads: [String: (version: Int64, position: Int64)], _ db: Database
    ) throws -> (position: Int64, reason: String)? {
        let cursor = try Row.fetchCursor(db, sql: "SELECT stream, version, position FROM stream_heads ORDER BY stream")
        return try headsDisagreeing(with: heads) {
            guard let row = try cursor.next() else { return nil }
            return (row[0], row[1], row[2])
        }
    }

    /// The same check over rows of `stream_heads` handed one at a time by `nextRow` (nil at the
    /// end): what every store's `verify` reports when its stream heads and its log disagree.
    package static func headsDisagreeing(
        with heads: [String: (version: Int64, position: Int64)],
        nextRow: () throws -> (stream: String, version: Int64, position: Int64)?
    ) rethrows -> (position: Int64, reason: String)? {
        var unseen = heads
        while let (stream, version, position) = try nextRow() {
            guard let head = unseen.removeValue(forKey: stream) else {
                return (position, "stream_heads names \(stream), which has no event in the log")
            }
            guard head == (version, position) else {
                return (
                    head.position,
                    "stream_heads says \(stream) is at version \(version), position \(position); the log says version \(head.version), position \(head.position)"
                )
            }
        }
        if let (stream, head) = unseen.min(by: { $0.value.position < $1.value.position }) {
            return (head.position, "stream_heads has no row for \(stream)")
        }
        return nil
    }
}

/// The hash chain walked one event at a time, from position 1: what `verify` checks of every
/// event in the log, and what a restore from an export checks of every line before appending it,
/// so both find the same break with the same words. The PostgreSQL store's `verify` walks with it too.
package struct ChainWalk {
    /// The events taken so far that held.
    package private(set) var events: Int64 = 0
    /// The hash of the last event taken (the genesis hash before any).
    package private(set) var lastHash = RecordedEvent.genesisHash
    /// Each stream's last version and position so far, as the events taken say.
    package private(set) var heads: [String: (version: Int64, position: Int64)] = [:]
    private var previousTime = ""

    /// The link to the stream's event before this one, where the store keeps one (`events`
    /// does; an export does not, and a restore's insert sets it from the stream's head).
    package enum StreamLink {
        case kept(Int64?)
        case notKept
    }

    /// Takes the next event: nil when it follows the ones before, otherwise the position where
    /// the chain breaks and why (and the event is not taken).
    package init() {}

    package mutating func take(_ event: RecordedEvent, link: StreamLink) -> (position: Int64, reason: String)? {
        let expectedPosition = events + 1
        if event.position != expectedPosition {
            return (expectedPosition, "gap: the next event found is at position \(event.position)")
        }
        if event.prevHash != lastHash {
            return (event.position, "prev_hash does not match the hash of position \(event.position - 1)")
        }
        let hash = EventHash.hash(
            prevHash: event.prevHash, position: event.position, stream: event.stream, streamVersion: event.streamVersion,
            type: event.type, schemaVersion: event.schemaVersion, payload: event.payload, metadata: event.metadata,
            recordedAt: event.recordedAt)
        if hash != event.hash {
            return (event.position, "hash does not match the event's content (the event was altered)")
        }
        // Same fixed-width ISO 8601 text throughout, so text order is time order.
        if event.recordedAt < previousTime {
            return (event.position, "recorded_at \(event.recordedAt) is earlier than the previous event's \(previousTime)")
        }
        let head = heads[event.stream]
        if event.streamVersion != (head?.version ?? 0) + 1 {
            return (event.position, "stream_version \(event.streamVersion) of \(event.stream) does not follow \(head?.version ?? 0)")
        }
        if case let .kept(previous) = link, previous != head?.position {
            return (event.position, "previous_in_stream does not name \(event.stream)'s event before this one")
        }
        heads[event.stream] = (event.streamVersion, event.position)
        lastHash = event.hash
        previousTime = event.recordedAt
        events += 1
        return nil
    }
}
