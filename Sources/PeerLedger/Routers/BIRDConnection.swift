import Foundation

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
        BIRDProtocols.parse(try await run(["show", "protocols", "all"]))
    }

    private func run(_ arguments: [String]) async throws(RouterAccessError) -> String {
        let result = await runner.run(birdc + arguments)
        try RouterProcessErrors.check(result, router: routerName, runner: runner)
        if result.output.contains("Unable to connect to server") {
            throw .unreachable(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }
}

/// Routers PeerLedger can render for but not reach itself (Junos, IOS without SSH access): every
/// use says so, as an unreachable router.
struct UnsupportedConnection: RouterConnection {
    let reason: String
    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) { throw .unreachable(reason) }
    func runningConfiguration() async throws(RouterAccessError) -> String { throw .unreachable(reason) }
    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] { throw .unreachable(reason) }
}

/// The real connector: vtysh for FRR, birdc for BIRD, on this host or (FRR) over SSH.
public struct ProcessRouterConnector: RouterConnector {
    public var timeout: Double

    public init(timeout: Double = 30) { self.timeout = timeout }

    public func connection(to router: BGPRouter, credentials: RouterCredentials?, storedPassword: String?) -> any RouterConnection {
        let access = router.access
        let place: CommandRunner.Place
        switch access.kind {
        case .local:
            place = .local(netns: access.netns)
        case .ssh:
            guard let host = access.host else { return UnsupportedConnection(reason: "\(router.name) has ssh access but no host") }
            place = .ssh(
                host: host, port: access.port ?? 22, user: credentials?.username ?? access.user,
                keyFile: credentials?.password == nil ? access.keyFile : nil, password: credentials?.password ?? storedPassword)
        }
        let runner = CommandRunner(place: place, timeout: timeout)
        switch router.platform {
        case .frr:
            return VtyshConnection(runner: runner, socketDirectory: access.vtyshSocket, routerName: router.name)
        case .bird2:
            return BIRDConnection(runner: runner, socket: access.birdSocket, configDirectory: access.birdConfigDir, routerName: router.name)
        case .ciscoIOS, .junos:
            return UnsupportedConnection(
                reason: "\(router.name) is a \(router.platform.rawValue) router: PeerLedger renders its configuration (dry_run=1) but pushes only to frr and bird2 routers")
        }
    }
}
