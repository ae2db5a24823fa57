import Foundation
import PeerLedgerTestSupport
import Testing

/// `peerledger backup` and `peerledger restore` as an operator runs them: what they print, their
/// exit statuses, and the files they leave.
@Suite(
    "backup and restore on the command line", .serialized,
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct BackupCommandTests {
    static func folder() throws -> URL {
        let url = Scratch.url("backup-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("backup prints the events copied and the time, refuses its target a second time (73), and restore builds a ledger that verifies")
    func backupThenRestore() async throws {
        let folder = try Self.folder()
        let path = try await ReadOnlyToolsTests.seededLedger(in: folder)
        let ledgerDigest = try fileDigest(path)
        let copy = folder.appendingPathComponent("copy.sqlite").path

        let backup = try await peerledger(["backup", "--db", path, "--to", copy])
        #expect(backup.status == 0, "\(backup.errors)")
        #expect(backup.output.hasPrefix("backed up 1 events from \(path) to \(copy) in "), "\(backup.output)")
        #expect(backup.output.contains("verified: hash chain intact"))
        #expect(try fileDigest(path) == ledgerDigest, "backup opens the ledger read-only")

        let copyDigest = try fileDigest(copy)
        let again = try await peerledger(["backup", "--db", path, "--to", copy])
        #expect(again.status == 73)
        #expect(again.errors.contains("\(copy) already exists"), "\(again.errors)")
        #expect(try fileDigest(copy) == copyDigest)

        let restored = folder.appendingPathComponent("restored.sqlite").path
        let restore = try await peerledger(["restore", "--from", copy, "--db", restored])
        #expect(restore.status == 0, "\(restore.errors)")
        #expect(restore.output.hasPrefix("restored 1 events from the backup \(copy) into \(restored) in "), "\(restore.output)")
        #expect(restore.output.contains("projections rebuilt: identical to the backup's (checksum "))
        #expect(try await peerledger(["verify", "--db", restored]).output.hasPrefix("OK: 1 events, hash chain intact"))

        let restoredDigest = try fileDigest(restored)
        let over = try await peerledger(["restore", "--from", copy, "--db", restored])
        #expect(over.status == 73)
        #expect(over.errors.contains("\(restored) already exists and is not empty"), "\(over.errors)")
        #expect(try fileDigest(restored) == restoredDigest)
    }

    @Test("restore from an export warns what an export lacks, and refuses a changed export naming the line (65)")
    func restoreFromExport() async throws {
        let folder = try Self.folder()
        let path = try await ReadOnlyToolsTests.seededLedger(in: folder)
        let export = folder.appendingPathComponent("ledger.jsonl").path
        #expect(try await peerledger(["export", "--db", path, "-o", export]).status == 0)

        let restored = folder.appendingPathComponent("from-export.sqlite").path
        let restore = try await peerledger(["restore", "--from", export, "--db", restored])
        #expect(restore.status == 0, "\(restore.errors)")
        #expect(restore.output.contains("projections rebuilt from the log (checksum "))
        #expect(restore.errors.contains("Warning: an export holds no secrets, so \(restored) lacks:"), "\(restore.errors)")
        #expect(restore.errors.contains("no idempotency answers"))

        let text = try String(contentsOfFile: export, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "Amazon.com", with: "Amazon.con").utf8).write(to: URL(fileURLWithPath: export))
        let tampered = folder.appendingPathComponent("tampered.sqlite").path
        let refused = try await peerledger(["restore", "--from", export, "--db", tampered])
        #expect(refused.status == 65)
        #expect(refused.errors.contains("\(export) line 1: position 1: hash does not match"), "\(refused.errors)")
        #expect(!FileManager.default.fileExists(atPath: tampered))
    }

    @Test("backup and restore name a missing source with exit 66 and create nothing")
    func missingSources() async throws {
        let folder = try Self.folder()
        let missing = folder.appendingPathComponent("mistyped.sqlite").path
        let target = folder.appendingPathComponent("target.sqlite").path
        let backup = try await peerledger(["backup", "--db", missing, "--to", target])
        #expect(backup.status == 66)
        #expect(backup.errors.contains(missing))
        let restore = try await peerledger(["restore", "--from", missing, "--db", target])
        #expect(restore.status == 66)
        #expect(restore.errors.contains("nothing to restore at \(missing): the file does not exist"), "\(restore.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
