package import GRDB
public import PeerLedgerDomain


/// One of our routers (`resource_id` / `resource_name` in the API), as the routers projection
/// holds it.
public struct BGPRouter: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var platform: RouterPlatform
    public var access: RouterAccess

    public init(id: Int64, name: String, platform: RouterPlatform, access: RouterAccess) {
        self.id = id
        self.name = name
        self.platform = platform
        self.access = access
    }

    public static func stream(_ id: Int64) -> String { "router-\(id)" }

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
            throw Refusal("router \(id) has platform '\(row["platform"] as String? ?? "")', which this build does not know")
        }
        let access: RouterAccess
        do {
            access = try CanonicalJSON.decode(RouterAccess.self, from: row["access"])
        } catch {
            throw Refusal("router \(id) has access settings this build cannot read: \(error)")
        }
        self.init(id: id, name: row["name"], platform: platform, access: access)
    }

    /// The router as `routers list` shows it (the password only as whether one is stored).
    public var json: JSON {
        .object([
            ("id", .string(String(id))),
            ("name", .string(name)),
            ("platform", .string(platform.rawValue)),
            ("access", .string(access.kind.rawValue)),
            ("vtysh_socket", .string(access.vtyshSocket)),
            ("vtysh_config_dir", .string(access.vtyshConfigDir)),
            ("netns", .string(access.netns)),
            ("bird_socket", .string(access.birdSocket)),
            ("bird_config_dir", .string(access.birdConfigDir)),
            ("host", .string(access.host)),
            ("port", access.port.map { JSON.string(String($0)) } ?? .null),
            ("user", .string(access.user)),
            ("key_file", .string(access.keyFile)),
            ("password", access.passwordRef == nil ? .null : .string("<stored>")),
        ])
    }
}
