import GRDB

/// The PeeringDB objects as the last import left them (`peeringdb_objects`), and the newest
/// `updated` seen per type (`peeringdb_sync`), which is where the next incremental sync starts.
struct PeeringDBProjection: Projection {
    let name = "peeringdb"
    let version = 1
    let tables = [(name: "peeringdb_objects", order: "type, id"), (name: "peeringdb_sync", order: "type")]

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        switch event {
        case let .peeringDBObjectCreated(created):
            try Self.create.execute(
                db, created.objectType.rawValue, created.objectID, recorded.streamVersion,
                CanonicalFieldsText.extract(from: recorded.payload, objectID: created.objectID, objectType: created.objectType)
                    ?? created.fields.canonicalText)
            try advance(created.objectType, to: created.fields["updated"]?.text, db)
        case let .peeringDBObjectChanged(changed):
            let type = changed.objectType.rawValue
            let stored = try String.fetchOne(
                db.cachedStatement(sql: "SELECT fields FROM peeringdb_objects WHERE type = ? AND id = ?"),
                arguments: [type, changed.objectID])
            var fields = PeeringDBFields.parsingCanonical(stored ?? "{}")
            for (name, change) in changed.changes { fields[name] = change.to }
            try Self.change.execute(db, fields.canonicalText, recorded.streamVersion, type, changed.objectID)
            try advance(changed.objectType, to: changed.changes["updated"]?.to.text, db)
        case let .peeringDBObjectRemoved(removed):
            try Self.remove.execute(db, removed.objectType.rawValue, removed.objectID)
            try advance(removed.objectType, to: removed.updated, db)
        default:
            break
        }
    }

    /// Moves the type's high-water mark forward (never back) to `updated`.
    private func advance(_ type: PeeringDBObjectType, to updated: String?, _ db: Database) throws {
        guard let updated else { return }
        try Self.advance.execute(db, type.rawValue, updated)
    }

    static let create = WriteStatement(
        "INSERT OR REPLACE INTO peeringdb_objects (type, id, version, fields) VALUES (?, ?, ?, ?)")
    static let change = WriteStatement("UPDATE peeringdb_objects SET fields = ?, version = ? WHERE type = ? AND id = ?")
    static let remove = WriteStatement("DELETE FROM peeringdb_objects WHERE type = ? AND id = ?")
    static let advance = WriteStatement("""
        INSERT INTO peeringdb_sync (type, updated) VALUES (?, ?)
        ON CONFLICT (type) DO UPDATE SET updated = max(updated, excluded.updated)
        """)
}
