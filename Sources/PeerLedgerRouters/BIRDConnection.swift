import Foundation
import PeerLedger
import PeerLedgerDomain

/// BIRD 2 on this host: each session's `protocol bgp` block is a file
/// `peerledger_session_<id>.conf` in the folder the main configuration includes
/// (`include "DIR/*.conf";`), and `birdc configure` applies it (BIRD checks the whole
/// configuration first and keeps the old one when it is refused).
struct BIRDConnection: RouterConnection {
    let runner: CommandRunner
    let socket: String?
    let configDirectory: String?
    let routerName: String

    var birdc: [String] { ["birdc"] + (socket.map { ["-s", $0] } ?? []) }

    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) {
        guard case .local = runner.place, let configDirectory else {
            throw .rejected("\(routerName) is a bird2 router without a configuration folder (--bird-config-dir); PeerLedger cannot write its configuration")
        }
        let file = URL(fileURLWithPath: configDirectory).appendingPathComponent("peerledger_session_\(configuration.sessionID).conf")
        let previous = try? Data(contentsOf: file)
        do {
            try Data(configuration.text.utf8).write(to: file, options: .atomic)
        } catch {
            throw .unreachable("cannot write \(file.path): \(error.localizedDescription)")
        }
        do throws(RouterAccessError) {
            let output = try await run(["configure"])
            if output.contains("error") || output.contains("Error") || !output.contains("Reconfigur") {
                throw RouterAccessError.rejected(output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        } catch {
            // Put back what was there, so the folder matches what BIRD runs.
            if let previous { try? previous.write(to: file, options: .atomic) } else { try? FileManager.default.removeItem(at: file) }
            throw error
        }
        if configuration.operation == .remove { try? FileManager.default.removeItem(at: file) }
    }

    func runningConfiguration() async throws(RouterAccessError) -> String {
        guard let configDirectory else { return "" }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: configDirectory)) ?? []).filter { $0.hasSuffix(".conf") }.sorted()
        return files.compactMap { try? String(contentsOfFile: configDirectory + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
    }

    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] {
        try BIRDProtocols.parse(await run(["show", "protocols", "all"]))
    }

    private func run(_ arguments: [String]) async throws(RouterAccessError) -> String {
        let result: CommandResult
        do {
            result = try await runner.run(birdc + arguments)
        } catch {
            throw RouterProcessErrors.failure(error, router: routerName)
        }
        try RouterProcessErrors.check(result, router: routerName, runner: runner)
        if result.output.contains("Unable to connect to server") {
            throw .unreachable(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }
}
