import Foundation
import GRDB
import GRDBSQLite
import PeerLedgerDomain

/// How a replay (a rebuild, a catch-up) reads the log: only the columns that projections and
/// `LedgerEvent.init` read, straight from SQLite's statement.
///
/// A replay's `RecordedEvent` carries its position, stream version, type, schema version, payload
/// and time; its stream, metadata and hashes are empty. No projection reads those (`Projection`
/// says so), and `LedgerEvent.init` reads only the type, schema version, payload and position.
/// Leaving them out spared the read-ahead thread three strings of every event to make and free
/// (the metadata and both hashes: 30 and 64 bytes each, past Swift's 15-byte inline strings),
/// which with the event type's were about a tenth of its time in a rebuild's profile.
///
/// The event type is one of a few names: it is matched against them and the literal handed out,
/// so no string is made for it (and the decoder's `switch` finds it by identity).
extension RecordedEvent {
    static let replayColumns = "position, stream_version, type, schema_version, payload, recorded_at"

    /// Hands every event after position `start` up to `limit` to `body`, in log order, as a
    /// replay reads it (see above).
    static func forEachReplayed(
        _ db: Database, after start: Int64, upTo limit: Int64, _ body: (RecordedEvent) throws -> Void
    ) throws {
        let statement = try db.makeStatement(
            sql: "SELECT \(replayColumns) FROM events WHERE position > ? AND position <= ? ORDER BY position")
        let cursor = try Row.fetchCursor(statement, arguments: [start, limit])
        let handle = statement.sqliteStatement
        // The events of one transaction share their time: the last one read is handed out again
        // while the column spells it, one string for them all instead of one each.
        var time = ""
        // The cursor steps the statement (and reports its errors as GRDB does); the row it stands
        // on is read from the statement, column by column.
        while try cursor.next() != nil {
            try body(
                RecordedEvent(
                    position: sqlite3_column_int64(handle, 0), stream: "", streamVersion: sqlite3_column_int64(handle, 1),
                    type: eventType(handle, 2), schemaVersion: Int(sqlite3_column_int64(handle, 3)), payload: text(handle, 4),
                    metadata: "", recordedAt: text(handle, 5, same: &time), prevHash: "", hash: ""))
        }
    }

    /// `text`, answering `last` when the column spells it (up to its first NUL, as `text` reads),
    /// and keeping what it answers in `last`.
    private static func text(_ handle: SQLiteStatement, _ index: CInt, same last: inout String) -> String {
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = strlen(bytes)
        let same = last.utf8.count == count
            && (count == 0 || last.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes, count) == 0 } ?? false)
        if !same { last = String(cString: bytes) }
        return last
    }

    /// A text column as GRDB reads one (up to its first NUL); empty for NULL, which the schema
    /// forbids in these columns and which then fails to decode with the event's position.
    private static func text(_ handle: SQLiteStatement, _ index: CInt) -> String {
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        return String(cString: bytes)
    }

    /// The type column: the known name it spells, or a new string for one this build does not
    /// know (which `LedgerEvent.init` then refuses by name).
    private static func eventType(_ handle: SQLiteStatement, _ index: CInt) -> String {
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        for known in knownTypes where known.bytes.count == count {
            if known.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes, count) }) == 0 { return known.name }
        }
        return String(cString: bytes)
    }

    /// Every event type's name, with its bytes; the most frequent in a live network's log first.
    private static let knownTypes: [(name: String, bytes: [UInt8])] = [
        SessionStateObserved.type, SessionUpdated.type, PeeringDBObjectCreated.type, PeerUpdated.type, PeerStatusReset.type,
        SessionAdded.type, PeeringRequestSent.type, PeeringRequestDelivered.type, PeeringRequestAnswered.type,
        PeeringDBObjectChanged.type, PeeringDBObjectRemoved.type, SessionDeleted.type, SessionConfigurationRequested.type,
        SessionConfigurationApplied.type, SessionConfigurationFailed.type, PeeringRequestDeliveryFailed.type,
        PeeringRequestFailedPermanently.type, RouterAdded.type, RouterRemoved.type, OwnNetworkSet.type, APIKeyCreated.type,
        APIKeyRevoked.type, UserCreated.type, UserDisabled.type, UserPasswordChanged.type,
        RouterDriftObserved.type, LogVerified.type,
    ].map { (name: $0, bytes: Array($0.utf8)) }
}
