import Crypto
import GRDB

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

/// Walks the hash chain from position 1 and checks that the append-only triggers exist.
public enum Verifier {
    public static let requiredTriggers = ["events_gap_free", "events_refuse_delete", "events_refuse_update"]

    public static func verify(_ db: Database) throws -> VerifyReport {
        var report = VerifyReport(events: 0, lastHash: RecordedEvent.genesisHash, firstBad: nil, missingTriggers: [])
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"))
        report.missingTriggers = requiredTriggers.filter { !present.contains($0) }

        var expectedPosition: Int64 = 1
        var previous = RecordedEvent.genesisHash
        var previousTime = ""
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(RecordedEvent.columns) FROM events ORDER BY position")
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
            previous = event.hash
            previousTime = event.recordedAt
            expectedPosition += 1
            report.events += 1
        }
        report.lastHash = previous
        return report
    }
}
