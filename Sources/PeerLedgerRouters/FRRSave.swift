import PeerLedger
import PeerLedgerDomain
/// Whether FRR really saved a push. `vtysh -c write` exits 0 even when a daemon could not write
/// its own file (FRR without `service integrated-vtysh-config` in vtysh.conf asks each daemon to
/// save itself, and bgpd may not be allowed to write next to its configuration), so the exit
/// status proves nothing: the saved file is read back and its `router bgp` blocks must hold
/// exactly what FRR runs.
enum FRRSave {
    /// Lines `write` prints whether or not it saved: progress, not a reason.
    static let progress = [
        "Note: this version of vtysh never writes vtysh.conf", "Building Configuration...", "Building configuration...",
        "Warning: attempting direct configuration write without watchfrr.", "File permissions and ownership may be incorrect, or write may fail.",
        "[OK]",
    ]

    /// The files `write` says it saved: `Integrated configuration saved to PATH` (one file for
    /// every daemon) or `Configuration saved to PATH` (one per daemon that could save).
    static func savedFiles(_ output: String) -> [String] {
        var files: [String] = []
        for raw in output.split(whereSeparator: \.isNewline) {
            let line = String(raw).trimmingSpaces
            for marker in ["Integrated configuration saved to ", "Configuration saved to "] where line.hasPrefix(marker) {
                let path = String(line.dropFirst(marker.count)).trimmingSpaces
                if path.hasPrefix("/") && !files.contains(path) { files.append(path) }
                break
            }
        }
        return files
    }

    /// What `write` printed besides its progress lines: FRR's own reason when it did not save.
    static func remarks(_ output: String) -> [String] {
        output.split(whereSeparator: \.isNewline).map { String($0).trimmingSpaces }.filter { line in
            !line.isEmpty && !progress.contains(line) && !line.hasPrefix("Integrated configuration saved to ")
                && !line.hasPrefix("Configuration saved to ")
        }
    }

    /// The `router bgp` statements that the saved files and the running configuration do not
    /// share, each marked with the side that has it; empty when the saved files hold what runs.
    static func differences(running: String, saved: [String]) -> [String] {
        let runningStatements = CLIStatements.parse(printed: running)
        let byDefault = CLIStatements.ipv4UnicastByDefault(runningStatements)
        let runs = CLIStatements.normalised(CLIStatements.bgp(runningStatements), ipv4UnicastByDefault: byDefault)
        let kept = CLIStatements.normalised(
            CLIStatements.bgp(saved.flatMap { CLIStatements.parse(printed: $0) }), ipv4UnicastByDefault: byDefault)
        let runsSet = Set(runs)
        let keptSet = Set(kept)
        return runs.filter { !keptSet.contains($0) }.map { "running only: " + Redaction.redactLine($0.line) }
            + kept.filter { !runsSet.contains($0) }.map { "saved only: " + Redaction.redactLine($0.line) }
    }

    /// Why the push does not count as applied, for the log and the caller: FRR's remarks, what
    /// the check found, and what the configuration folder needs when vtysh did not save through
    /// the integrated file.
    static func reason(writeOutput: String, finding: String, status: Int32, configDirectory: String?) -> String {
        var parts = ["FRR did not save the configuration (vtysh write exited \(status)): \(finding)"]
        let remarks = remarks(writeOutput)
        if !remarks.isEmpty { parts.append("FRR said: " + remarks.map(Redaction.redactLine).joined(separator: " / ")) }
        if !writeOutput.contains("Integrated configuration saved to ") {
            parts.append(
                "the configuration folder (\(configDirectory ?? "/etc/frr")) needs a vtysh.conf with the line 'service integrated-vtysh-config', so that vtysh saves every daemon's configuration to frr.conf there")
        }
        return parts.joined(separator: "; ")
    }
}
