/// FRR's vtysh commands for a neighbor, in the seed's shape (`conf t` ... `end`, `write`), with
/// the address-family part explicit so IPv6 neighbors are activated where they belong.
enum FRRConfiguration {
    static let descriptionLimit = 80

    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.configure(n, platform: .frr)
    }

    static func remove(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.remove(n, platform: .frr)
    }
}

/// Cisco IOS commands: FRR's shape, with the password's encryption type (`0`, clear text) and
/// no `update-source` (IOS takes an interface there, not an address).
enum IOSConfiguration {
    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.configure(n, platform: .ciscoIOS)
    }

    static func remove(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.remove(n, platform: .ciscoIOS)
    }
}

/// The IOS-style CLI that FRR and IOS share.
enum CLIConfiguration {
    static func configure(_ n: Neighbor, platform: RouterPlatform) throws(Refusal) -> String {
        let checked = try CheckedNeighbor(n, platform: platform, descriptionLimit: 80, groupLimit: 64, passwordLimit: 80)
        let peer = n.address.text
        var lines = ["conf t", "router bgp \(n.localASN)"]
        if let note = checked.note { lines.append("! \(note)") }
        if let group = checked.group { lines.append("neighbor \(group) peer-group") }
        lines.append("neighbor \(peer) remote-as \(n.remoteASN)")
        if let group = checked.group { lines.append("neighbor \(peer) peer-group \(group)") }
        if let description = checked.description { lines.append("neighbor \(peer) description \(description)") }
        if platform == .frr, let source = checked.localAddress { lines.append("neighbor \(peer) update-source \(source)") }
        if let password = checked.password {
            lines.append(platform == .ciscoIOS ? "neighbor \(peer) password 0 \(password)" : "neighbor \(peer) password \(password)")
        }
        lines.append("address-family \(n.family == .ipv4 ? "ipv4" : "ipv6") unicast")
        lines.append("neighbor \(peer) activate")
        if let limit = n.maximumPrefixes { lines.append("neighbor \(peer) maximum-prefix \(limit)") }
        lines += ["exit-address-family", "end", "write"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func remove(_ n: Neighbor, platform: RouterPlatform) throws(Refusal) -> String {
        ["conf t", "router bgp \(n.localASN)", "no neighbor \(n.address.text)", "end", "write"].joined(separator: "\n") + "\n"
    }
}

/// A neighbor's text fields after the platform's checks: safe to write into its configuration.
struct CheckedNeighbor {
    var description: String?
    var group: String?
    var password: String?
    var note: String?
    var localAddress: String?

    init(
        _ n: Neighbor, platform: RouterPlatform, descriptionLimit: Int, groupLimit: Int, passwordLimit: Int,
        group groupCheck: ((String) throws(Refusal) -> String)? = nil
    ) throws(Refusal) {
        if let value = n.description {
            let text = try ConfigurationValues.text(value, field: "peer_name", platform: platform, maxLength: descriptionLimit)
            description = text.isEmpty ? nil : text
        }
        if let value = n.group, !value.isEmpty {
            if let groupCheck {
                group = try groupCheck(value)
            } else {
                group = try ConfigurationValues.word(value, field: "peer_group", platform: platform, maxLength: groupLimit)
            }
        }
        if let value = n.password, !value.isEmpty {
            password = try ConfigurationValues.secret(value, field: "password", platform: platform, maxLength: passwordLimit)
        }
        if let value = n.note {
            let text = try ConfigurationValues.text(value, field: "note", platform: platform, maxLength: 255)
            note = text.isEmpty ? nil : text
        }
        if let source = n.localAddress {
            guard let address = IPAddress(source) else {
                throw Refusal("source_ipaddr '\(Values.quoted(source))' cannot be rendered for \(platform.rawValue): it is not an address")
            }
            localAddress = address.text
        }
    }
}
