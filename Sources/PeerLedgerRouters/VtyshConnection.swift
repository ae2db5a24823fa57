import PeerLedger
import PeerLedgerDomain
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

    /// Applies the configuration's lines, saves with `write memory` (whether or not the lines
    /// ended with a save of their own), then proves the save (`proveSaved`). A push FRR runs
    /// but did not save is `.notSaved`: the router would lose it at its next restart.
    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) {
        let lines = configuration.commandLines.filter { !CLIStatements.saveCommands.contains(CLIStatements.normalisedLine($0)) }
        if !lines.isEmpty { _ = try await run(lines) }
        let written = try await execute(vtysh + ["-c", "write memory"])
        try await proveSaved(written)
    }

    /// The `router bgp` blocks of the files `write` named (or, when it named none, of the
    /// integrated frr.conf in the configuration folder) must equal the running ones; anything
    /// else is `.notSaved` with FRR's own words and what is missing.
    private func proveSaved(_ written: CommandResult) async throws(RouterAccessError) {
        let writeOutput = written.output + "\n" + written.errorOutput
        func notSaved(_ finding: String) -> RouterAccessError {
            .notSaved(FRRSave.reason(writeOutput: writeOutput, finding: finding, status: written.status, configDirectory: configDirectory))
        }
        if written.status != 0 {
            do throws(RouterAccessError) {
                try RouterProcessErrors.check(written, router: routerName, runner: runner)
            } catch {
                guard case .rejected = error else { throw error }
                throw notSaved("write reported an error")
            }
        }
        let running = try await run(["show running-config"])
        let named = FRRSave.savedFiles(writeOutput)
        let files = named.isEmpty ? [(configDirectory ?? "/etc/frr") + "/frr.conf"] : named
        var saved: [String] = []
        for file in files {
            let read = try await execute(["cat", file])
            guard read.status == 0 else {
                let why = (read.errorOutput + read.output).split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit status \(read.status)"
                throw notSaved(named.isEmpty ? "write named no saved file, and \(file) cannot be read (\(why))" : "cannot read back \(file) (\(why))")
            }
            saved.append(read.output)
        }
        let differences = FRRSave.differences(running: running, saved: saved)
        guard differences.isEmpty else {
            let shown = differences.prefix(5).joined(separator: ", ") + (differences.count > 5 ? ", and \(differences.count - 5) more" : "")
            throw notSaved("\(files.joined(separator: ", ")) and the running configuration differ in router bgp (\(shown))")
        }
    }

    func runningConfiguration() async throws(RouterAccessError) -> String {
        try await run(["show running-config"])
    }

    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] {
        try FRRNeighbors.parse(try await run(["show bgp neighbors json"]))
    }

    /// Runs vtysh commands, each its own `-c`, and fails as the router failed.
    private func run(_ commands: [String]) async throws(RouterAccessError) -> String {
        let result = try await execute(vtysh + commands.flatMap { ["-c", $0] })
        try RouterProcessErrors.check(result, router: routerName, runner: runner)
        return result.output
    }

    /// Runs a command on the router's host; a command that never finishes is an unreachable router.
    private func execute(_ arguments: [String]) async throws(RouterAccessError) -> CommandResult {
        do {
            return try await runner.run(arguments)
        } catch {
            throw RouterProcessErrors.failure(error, router: routerName)
        }
    }
}

/// Turns a failed command into the three failures an operator tells apart.
enum RouterProcessErrors {
    /// Lines vtysh and ssh print on success too: not the reason for a failure.
    static let noise = [
        "Warning: Permanently added", "% Can't open configuration file", "Can't open configuration file",
        "Note: this version of vtysh never writes vtysh.conf", "Building Configuration...",
    ]

    /// The runner's own failures: a deadline passed or the program is missing, so the router
    /// did not answer; a runaway output is the router's answer, refused.
    static func failure(_ failure: CommandFailure, router: String) -> RouterAccessError {
        switch failure.kind {
        case .timedOut, .cannotStart, .cancelled: return .unreachable("\(router) did not answer: \(failure.description)")
        case .outputTooLarge: return .rejected("\(router): \(failure.description)")
        }
    }

    static func check(_ result: CommandResult, router: String, runner: CommandRunner) throws(RouterAccessError) {
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
