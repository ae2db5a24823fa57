/// The lines a push would add (`+`) to the running configuration, and the lines about the same
/// neighbor it does not have (`-`), passwords redacted.
enum ConfigurationDiff {
    static let framing: Set<String> = ["conf t", "configure terminal", "end", "write", "exit-address-family", "exit", "}", "};"]

    static func lines(_ configuration: RouterConfiguration, running: String, peer: String) -> [String] {
        let wanted = configuration.commandLines.filter { line in
            !framing.contains(line) && !line.hasPrefix("router bgp ") && !line.hasPrefix("address-family ")
        }
        let runningLines = running.split(separator: "\n").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        let present = Set(runningLines)
        let wantedSet = Set(wanted)
        var out: [String] = []
        for line in wanted where !present.contains(line) {
            out.append("+ " + Redaction.redactLine(line))
        }
        for line in runningLines where !wantedSet.contains(line) && !peer.isEmpty {
            let words = line.split(whereSeparator: { $0 == " " || $0 == ";" }).map(String.init)
            if words.contains(peer) { out.append("- " + Redaction.redactLine(line)) }
        }
        return out
    }
}
