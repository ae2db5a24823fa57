import Crypto
import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// A tmpfs mounted by the test and then made read-only: a ledger on read-only media, in a
/// read-only folder, as an auditor's copy would be. Needs root (mount).
struct ReadOnlyMount {
    let folder: URL

    static var unavailableReason: String? {
        guard getuid() == 0 else { return "not root (mounting a tmpfs needs root)" }
        let probe = Scratch.url("mount-probe-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? runCommand(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", probe.path]))?.status == 0 else {
            return "mount -t tmpfs failed (no CAP_SYS_ADMIN here)"
        }
        _ = try? runCommand(["umount", probe.path])
        return nil
    }

    /// Mounts a tmpfs, lets `fill` write into it, then remounts it read-only.
    init(fill: (URL) async throws -> Void) async throws {
        folder = Scratch.url("read-only-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard try runCommand(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", folder.path]).status == 0 else {
            throw TestFailure("mount -t tmpfs \(folder.path) failed")
        }
        try await fill(folder)
        guard try runCommand(["mount", "-o", "remount,ro", folder.path]).status == 0 else {
            throw TestFailure("remount,ro \(folder.path) failed")
        }
    }

    func unmount() { _ = try? runCommand(["umount", folder.path]) }
}

/// SHA-256 of a file's bytes, to prove a tool left it as it was.
func fileDigest(_ path: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

@Suite(
    "Read-only tools never create or write a ledger", .serialized,
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct ReadOnlyToolsTests {
    /// A ledger with a key and the seed's Amazon session, made through the CLI.
    static func seededLedger(in folder: URL) async throws -> String {
        let path = folder.appendingPathComponent("ledger.sqlite").path
        #expect(try await peerledger(["init", "--db", path]).status == 0)
        let added = try await peerledger([
            "call", "--db", path,
            "action=addSession&source_asn=8038&source_ipaddr=1.2.3.5&resource_id=422&peer_asn=16509&peer_name=Amazon.com&peer_ipaddr=206.126.236.68&public_id=1&type=Peer",
        ])
        #expect(added.status == 0, "\(added.output) \(added.errors)")
        return path
    }

    @Test("verify, audit, export, rebuild, call, keys list and replay --db refuse a missing file with exit 66, naming it, and create nothing")
    func aMistypedPathIsRefused() async throws {
        let missing = Scratch.url("mistyped-\(UUID().uuidString).sqlite").path
        let commands: [[String]] = [
            ["verify", "--db", missing], ["audit", "--db", missing], ["export", "--db", missing], ["rebuild", "--db", missing],
            ["call", "--db", missing, "action=getSessions&public_id=1"], ["keys", "list", "--db", missing], ["replay", "--db", missing],
            ["routers", "list", "--db", missing],
        ]
        for command in commands {
            let run = try await peerledger(command)
            #expect(run.status == 66, "\(command): \(run.output) \(run.errors)")
            #expect(run.errors.contains("No ledger at \(missing): the file does not exist"), "\(command): \(run.errors)")
            #expect(!run.output.contains("OK"), "\(command)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(command) created \(missing)")
        }
    }

    @Test("a zero-byte file is refused as empty, not verified as an empty ledger")
    func anEmptyFileIsRefused() async throws {
        let empty = Scratch.url("empty-\(UUID().uuidString).sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let run = try await peerledger(["verify", "--db", empty])
        #expect(run.status == 66)
        #expect(run.errors.contains("No ledger at \(empty): the file is empty (0 bytes)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
    }

    @Test("a file that is not a ledger is named in the error")
    func aNonLedgerFileIsNamed() async throws {
        let text = Scratch.url("notes-\(UUID().uuidString).txt").path
        try Data(String(repeating: "peering notes\n", count: 400).utf8).write(to: URL(fileURLWithPath: text))
        let run = try await peerledger(["verify", "--db", text])
        #expect(run.status != 0)
        #expect(run.errors.contains(text), "\(run.errors)")
        #expect(!run.errors.contains("SQLite error 26\n"))
    }

    @Test("init creates an empty ledger that verify then reports as 0 events")
    func initCreatesALedger() async throws {
        let path = Scratch.url("init-\(UUID().uuidString).sqlite").path
        let created = try await peerledger(["init", "--db", path])
        #expect(created.status == 0)
        #expect(created.output == "created an empty ledger at \(path)\n")
        let verified = try await peerledger(["verify", "--db", path])
        #expect(verified.status == 0)
        #expect(verified.output.hasPrefix("OK: 0 events"))
        let again = try await peerledger(["init", "--db", path])
        #expect(again.output == "\(path) already holds a ledger (0 events); nothing changed\n")
    }

    @Test("verify, audit and export leave the ledger's file byte for byte as it was")
    func readingToolsDoNotWrite() async throws {
        let folder = Scratch.url("untouched-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = try await Self.seededLedger(in: folder)
        let before = try fileDigest(path)
        #expect(try await peerledger(["verify", "--db", path]).output.hasPrefix("OK: 1 events"))
        #expect(try await peerledger(["audit", "--db", path, "--json"]).output.split(separator: "\n").count == 1)
        #expect(try await peerledger(["export", "--db", path]).output.split(separator: "\n").count == 1)
        #expect(try await peerledger(["replay", "--db", path]).status == 0)
        #expect(try fileDigest(path) == before)
    }

    @Test(
        "verify, audit, export and replay --db work on a ledger in a read-only folder on read-only media",
        .enabled(if: ReadOnlyMount.unavailableReason == nil, "needs root to mount a read-only tmpfs"))
    func readOnlyMediaCanBeAudited() async throws {
        var path = ""
        let mount = try await ReadOnlyMount { folder in path = try await Self.seededLedger(in: folder) }
        defer { mount.unmount() }
        let verified = try await peerledger(["verify", "--db", path])
        #expect(verified.status == 0, "\(verified.errors)")
        #expect(verified.output.hasPrefix("OK: 1 events, hash chain intact"))
        let audit = try await peerledger(["audit", "--db", path])
        #expect(audit.status == 0, "\(audit.errors)")
        #expect(audit.output.contains("SessionAdded"))
        let asOf = try await peerledger(["audit", "--db", path, "--as-of", "2100-01-01", "action=getSessions&public_id=1"])
        #expect(asOf.status == 0, "\(asOf.errors)")
        #expect(asOf.output.contains("Amazon.com"))
        let export = try await peerledger(["export", "--db", path])
        #expect(export.status == 0, "\(export.errors)")
        #expect(export.output.split(separator: "\n").count == 1)
        let replay = try await peerledger(["replay", "--db", path])
        #expect(replay.status == 0, "\(replay.errors)")
        #expect(replay.output.hasPrefix("replayed 1 events: projections identical"))
        // A command that writes names the file and SQLite's reason instead of 'SQLite error 8'.
        let write = try await peerledger(["rebuild", "--db", path])
        #expect(write.status != 0)
        #expect(write.errors.contains(path), "\(write.errors)")
    }
}
