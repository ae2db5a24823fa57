import GRDB
import PeerLedgerDomain

/// The `routers` table: our routers by `resource_id`, which getSessions names and
/// configureSession pushes to.
struct RoutersProjection: Projection {
    var name: String { "routers" }
    var version: Int { 1 }
    var tables: [(name: String, order: String)] { [(name: "routers", order: "id")] }
    var eventTypes: Set<String> { [RouterAdded.type, RouterRemoved.type] }

    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws {
        switch event {
        case let .routerAdded(added):
            let time = RecordedTime.apiText(recorded.recordedAt)
            try Self.added.execute(db, added.routerID, added.name, added.platform.rawValue, try CanonicalJSON.encode(added.access), time)
        case let .routerRemoved(removed):
            try Self.removed.execute(db, removed.routerID)
        default:
            break
        }
    }

    static let added = WriteStatement("""
        INSERT INTO routers (id, name, platform, access, created, removed) VALUES (?, ?, ?, ?, ?, 0)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, platform = excluded.platform,
            access = excluded.access, created = excluded.created, removed = 0
        """)
    static let removed = WriteStatement("UPDATE routers SET removed = 1 WHERE id = ?")
}
