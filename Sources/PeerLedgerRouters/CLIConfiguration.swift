import PeerLedger
import PeerLedgerDomain
/// The IOS-style CLI that FRR and IOS share.
enum CLIConfiguration {
    static func configure(_ n: Neighbor, platform: RouterPlatform) throws(Refusal) -> String {
        let checked = try CheckedNeighbor(n, platform: platform, descriptionLimit: 80, passwordLimit: 80)
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
