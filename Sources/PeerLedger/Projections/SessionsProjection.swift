import Foundation
import GRDB

/// The `sessions` table: one row per BGP session ever added, deleted ones kept with `deleted` = 1.
struct SessionsProjection: Projection {
    let name = "sessions"
    let version = 1
    let tables = [(name: "sessions", order: "id")]

    static let storedColumns = Set(SessionField.allCases.filter(\.isSettable).map(\.column))

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        let time = RecordedTime.apiText(recorded.recordedAt)
        switch event {
        case let .sessionAdded(added):
            try checkColumns(added.fields.keys, at: recorded)
            let members = added.fields.sorted { $0.key < $1.key }
            // Arguments built as the optional-existential array GRDB takes as is (an array of
            // non-optional existentials is cast element by element, and GRDB's generic
            // initializer maps through a key path at run time), and one SQL text per set of
            // fields, built once: these were most of a rebuild's time in this projection.
            var values: [(any DatabaseValueConvertible)?] = [
                added.sessionID.databaseValue, recorded.streamVersion.databaseValue, time.databaseValue, time.databaseValue,
                0.databaseValue,
            ]
            values.reserveCapacity(5 + members.count)
            for member in members { values.append(member.value.databaseValue) }
            let sql = Self.insertTexts.text(for: members.map(\.key)) { keys in
                let columns = ["id", "version", "created", "modified", "deleted"] + keys
                return "INSERT INTO sessions (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            }
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values))
        case let .sessionUpdated(updated):
            try checkColumns(updated.changes.keys, at: recorded)
            let members = updated.changes.sorted { $0.key < $1.key }
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(members.count + 3)
            for member in members { values.append(member.value.to.databaseValue) }
            values += [recorded.streamVersion.databaseValue, time.databaseValue, updated.sessionID.databaseValue]
            let sql = Self.updateTexts.text(for: members.map(\.key)) { keys in
                "UPDATE sessions SET \((keys + ["version", "modified"]).map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"
            }
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values))
        case let .sessionDeleted(deleted):
            try db.cachedStatement(sql: "UPDATE sessions SET deleted = 1, version = ?, modified = ? WHERE id = ?")
                .execute(arguments: [recorded.streamVersion, time, deleted.sessionID])
        default:
            break
        }
    }

    static let insertTexts = SQLTexts()
    static let updateTexts = SQLTexts()

    /// Column names come from the log; only known ones may reach SQL text.
    private func checkColumns(_ keys: Dictionary<String, some Any>.Keys, at recorded: RecordedEvent) throws {
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

/// SQL texts by the (checked, sorted) column names they set, so the same shape of event reuses
/// one text instead of joining strings for every event. Bounded: past `limit` shapes it builds
/// without keeping.
final class SQLTexts: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [[String]: String] = [:]
    private let limit = 4096

    func text(for columns: [String], build: ([String]) -> String) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let known = texts[columns] { return known }
        let text = build(columns)
        if texts.count < limit { texts[columns] = text }
        return text
    }
}
