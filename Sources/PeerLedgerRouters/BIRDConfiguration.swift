import PeerLedger
import PeerLedgerDomain
/// A BIRD 2 `protocol bgp` block, one per session, named `peerledger_session_<id>`; the peer
/// group is a BIRD template (`from GROUP`, GROUP the peer group's router-safe name), which the
/// main configuration must define.
enum BIRDConfiguration {
    static func protocolName(_ sessionID: Int64) -> String { "peerledger_session_\(sessionID)" }

    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        let checked = try CheckedNeighbor(n, platform: .bird2, descriptionLimit: 255, passwordLimit: 80)
        var lines: [String] = []
        lines.append("# PeerLedger session \(n.sessionID)" + (checked.note.map { ": \($0)" } ?? ""))
        lines.append("protocol bgp \(protocolName(n.sessionID))" + (checked.group.map { " from \($0)" } ?? "") + " {")
        if let description = checked.description { lines.append("  description \"\(description)\";") }
        lines.append("  local " + (checked.localAddress.map { "\($0) " } ?? "") + "as \(n.localASN);")
        lines.append("  neighbor \(n.address.text) as \(n.remoteASN);")
        if let password = checked.password { lines.append("  password \"\(password)\";") }
        lines.append("  \(n.family == .ipv4 ? "ipv4" : "ipv6") {")
        lines.append("    import all;")
        lines.append("    export none;")
        if let limit = n.maximumPrefixes { lines.append("    receive limit \(limit) action disable;") }
        lines.append("  };")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// BIRD keeps the session in its own file; removing it empties the file.
    static func remove(_ n: Neighbor) throws(Refusal) -> String {
        "# PeerLedger session \(n.sessionID) removed\n"
    }
}
