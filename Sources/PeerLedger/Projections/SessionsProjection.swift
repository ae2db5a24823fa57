import GRDB

/// The `sessions` table: one row per BGP session ever added, deleted ones kept with `deleted` = 1.
struct SessionsProjection: Projection {
    let name = "sessions"
    let version = 1
    let tables = [(name: "sessions", order: "id")]

    static let storedColumns = Set(SessionField.allCases.filter(\.isSettable).map(\.column))

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        let time = Timestamp(parsing: recorded.recordedAt)?.apiText ?? recorded.recordedAt
        switch event {
        case let .sessionAdded(added):
            let fields = try checkedColumns(added.fields.keys, at: recorded).sorted()
            let columns = ["id", "version", "created", "modified", "deleted"] + fields
            let values: [any DatabaseValueConvertible] =
                [added.sessionID, recorded.streamVersion, time, time, 0] + fields.map { added.fields[$0]!.databaseValue }
            // Cached by SQL text: the same set of fields reuses one prepared statement.
            try db.cachedStatement(
                sql: "INSERT INTO sessions (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            ).execute(arguments: StatementArguments(values))
        case let .sessionUpdated(updated):
            let fields = try checkedColumns(updated.changes.keys, at: recorded).sorted()
            let assignments = (fields + ["version", "modified"]).map { "\($0) = ?" }.joined(separator: ", ")
            let values: [any DatabaseValueConvertible] =
                fields.map { updated.changes[$0]!.to.databaseValue } + [recorded.streamVersion, time, updated.sessionID]
            try db.cachedStatement(sql: "UPDATE sessions SET \(assignments) WHERE id = ?").execute(arguments: StatementArguments(values))
        case let .sessionDeleted(deleted):
            try db.cachedStatement(sql: "UPDATE sessions SET deleted = 1, version = ?, modified = ? WHERE id = ?")
                .execute(arguments: [recorded.streamVersion, time, deleted.sessionID])
        default:
            break
        }
    }

    /// Column names come from the log; only known ones may reach SQL text.
    private func checkedColumns(_ keys: Dictionary<String, some Any>.Keys, at recorded: RecordedEvent) throws -> [String] {
        for key in keys where !Self.storedColumns.contains(key) {
            throw LedgerError.unreadableEvent(position: recorded.position, reason: "unknown session field '\(key)'")
        }
        return Array(keys)
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
