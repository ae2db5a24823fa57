import Foundation
import GRDB
import PeerLedgerDomain
import Synchronization

/// The `sessions` table: one row per BGP session ever added, deleted ones kept with `deleted` = 1.
struct SessionsProjection: Projection {
    var name: String { "sessions" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "sessions", order: "id")] }
    var eventTypes: Set<String> { [SessionAdded.type, SessionUpdated.type, SessionDeleted.type] }

    static let storedColumns = Set(SessionField.allCases.filter(\.isSettable).map(\.column))

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        // Computed only for the events this projection handles (most events are not).
        var time: String { RecordedTime.apiText(recorded.recordedAt) }
        switch event {
        case let .sessionAdded(added):
            try Self.checkColumns(added.fields.keys, at: recorded)
            let members = added.fields.sorted { $0.key < $1.key }
            // One statement per set of fields, its text built once, and the values bound as they
            // are: building GRDB arguments and the text for every event were most of a rebuild's
            // time in this projection.
            let time = time
            var values: [DatabaseValue] = [
                added.sessionID.databaseValue, recorded.streamVersion.databaseValue, time.databaseValue, time.databaseValue,
                0.databaseValue,
            ]
            values.reserveCapacity(5 + members.count)
            for member in members { values.append(member.value.databaseValue) }
            let statement = Self.inserts.statement(for: members.map(\.key)) { keys in
                let columns = ["id", "version", "created", "modified", "deleted"] + keys
                return "INSERT INTO sessions (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            }
            try statement.execute(db, values: values)
        case let .sessionUpdated(updated):
            try Self.checkColumns(updated.changes.keys, at: recorded)
            try Self.update(
                db, session: updated.sessionID, columns: updated.changes.sorted { $0.key < $1.key }.map { ($0.key, $0.value.to.databaseValue) },
                version: recorded.streamVersion, time: time)
        case let .sessionDeleted(deleted):
            try Self.delete.execute(db, recorded.streamVersion, time, deleted.sessionID)
        default:
            break
        }
    }

    /// Sets `columns` (checked names, in name order) of a session's row, and its version and
    /// modified time (also a replay's merged changes, `SessionChangeBuffer`).
    static func update(
        _ db: Database, session: Int64, columns: [(name: String, value: DatabaseValue)], version: Int64, time: String
    ) throws {
        var values: [DatabaseValue] = []
        values.reserveCapacity(columns.count + 3)
        for column in columns { values.append(column.value) }
        values += [version.databaseValue, time.databaseValue, session.databaseValue]
        let statement = updates.statement(for: columns.map(\.name)) { keys in
            "UPDATE sessions SET \((keys + ["version", "modified"]).map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"
        }
        try statement.execute(db, values: values)
    }

    static let inserts = StatementsByColumns()
    static let updates = StatementsByColumns()
    static let delete = WriteStatement("UPDATE sessions SET deleted = 1, version = ?, modified = ? WHERE id = ?")

    /// Column names come from the log; only known ones may reach SQL text.
    static func checkColumns(_ keys: Dictionary<String, some Any>.Keys, at recorded: RecordedEvent) throws {
        for key in keys where !Self.storedColumns.contains(key) {
            throw LedgerError.unreadableEvent(position: recorded.position, reason: "unknown session field '\(key)'")
        }
    }
}

extension FieldValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case let .int(value): return value.databaseValue
        case let .text(value): return value.databaseValue
        }
    }
}

/// Statements by the (checked, sorted) column names they set, so the same shape of event reuses
/// one statement instead of joining strings for every event. Bounded: past `limit` shapes it
/// builds without keeping.
final class StatementsByColumns: Sendable {
    private let statements = Mutex<[[String]: WriteStatement]>([:])
    private static let limit = 4096

    func statement(for columns: [String], build: ([String]) -> String) -> WriteStatement {
        statements.withLock { statements in
            if let known = statements[columns] { return known }
            let statement = WriteStatement(build(columns))
            if statements.count < Self.limit { statements[columns] = statement }
            return statement
        }
    }
}
