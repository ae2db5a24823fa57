import PeerLedger
import PeerLedgerDomain
/// The lines a push would add (`+`) to the running configuration, and the lines about the same
/// neighbor it does not have (`-`), passwords redacted. A session already on the router shows no
/// difference: FRR's and IOS's configurations are compared as normalised statements
/// (`CLIStatements`), not as text.
package enum ConfigurationDiff {
    static let framing: Set<String> = ["conf t", "configure terminal", "end", "write", "exit-address-family", "exit", "}", "};"]

    package static func lines(_ configuration: RouterConfiguration, running: String, peer: String) -> [String] {
        switch configuration.platform {
        case .frr, .ciscoIOS: return statements(configuration, running: running, peer: peer)
        case .bird2, .junos: return text(configuration, running: running, peer: peer)
        }
    }

    /// FRR and IOS: what the commands would set that the running configuration does not hold,
    /// block by block, after both sides drop what the router leaves implied.
    static func statements(_ configuration: RouterConfiguration, running: String, peer: String) -> [String] {
        let runningStatements = CLIStatements.parse(printed: running)
        let byDefault = CLIStatements.ipv4UnicastByDefault(runningStatements)
        let have = CLIStatements.normalised(runningStatements, ipv4UnicastByDefault: byDefault)
        let want = CLIStatements.normalised(CLIStatements.parse(commands: configuration.commandLines), ipv4UnicastByDefault: byDefault)
        let present = Set(have)
        let wanted = Set(want)
        var out: [String] = []
        for statement in want where !present.contains(statement) {
            out.append("+ " + Redaction.redactLine(statement.line))
        }
        guard !peer.isEmpty else { return out }
        for statement in have where !wanted.contains(statement) && statement.context.first?.hasPrefix("router bgp") == true {
            if statement.line.split(separator: " ").contains(Substring(peer)) {
                out.append("- " + Redaction.redactLine(statement.line))
            }
        }
        return out
    }

    /// BIRD and Junos: line by line, since PeerLedger's own file (BIRD) or set commands (Junos)
    /// are compared with text of the same shape.
    static func text(_ configuration: RouterConfiguration, running: String, peer: String) -> [String] {
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
