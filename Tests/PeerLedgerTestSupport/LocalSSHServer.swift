public import Foundation

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

/// An OpenSSH server on a loopback port, started by a test with its own host key, its own
/// authorized key and its own configuration (nothing of the machine's is touched), stopped by
/// its pid file.
public final class LocalSSHServer: @unchecked Sendable {
    public let folder: URL
    public let port: Int
    public var clientKey: String { folder.appendingPathComponent("client_key").path }
    public var wrongKey: String { folder.appendingPathComponent("wrong_key").path }

    /// Why sshd cannot run here for a test, or nil: root and OpenSSH are needed.
    public static var unavailableReason: String? {
        missingRootOrPrograms(
            ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen"], install: "openssh-server openssh-client",
            root: "sshd on a port of its own with its own host key")
    }

    public init() throws {
        folder = URL(fileURLWithPath: "/tmp/peerledger-sshd-\(UUID().uuidString.prefix(8).lowercased())")
        port = try freeLoopbackPort()
    }

    public func start(using lab: BGPLab) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try await lab.sh(["chmod", "700", folder.path])
        try await lab.sh(["mkdir", "-p", "/run/sshd"])
        for key in ["host_key", "client_key", "wrong_key"] {
            try await lab.sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", folder.appendingPathComponent(key).path])
        }
        try FileManager.default.copyItem(
            at: folder.appendingPathComponent("client_key.pub"), to: folder.appendingPathComponent("authorized_keys"))
        let config = """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(folder.appendingPathComponent("host_key").path)
            PidFile \(folder.appendingPathComponent("sshd.pid").path)
            AuthorizedKeysFile \(folder.appendingPathComponent("authorized_keys").path)
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            """
        let file = folder.appendingPathComponent("sshd_config")
        try Data((config + "\n").utf8).write(to: file)
        // A key remembered for this port from an earlier run would be a "changed host key".
        _ = try? await CommandRunner.execute(
            ["ssh-keygen", "-R", "[127.0.0.1]:\(port)", "-f", CommandRunner.knownHostsFile], timeout: .seconds(10))
        try await lab.sh(["/usr/sbin/sshd", "-f", file.path])
        let pidFile = folder.appendingPathComponent("sshd.pid").path
        try await waitUntil("sshd to start on port \(port)", within: .seconds(5), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: pidFile)
        }
    }

    public func stop() async {
        if let text = try? String(contentsOf: folder.appendingPathComponent("sshd.pid"), encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        {
            kill(pid, SIGTERM)
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
