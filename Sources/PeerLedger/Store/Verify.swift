import Crypto
package import GRDB
public import PeerLedgerDomain

/// What `verify` found: the chain checked end to end, and the guards in place.
public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var lastHash: String
    /// The first position whose hash or link does not hold, with why.
    public var firstBad: (position: Int64, reason: String)?
    public var missingTriggers: [String]

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
        "events_gap_free", "events_move_stream_head", "events_refuse_delete", "events_refuse_update", "events_stream_link",
        "stream_heads_follow_log_insert", "stream_heads_follow_log_update", "stream_heads_refuse_delete",
    ]

    package static func verify(_ db: Database) throws -> VerifyReport {
        var report = VerifyReport(events: 0, lastHash: RecordedEvent.genesisHash, firstBad: nil, missingTriggers: [])
        let present = Set(
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('events', 'stream_heads')"))
        report.missingTriggers = requiredTriggers.filter { !present.contains($0) }

        var expectedPosition: Int64 = 1
        var previous = RecordedEvent.genesisHash
        var previousTime = ""
        /// Each stream's last version and position so far, as the log itself says.
        var heads: [String: (version: Int64, position: Int64)] = [:]
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT \(RecordedEvent.columns), previous_in_stream FROM events ORDER BY position")
        while let row = try cursor.next() {
            let event = RecordedEvent(row: row)
            if event.position != expectedPosition {
                report.firstBad = (expectedPosition, "gap: the next event found is at position \(event.position)")
                return report
            }
            if event.prevHash != previous {
                report.firstBad = (event.position, "prev_hash does not match the hash of position \(event.position - 1)")
                return report
            }
            let input = RecordedEvent.hashInput(
                prevHash: event.prevHash, position: event.position, stream: event.stream, streamVersion: event.streamVersion,
                type: event.type, schemaVersion: event.schemaVersion, payload: event.payload, metadata: event.metadata,
                recordedAt: event.recordedAt)
            let hash = SHA256.hash(data: Array(input.utf8)).hexString
            if hash != event.hash {
                report.firstBad = (event.position, "hash does not match the event's content (the event was altered)")
                return report
            }
            // Same fixed-width ISO 8601 text throughout, so text order is time order.
            if event.recordedAt < previousTime {
                report.firstBad = (event.position, "recorded_at \(event.recordedAt) is earlier than the previous event's \(previousTime)")
                return report
            }
            let head = heads[event.stream]
            if event.streamVersion != (head?.version ?? 0) + 1 {
                report.firstBad = (
                    event.position, "stream_version \(event.streamVersion) of \(event.stream) does not follow \(head?.version ?? 0)"
                )
                return report
            }
            if (row[10] as Int64?) != head?.position {
                report.firstBad = (
                    event.position, "previous_in_stream does not name \(event.stream)'s event before this one"
                )
                return report
            }
            heads[event.stream] = (event.streamVersion, event.position)
            previous = event.hash
            previousTime = event.recordedAt
            expectedPosition += 1
            report.events += 1
        }
        report.lastHash = previous
        report.firstBad = try headsDisagreeing(with: heads, db)
        return report
    }

    /// The first row of `stream_heads` that does not say what the log says, or the first stream
    /// of the log that has no row.
    private static func headsDisagreeing(
        with heads: [String: (version: Int64, position: Int64)], _ db: Database
    ) throws -> (position: Int64, reason: String)? {
        var unseen = heads
        let cursor = try Row.fetchCursor(db, sql: "SELECT stream, version, position FROM stream_heads ORDER BY stream")
        while let row = try cursor.next() {
            let stream: String = row[0]
            let version: Int64 = row[1]
            let position: Int64 = row[2]
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
