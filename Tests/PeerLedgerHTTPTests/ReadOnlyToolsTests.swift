import Crypto
import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// One run of the built `peerledger` binary.
struct CLIRun {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs `peerledger ARGUMENTS` and waits at most `seconds` for it to exit (then kills it).
func peerledger(_ arguments: [String], seconds: Double = 60) throws -> CLIRun {
    let process = Process()
    process.executableURL = try peerledgerBinary()
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Drained while it runs, so a long export cannot fill the pipe and stall the child.
    let collected = OutputCollector(output: output, errors: errors)
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw Failure("peerledger \(arguments.joined(separator: " ")) did not exit within \(seconds) s")
    }
    process.waitUntilExit()
    let (out, err) = collected.finish()
    return CLIRun(status: process.terminationStatus, output: out, errors: err)
}

/// Reads a child's standard output and error on their own threads until they end.
final class OutputCollector: @unchecked Sendable {
    private let group = DispatchGroup()
    private var out = Data(), err = Data()

    init(output: Pipe, errors: Pipe) {
        group.enter()
        DispatchQueue.global().async { [self] in
            out = output.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async { [self] in
            err = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }

    func finish() -> (String, String) {
        _ = group.wait(timeout: .now() + 30)
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// A tmpfs mounted by the test and then made read-only: a ledger on read-only media, in a
/// read-only folder, as an auditor's copy would be. Needs root (mount).
struct ReadOnlyMount {
    let folder: URL

    static var unavailableReason: String? {
        guard getuid() == 0 else { return "not root (mounting a tmpfs needs root)" }
        let probe = Scratch.url("mount-probe-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? peerledgerShell(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", probe.path])) == 0 else {
            return "mount -t tmpfs failed (no CAP_SYS_ADMIN here)"
        }
        _ = try? peerledgerShell(["umount", probe.path])
        return nil
    }

    /// Mounts a tmpfs, lets `fill` write into it, then remounts it read-only.
    init(fill: (URL) throws -> Void) throws {
        folder = Scratch.url("read-only-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard try peerledgerShell(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", folder.path]) == 0 else {
            throw Failure("mount -t tmpfs \(folder.path) failed")
        }
        try fill(folder)
        guard try peerledgerShell(["mount", "-o", "remount,ro", folder.path]) == 0 else {
            throw Failure("remount,ro \(folder.path) failed")
        }
    }

    func unmount() { _ = try? peerledgerShell(["umount", folder.path]) }
}

/// Runs a system command with a time limit; its exit status.
@discardableResult
func peerledgerShell(_ arguments: [String], seconds: Double = 20) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        throw Failure("\(arguments.joined(separator: " ")) did not exit within \(seconds) s")
    }
    process.waitUntilExit()
    return process.terminationStatus
}

/// SHA-256 of a file's bytes, to prove a tool left it as it was.
func fileDigest(_ path: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

@Suite("Read-only tools never create or write a ledger", .serialized)
struct ReadOnlyToolsTests {
    /// A ledger with a key and the seed's Amazon session, made through the CLI.
    static func seededLedger(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("ledger.sqlite").path
        #expect(try peerledger(["init", "--db", path]).status == 0)
        let added = try peerledger([
            "call", "--db", path,
            "action=addSession&source_asn=8038&source_ipaddr=1.2.3.5&resource_id=422&peer_asn=16509&peer_name=Amazon.com&peer_ipaddr=206.126.236.68&public_id=1&type=Peer",
        ])
        #expect(added.status == 0, "\(added.output) \(added.errors)")
        return path
    }

    @Test("verify, audit, export, rebuild, call, keys list and replay --db refuse a missing file with exit 66, naming it, and create nothing")
    func aMistypedPathIsRefused() throws {
        let missing = Scratch.url("mistyped-\(UUID().uuidString).sqlite").path
        let commands: [[String]] = [
            ["verify", "--db", missing], ["audit", "--db", missing], ["export", "--db", missing], ["rebuild", "--db", missing],
            ["call", "--db", missing, "action=getSessions&public_id=1"], ["keys", "list", "--db", missing], ["replay", "--db", missing],
            ["routers", "list", "--db", missing],
        ]
        for command in commands {
            let run = try peerledger(command)
            #expect(run.status == 66, "\(command): \(run.output) \(run.errors)")
            #expect(run.errors.contains("No ledger at \(missing): the file does not exist"), "\(command): \(run.errors)")
            #expect(!run.output.contains("OK"), "\(command)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(command) created \(missing)")
        }
    }

    @Test("a zero-byte file is refused as empty, not verified as an empty ledger")
    func anEmptyFileIsRefused() throws {
        let empty = Scratch.url("empty-\(UUID().uuidString).sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let run = try peerledger(["verify", "--db", empty])
        #expect(run.status == 66)
        #expect(run.errors.contains("No ledger at \(empty): the file is empty (0 bytes)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
    }

    @Test("a file that is not a ledger is named in the error")
    func aNonLedgerFileIsNamed() throws {
        let text = Scratch.url("notes-\(UUID().uuidString).txt").path
        try Data(String(repeating: "peering notes\n", count: 400).utf8).write(to: URL(fileURLWithPath: text))
        let run = try peerledger(["verify", "--db", text])
        #expect(run.status != 0)
        #expect(run.errors.contains(text), "\(run.errors)")
        #expect(!run.errors.contains("SQLite error 26\n"))
    }

    @Test("init creates an empty ledger that verify then reports as 0 events")
    func initCreatesALedger() throws {
        let path = Scratch.url("init-\(UUID().uuidString).sqlite").path
        let created = try peerledger(["init", "--db", path])
        #expect(created.status == 0)
        #expect(created.output == "created an empty ledger at \(path)\n")
        let verified = try peerledger(["verify", "--db", path])
        #expect(verified.status == 0)
        #expect(verified.output.hasPrefix("OK: 0 events"))
        let again = try peerledger(["init", "--db", path])
        #expect(again.output == "\(path) already holds a ledger (0 events); nothing changed\n")
    }

    @Test("verify, audit and export leave the ledger's file byte for byte as it was")
    func readingToolsDoNotWrite() throws {
        let folder = Scratch.url("untouched-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = try Self.seededLedger(in: folder)
        let before = try fileDigest(path)
        #expect(try peerledger(["verify", "--db", path]).output.hasPrefix("OK: 1 events"))
        #expect(try peerledger(["audit", "--db", path, "--json"]).output.split(separator: "\n").count == 1)
        #expect(try peerledger(["export", "--db", path]).output.split(separator: "\n").count == 1)
        #expect(try peerledger(["replay", "--db", path]).status == 0)
        #expect(try fileDigest(path) == before)
    }

    @Test(
        "verify, audit, export and replay --db work on a ledger in a read-only folder on read-only media",
        .enabled(if: ReadOnlyMount.unavailableReason == nil, "needs root to mount a read-only tmpfs"))
    func readOnlyMediaCanBeAudited() throws {
        var path = ""
        let mount = try ReadOnlyMount { folder in path = try Self.seededLedger(in: folder) }
        defer { mount.unmount() }
        let verified = try peerledger(["verify", "--db", path])
        #expect(verified.status == 0, "\(verified.errors)")
        #expect(verified.output.hasPrefix("OK: 1 events, hash chain intact"))
        let audit = try peerledger(["audit", "--db", path])
        #expect(audit.status == 0, "\(audit.errors)")
        #expect(audit.output.contains("SessionAdded"))
        let asOf = try peerledger(["audit", "--db", path, "--as-of", "2100-01-01", "action=getSessions&public_id=1"])
        #expect(asOf.status == 0, "\(asOf.errors)")
        #expect(asOf.output.contains("Amazon.com"))
        let export = try peerledger(["export", "--db", path])
        #expect(export.status == 0, "\(export.errors)")
        #expect(export.output.split(separator: "\n").count == 1)
        let replay = try peerledger(["replay", "--db", path])
        #expect(replay.status == 0, "\(replay.errors)")
        #expect(replay.output.hasPrefix("replayed 1 events: projections identical"))
        // A command that writes names the file and SQLite's reason instead of 'SQLite error 8'.
        let write = try peerledger(["rebuild", "--db", path])
        #expect(write.status != 0)
        #expect(write.errors.contains(path), "\(write.errors)")
    }
}
