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
            let columns = ["id", "version", "created", "modified", "deleted"] + members.map(\.key)
            let values: [any DatabaseValueConvertible] =
                [added.sessionID, recorded.streamVersion, time, time, 0] + members.map(\.value.databaseValue)
            // Cached by SQL text: the same set of fields reuses one prepared statement.
            try db.cachedStatement(
                sql: "INSERT INTO sessions (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            ).execute(arguments: StatementArguments(values))
        case let .sessionUpdated(updated):
            try checkColumns(updated.changes.keys, at: recorded)
            let members = updated.changes.sorted { $0.key < $1.key }
            let assignments = (members.map(\.key) + ["version", "modified"]).map { "\($0) = ?" }.joined(separator: ", ")
            let values: [any DatabaseValueConvertible] =
                members.map(\.value.to.databaseValue) + [recorded.streamVersion, time, updated.sessionID]
            try db.cachedStatement(sql: "UPDATE sessions SET \(assignments) WHERE id = ?").execute(arguments: StatementArguments(values))
        case let .sessionDeleted(deleted):
            try db.cachedStatement(sql: "UPDATE sessions SET deleted = 1, version = ?, modified = ? WHERE id = ?")
                .execute(arguments: [recorded.streamVersion, time, deleted.sessionID])
        default:
            break
        }
    }

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
