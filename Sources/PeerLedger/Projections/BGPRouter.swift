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
