import GRDB
import PeerLedgerDomain

/// The PeeringDB objects as the last import left them (`peeringdb_objects`), and the newest
/// `updated` seen per type (`peeringdb_sync`), which is where the next incremental sync starts.
struct PeeringDBProjection: Projection {
    var name: String { "peeringdb" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "peeringdb_objects", order: "type, id"), (name: "peeringdb_sync", order: "type")] }
    var eventTypes: Set<String> { [PeeringDBObjectCreated.type, PeeringDBObjectChanged.type, PeeringDBObjectRemoved.type] }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        switch event {
        case let .peeringDBObjectCreated(created):
            try create(created, recorded, fields: Self.fieldsText(of: created, recorded), db)
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

    /// A created object's row, with its fields as stored (`fieldsText`, which a replay works out
    /// on its read-ahead thread: `Projector.Prepared`).
    func create(_ created: PeeringDBObjectCreated, _ recorded: RecordedEvent, fields: String, _ db: Database) throws {
        try Self.create.execute(db, created.objectType.rawValue, created.objectID, recorded.streamVersion, fields)
        try advance(created.objectType, to: created.fields["updated"]?.text, db)
    }

    /// The text `peeringdb_objects` stores for a created object's fields: the payload's own when
    /// it is already canonical (`CanonicalFieldsText`), else written from the decoded fields.
    static func fieldsText(of created: PeeringDBObjectCreated, _ recorded: RecordedEvent) -> String {
        CanonicalFieldsText.extract(from: recorded.payload, objectID: created.objectID, objectType: created.objectType)
            ?? created.fields.canonicalText
    }

    /// Moves the type's high-water mark forward (never back) to `updated`.
    private func advance(_ type: PeeringDBObjectType, to updated: String?, _ db: Database) throws {
        guard let updated else { return }
        if let held = Self.heldMarks {
            held.advance(type.rawValue, to: updated)
            return
        }
        try Self.advance.execute(db, type.rawValue, updated)
    }

    /// The marks a replay is holding (`holdingSyncMarks`), nil otherwise. Where it is not seen
    /// (nil), each event upserts its mark as always: the same rows either way.
    @TaskLocal static var heldMarks: HeldSyncMarks?

    /// Runs `body` (a replay of the log, `Projector.replaying`) with the types' high-water marks
    /// kept in memory, then writes each once. A mark is the maximum of what the events said,
    /// whatever their order, and only the PeeringDB import reads `peeringdb_sync` (never during a
    /// replay): the same rows as one upsert per PeeringDB event, some 160,000 statements fewer at
    /// today's scale.
    static func holdingSyncMarks<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let marks = HeldSyncMarks()
        let result = try $heldMarks.withValue(marks) { try body() }
        for (type, updated) in marks.newest.sorted(by: { $0.key < $1.key }) {
            try advance.execute(db, type, updated)
        }
        return result
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

/// The newest `updated` per PeeringDB type seen so far by a replay. Only the replaying thread
/// touches it (inside `PeeringDBProjection.holdingSyncMarks`), hence unchecked.
final class HeldSyncMarks: @unchecked Sendable {
    private(set) var newest: [String: String] = [:]

    /// As SQLite's `max` on the TEXT column: byte order (BINARY), a prefix before what extends it.
    func advance(_ type: String, to updated: String) {
        if let known = newest[type], !known.utf8Precedes(updated) { return }
        newest[type] = updated
    }
}
