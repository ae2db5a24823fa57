package import GRDB
import PeerLedgerDomain

/// The routers projection's rows read as `BGPRouter` values.
extension BGPRouter {
    /// The registered (not removed) router with this id, or nil.
    package static func fetch(_ db: Database, id: Int64) throws -> BGPRouter? {
        try Row.fetchOne(db, sql: "SELECT * FROM routers WHERE id = ? AND removed = 0", arguments: [id]).map(BGPRouter.init(row:))
    }

    /// Every registered router, by id.
    package static func all(_ db: Database) throws -> [BGPRouter] {
        try Row.fetchAll(db, sql: "SELECT * FROM routers WHERE removed = 0 ORDER BY id").map(BGPRouter.init(row:))
    }

    /// A routers row. A row this build cannot read is an error, never a router quietly left out.
    init(row: Row) throws {
        let id: Int64 = row["id"]
        guard let platform = RouterPlatform(rawValue: row["platform"]) else {
            throw Refusal("router \(id) has platform '\(row["platform"] as String? ?? "")', which this build does not know", code: .routerPlatformUnknown)
        }
        let access: RouterAccess
        do {
            access = try CanonicalJSON.decode(RouterAccess.self, from: row["access"])
        } catch {
            throw Refusal("router \(id) has access settings this build cannot read: \(error)")
        }
        self.init(id: id, name: row["name"], platform: platform, access: access)
    }
}

extension LedgerReader {
    /// The registered (not removed) router with this id, or nil.
    package func router(id: Int64) throws -> BGPRouter? { try BGPRouter.fetch(db, id: id) }

    /// Every registered router, by id.
    package func routers() throws -> [BGPRouter] { try BGPRouter.all(db) }
}
