import PeerLedger
import PeerLedgerDomain
/// Junos `set`/`delete` lines under `protocols bgp group`. Junos needs a group for every
/// neighbor: the session's `peer_group`, or `peerledger`. Our AS is router-wide on Junos
/// (`routing-options autonomous-system`), so it is not repeated per neighbor.
enum JunosConfiguration {
    static let defaultGroup = "peerledger"

    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        let checked = try CheckedNeighbor(n, platform: .junos, descriptionLimit: 255, passwordLimit: 126)
        let group = checked.group ?? defaultGroup
        let prefix = "set protocols bgp group \(group)"
        let neighbor = "\(prefix) neighbor \(n.address.text)"
        let family = n.family == .ipv4 ? "inet" : "inet6"
        var lines = ["\(prefix) type external", "\(neighbor) peer-as \(n.remoteASN)"]
        if let description = checked.description { lines.append("\(neighbor) description \"\(description)\"") }
        if let source = checked.localAddress { lines.append("\(neighbor) local-address \(source)") }
        if let password = checked.password { lines.append("\(neighbor) authentication-key \"\(password)\"") }
        lines.append("\(neighbor) family \(family) unicast")
        if let limit = n.maximumPrefixes {
            lines.append("\(neighbor) family \(family) unicast prefix-limit maximum \(limit)")
            lines.append("\(neighbor) family \(family) unicast prefix-limit teardown")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func remove(_ n: Neighbor) throws(Refusal) -> String {
        let checked = try CheckedNeighbor(n, platform: .junos, descriptionLimit: 255, passwordLimit: 126)
        return "delete protocols bgp group \(checked.group ?? defaultGroup) neighbor \(n.address.text)\n"
    }
}
