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

    public enum CodingKeys: String, CodingKey {
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
