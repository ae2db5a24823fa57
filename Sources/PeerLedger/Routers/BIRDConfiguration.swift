/// A BIRD 2 `protocol bgp` block, one per session, named `peerledger_session_<id>`; the peer
/// group is a BIRD template (`from GROUP`), which the main configuration must define.
enum BIRDConfiguration {
    static func protocolName(_ sessionID: Int64) -> String { "peerledger_session_\(sessionID)" }

    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        let checked = try CheckedNeighbor(
            n, platform: .bird2, descriptionLimit: 255, groupLimit: 64, passwordLimit: 80,
            group: { (value) throws(Refusal) in try symbol(value) })
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

    /// A BIRD symbol (a template name): a letter or `_`, then letters, digits, `_`.
    static func symbol(_ value: String) throws(Refusal) -> String {
        try ConfigurationValues.refuseUnsafe(value, field: "peer_group", platform: .bird2)
        let scalars = Array(value.unicodeScalars)
        let valid =
            !scalars.isEmpty && scalars.count <= 64
            && scalars.enumerated().allSatisfy { index, s in
                switch s {
                case "a"..."z", "A"..."Z", "_": return true
                case "0"..."9": return index > 0
                default: return false
                }
            }
        guard valid else {
            throw Refusal("peer_group '\(Values.quoted(value))' cannot be rendered for bird2: a BIRD template name is a letter or '_' followed by letters, digits or '_' (at most 64)")
        }
        return value
    }
}
