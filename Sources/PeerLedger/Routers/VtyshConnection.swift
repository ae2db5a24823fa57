/// FRR through `vtysh`, on this host or over SSH: each configuration line is one `-c` argument,
/// so vtysh keeps its mode from one line to the next and stops at the first rejected one.
struct VtyshConnection: RouterConnection {
    let runner: CommandRunner
    let socketDirectory: String?
    let configDirectory: String?
    let routerName: String

    var vtysh: [String] {
        ["vtysh"] + (socketDirectory.map { ["--vty_socket", $0] } ?? []) + (configDirectory.map { ["--config_dir", $0] } ?? [])
    }

    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) {
        let lines = configuration.commandLines
        guard !lines.isEmpty else { return }
        _ = try await run(lines)
    }

    func runningConfiguration() async throws(RouterAccessError) -> String {
        try await run(["show running-config"])
    }

    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] {
        try FRRNeighbors.parse(try await run(["show bgp neighbors json"]))
    }

    private func run(_ commands: [String]) async throws(RouterAccessError) -> String {
        let result = await runner.run(vtysh + commands.flatMap { ["-c", $0] })
        try RouterProcessErrors.check(result, router: routerName, runner: runner)
        return result.output
    }
}

/// Turns a failed command into the three failures an operator tells apart.
enum RouterProcessErrors {
    /// Lines vtysh and ssh print on success too: not the reason for a failure.
    static let noise = [
        "Warning: Permanently added", "% Can't open configuration file", "Can't open configuration file",
        "Note: this version of vtysh never writes vtysh.conf", "Building Configuration...",
    ]

    static func check(_ result: CommandResult, router: String, runner: CommandRunner) throws(RouterAccessError) {
        if result.timedOut {
            throw .unreachable("\(router) did not answer within \(Int(runner.timeout)) s")
        }
        guard result.status != 0 else { return }
        let message = (result.errorOutput + "\n" + result.output).split(separator: "\n").map { String($0).trimmingSpaces }
            .filter { line in !line.isEmpty && !noise.contains { line.hasPrefix($0) } }.joined(separator: "; ")
        if case .ssh = runner.place, result.status == 255 {
            if message.contains("Permission denied") || message.contains("Authentication failed") || message.contains("Too many authentication failures") {
                throw .authentication(message)
            }
            throw .unreachable(message)
        }
        let lower = message.lowercased()
        if lower.contains("exiting: failed to connect") || lower.contains("failed to connect to any daemons")
            || lower.contains("connection refused") || lower.contains("unable to connect to server")
            || lower.contains("cannot open network namespace") || result.status == 127
        {
            throw .unreachable(message)
        }
        if lower.contains("permission denied") { throw .authentication(message) }
        throw .rejected(message.isEmpty ? "exit status \(result.status)" : message)
    }
}
