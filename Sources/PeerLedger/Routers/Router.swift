import GRDB

/// The router software a configuration is written for: each has its own syntax and quoting.
public enum RouterPlatform: String, Codable, Sendable, CaseIterable {
    case frr
    case ciscoIOS = "cisco-ios"
    case junos
    case bird2

    public static func parse(_ text: String, field: String = "platform") throws(Refusal) -> RouterPlatform {
        guard let value = RouterPlatform(rawValue: text.lowercased()) else {
            let allowed = allCases.map(\.rawValue).joined(separator: ", ")
            throw Refusal("\(field) must be one of: \(allowed); got '\(Values.quoted(text))'")
        }
        return value
    }
}

/// How PeerLedger reaches a router: commands run on this host (FRR's vtysh, BIRD's birdc,
/// optionally inside a network namespace) or over SSH. Never holds a password, only its ref.
public struct RouterAccess: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case local, ssh }

    public var kind: Kind
    /// FRR: the folder of the daemons' vty sockets (`vtysh --vty_socket`).
    public var vtyshSocket: String?
    /// FRR: vtysh's configuration folder (`vtysh --config_dir`), where `write` saves; for an FRR
    /// whose files are not in /etc/frr (a lab, a second instance).
    public var vtyshConfigDir: String?
    /// Run the router's commands inside this network namespace (`ip netns exec`).
    public var netns: String?
    /// BIRD: the control socket (`birdc -s`).
    public var birdSocket: String?
    /// BIRD: the folder of per-session files the main configuration includes.
    public var birdConfigDir: String?
    public var host: String?
    public var port: Int?
    public var user: String?
    public var keyFile: String?
    /// The ref in `secrets` of the SSH password (the password never enters the log).
    public var passwordRef: String?

    public init(
        kind: Kind, vtyshSocket: String? = nil, vtyshConfigDir: String? = nil, netns: String? = nil, birdSocket: String? = nil,
        birdConfigDir: String? = nil, host: String? = nil, port: Int? = nil, user: String? = nil,
        keyFile: String? = nil, passwordRef: String? = nil
    ) {
        self.kind = kind
        self.vtyshSocket = vtyshSocket
        self.vtyshConfigDir = vtyshConfigDir
        self.netns = netns
        self.birdSocket = birdSocket
        self.birdConfigDir = birdConfigDir
        self.host = host
        self.port = port
        self.user = user
        self.keyFile = keyFile
        self.passwordRef = passwordRef
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case vtyshSocket = "vtysh_socket"
        case vtyshConfigDir = "vtysh_config_dir"
        case netns
        case birdSocket = "bird_socket"
        case birdConfigDir = "bird_config_dir"
        case host, port, user
        case keyFile = "key_file"
        case passwordRef = "password_ref"
    }
}

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
    public static func fetch(_ db: Database, id: Int64) throws -> BGPRouter? {
        try Row.fetchOne(db, sql: "SELECT * FROM routers WHERE id = ? AND removed = 0", arguments: [id]).map(BGPRouter.init(row:))
    }

    /// Every registered router, by id.
    public static func all(_ db: Database) throws -> [BGPRouter] {
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
