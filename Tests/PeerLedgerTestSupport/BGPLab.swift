public import Foundation

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

/// A real BGP lab made by a test and removed by it: two network namespaces joined by a veth
/// pair, FRR (zebra + bgpd) in one as our router (AS65001, 10.0.0.1), BIRD 2 in the other as the
/// peer (AS65002, 10.0.0.2) announcing `prefixes` routes. Names are unique per lab, so labs
/// running side by side never collide; `tearDown` kills every daemon by its pid file and deletes
/// the namespaces, and is safe to call after a partial start.
public final class BGPLab: @unchecked Sendable {
    /// Runs `body` with a started lab and tears the lab down whatever happens. Where no lab can
    /// run (no root, no FRR or BIRD) it throws, so a test that uses it is marked
    /// `.enabled(if: BGPLab.unavailableReason == nil, ...)` and reported skipped there instead.
    /// `integratedConfig` false leaves vtysh.conf out of FRR's configuration folder, so `write`
    /// falls back to asking each daemon to save its own file (which bgpd cannot do here).
    public static func with(prefixes: Int, integratedConfig: Bool = true, _ body: (BGPLab) async throws -> Void) async throws {
        if let reason = unavailableReason { throw TestFailure("real BGP lab unavailable: \(reason)") }
        let lab = BGPLab(prefixes: prefixes, integratedConfig: integratedConfig)
        do {
            try await lab.start()
            try await body(lab)
        } catch {
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    public let tag: String
    public let folder: URL
    public let ours: String
    public let peer: String
    public let prefixes: Int
    public let integratedConfig: Bool
    public let ourAddress = "10.0.0.1"
    public let peerAddress = "10.0.0.2"
    public let ourASN = 65001
    public let peerASN = 65002

    public var frrSockets: String { folder.appendingPathComponent("frr").path }
    /// vtysh's configuration folder for this lab: without it, `write` would save into the
    /// machine's /etc/frr/frr.conf. With `integratedConfig` it holds the vtysh.conf FRR needs to
    /// save at all here (docs/routers.md), and `write` saves to frr.conf in it.
    public var frrConfig: String { folder.appendingPathComponent("frr-etc").path }
    /// The folder BIRD's configuration includes (`*.conf`): where PeerLedger writes sessions
    /// when the peer's BIRD is registered as a router itself.
    public var birdSessions: String { folder.appendingPathComponent("bird.d").path }
    public var birdSocket: String { folder.appendingPathComponent("bird.ctl").path }

    /// Why the lab cannot run here, or nil: root, `ip`, FRR's daemons and BIRD are needed.
    public static var unavailableReason: String? {
        if let reason = missingRootOrPrograms(
            ["/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "/usr/bin/vtysh"], install: "frr", root: "network namespaces need root")
        {
            return reason
        }
        if let tool = ["bird", "birdc", "ip"].first(where: { !toolAvailable($0) }) {
            return "\(tool) missing (apt-get install bird2 iproute2)"
        }
        return nil
    }

    public init(prefixes: Int, integratedConfig: Bool = true) {
        tag = String(UUID().uuidString.prefix(6)).lowercased()
        folder = URL(fileURLWithPath: "/tmp/peerledger-lab-\(tag)")
        ours = "plA-\(tag)"
        peer = "plB-\(tag)"
        self.prefixes = prefixes
        self.integratedConfig = integratedConfig
    }

    @discardableResult
    public func sh(_ arguments: [String], timeout: Duration = .seconds(20)) async throws -> String {
        let result = try await CommandRunner.execute(arguments, timeout: timeout)
        guard result.status == 0 else {
            throw TestFailure("\(arguments.joined(separator: " ")) exited \(result.status): \(result.errorOutput)\(result.output)")
        }
        return result.output
    }

    public func start() async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try await sh(["chmod", "755", folder.path])
        try await sh(["ip", "netns", "add", ours])
        try await sh(["ip", "netns", "add", peer])
        try await sh(["ip", "link", "add", "va\(tag)", "type", "veth", "peer", "name", "vb\(tag)"])
        try await sh(["ip", "link", "set", "va\(tag)", "netns", ours])
        try await sh(["ip", "link", "set", "vb\(tag)", "netns", peer])
        try await sh(["ip", "-n", ours, "addr", "add", "\(ourAddress)/30", "dev", "va\(tag)"])
        try await sh(["ip", "-n", peer, "addr", "add", "\(peerAddress)/30", "dev", "vb\(tag)"])
        for (ns, link) in [(ours, "va\(tag)"), (peer, "vb\(tag)")] {
            try await sh(["ip", "-n", ns, "link", "set", "lo", "up"])
            try await sh(["ip", "-n", ns, "link", "set", link, "up"])
        }
        try await startFRR()
        try await startBIRD()
    }

    private func startFRR() async throws {
        let sockets = frrSockets
        try await sh(["install", "-d", "-o", "frr", "-g", "frr", sockets])
        try await sh(["install", "-d", "-o", "frr", "-g", "frr", frrConfig])
        if integratedConfig {
            try Data("service integrated-vtysh-config\n".utf8).write(to: URL(fileURLWithPath: frrConfig).appendingPathComponent("vtysh.conf"))
        }
        let config = """
            frr defaults traditional
            router bgp \(ourASN)
             bgp router-id \(ourAddress)
             no bgp ebgp-requires-policy
            """
        try Data((config + "\n").utf8).write(to: folder.appendingPathComponent("frr.conf"))
        try await sh(["chown", "frr:frr", folder.appendingPathComponent("frr.conf").path])
        try await sh([
            "ip", "netns", "exec", ours, "/usr/lib/frr/zebra", "-d", "-f", "/dev/null", "--vty_socket", sockets, "-z",
            "\(sockets)/zserv.api", "-i", "\(sockets)/zebra.pid",
        ])
        try await sh([
            "ip", "netns", "exec", ours, "/usr/lib/frr/bgpd", "-d", "-f", folder.appendingPathComponent("frr.conf").path,
            "--vty_socket", sockets, "-z", "\(sockets)/zserv.api", "-i", "\(sockets)/bgpd.pid",
        ])
        try await waitUntil("FRR in \(ours) to answer vtysh", within: .seconds(5), every: .milliseconds(100)) {
            (try? await vtysh(["show bgp summary json"])) != nil
        }
    }

    private func startBIRD() async throws {
        var routes = ""
        for index in 0..<prefixes {
            routes += "  route 100.\(64 + index / 65536).\(index / 256 % 256).\(index % 256)/32 blackhole;\n"
        }
        try FileManager.default.createDirectory(atPath: birdSessions, withIntermediateDirectories: true)
        let config = """
            router id \(peerAddress);
            include "\(birdSessions)/*.conf";
            protocol device {}
            protocol static announced {
              ipv4;
            \(routes)}
            protocol bgp ourrouter {
              local \(peerAddress) as \(peerASN); neighbor \(ourAddress) as \(ourASN); connect retry time 1;
              ipv4 { import all; export where proto = "announced"; };
            }
            """
        let file = folder.appendingPathComponent("bird.conf")
        try Data((config + "\n").utf8).write(to: file)
        try await sh([
            "ip", "netns", "exec", peer, "bird", "-c", file.path, "-s", folder.appendingPathComponent("bird.ctl").path, "-P",
            folder.appendingPathComponent("bird.pid").path,
        ])
    }

    /// The integrated configuration file `write` saves to (with `integratedConfig`).
    public var savedConfig: String { frrConfig + "/frr.conf" }

    /// Runs vtysh commands on our router.
    public func vtysh(_ commands: [String]) async throws -> String {
        try await sh(["ip", "netns", "exec", ours, "vtysh", "--vty_socket", frrSockets] + commands.flatMap { ["-c", $0] })
    }

    /// Stops every daemon by its pid file, deletes the namespaces and the folder.
    public func tearDown() async {
        let pidFiles = [
            folder.appendingPathComponent("bird.pid").path, "\(frrSockets)/bgpd.pid", "\(frrSockets)/zebra.pid",
        ]
        var pids: [pid_t] = []
        for file in pidFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
            else { continue }
            kill(pid, SIGTERM)
            pids.append(pid)
        }
        for _ in 0..<50 where pids.contains(where: { kill($0, 0) == 0 }) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        _ = try? await sh(["ip", "netns", "del", ours])
        _ = try? await sh(["ip", "netns", "del", peer])
        try? FileManager.default.removeItem(at: folder)
    }
}
