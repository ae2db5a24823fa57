import Foundation
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain

/// `Ledger.backup(to:)` and `LedgerRestore`: a live copy that verifies, and new ledgers built
/// from a backup or an export, checked before they are given their path.
@Suite("Backup and restore")
struct BackupRestoreTests {
    /// A fresh folder of this test's own, so what a failure leaves behind can be listed.
    static func folder(_ name: String) throws -> URL {
        let url = Scratch.url("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Google (AS15169) at Equinix Ashburn, at one of the exchange's addresses, with a BGP password.
    static func google(_ address: String, password: String? = "s3cret-md5") -> String {
        "target=peering&action=addSession&source_asn=8038&source_ipaddr=1.2.3.5&resource_id=422&peer_asn=15169"
            + "&peer_name=Google+LLC&peer_ipaddr=\(address)&public_id=1&type=Peer&prfx_max=15000"
            + (password.map { "&password=\($0)" } ?? "")
    }

    @discardableResult
    static func call(_ api: APIv1, _ query: String, actor: String = "noc") async throws -> APIAnswer {
        let answer = await api.handle(APIRequest(parameters: try Parameters(formEncoded: query), actor: actor))
        #expect(answer.succeeded, "\(query): \(answer.text)")
        return answer
    }

    /// The names of the files in `folder`, to show a failure left nothing, not even a temporary file.
    static func names(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test("a backup taken while four writers add sessions verifies, holds a head the log had, and restores to the projections a replay of that head gives")
    func backupUnderFourWriters() async throws {
        let folder = try Self.folder("backup-under-load")
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let ledger = try Ledger.open(at: path)
        let api = APIv1(ledger: ledger)
        try await Self.call(api, Self.google("206.126.236.20"))
        let progress = WriteProgress()
        let backupPath = folder.appendingPathComponent("backup.sqlite").path

        // Writers go on until the backup is done and they have written past it, or a minute has gone.
        let deadline = ContinuousClock.now + .seconds(60)
        let report = try await withThrowingTaskGroup(of: BackupReport?.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var index = 0
                    // Addresses 100.64.0.1, 100.64.0.2, ... for writer 0, 100.65.0.1, ... for writer 1.
                    // At most 5,000 each (addresses stay valid), and each write lets the backup's
                    // task run: on a loaded machine writers could otherwise keep the pool to themselves.
                    while !progress.stop.load(ordering: .relaxed), ContinuousClock.now < deadline, index < 5_000 {
                        let address = "100.\(64 + writer).\(index / 250).\(index % 250 + 1)"
                        try await Self.call(api, Self.google(address), actor: "writer-\(writer)")
                        progress.writes.add(1, ordering: .relaxed)
                        index += 1
                        await Task.yield()
                    }
                    return nil
                }
            }
            group.addTask {
                defer { progress.stop.store(true, ordering: .relaxed) }
                while progress.writes.load(ordering: .relaxed) < 20, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                let source = try Ledger.open(at: path, access: .readOnly)
                let report = try source.backup(to: backupPath)
                let after = progress.writes.load(ordering: .relaxed)
                while progress.writes.load(ordering: .relaxed) < after + 8, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                return report
            }
            var found: BackupReport?
            for try await result in group { if let result { found = result } }
            return try #require(found)
        }

        let head = try await ledger.head()
        #expect(ContinuousClock.now < deadline, "the writers and the backup finished in time")
        #expect(report.events >= 21, "the copy holds the first session and at least 20 writes")
        #expect(head.position > report.events, "the writers went on after the copy")
        let live = try #require(try ledger.events(after: report.events - 1, through: report.events).first)
        #expect(live.hash == report.lastHash, "the copy's head is the live log's event at that position")

        let copy = try Ledger.open(at: backupPath, access: .readOnly)
        let verified = try copy.verify()
        #expect(verified.isValid, "\(verified.summary)")
        #expect(verified.events == report.events)
        let copied = try copy.projectionChecksum()

        let restoredPath = folder.appendingPathComponent("restored.sqlite").path
        let restored = try LedgerRestore.restore(from: backupPath, into: restoredPath)
        #expect(restored.origin == .backup)
        #expect(restored.events == report.events)
        #expect(restored.lastHash == report.lastHash)
        #expect(restored.projectionsMatchBackup == true)
        #expect(restored.projectionChecksum == copied)
        let replayed = try await PointInTime.replayed(of: ledger, through: report.events).projectionChecksum()
        #expect(restored.projectionChecksum == replayed)
        #expect(restored.kept.contains("0 API keys with their secrets"))
        #expect(restored.kept.contains("\(report.events) session and router passwords"))

        // A restore from a backup keeps the passwords: getSessions answers them as before.
        let answer = try await Self.call(
            APIv1(ledger: try Ledger.open(at: restoredPath, access: .existing)),
            "target=peering&action=getSessions&public_id=1&peer_ipaddr=206.126.236.20")
        #expect(answer.text.contains("\"password\":\"s3cret-md5\""), "\(answer.text)")
        #expect(!(try Self.names(in: folder)).contains { $0.contains(".partial-") })
    }

    /// A ledger with two sessions (one with a password), an API key, and one session updated.
    static func exportedLedger(in folder: URL) async throws -> (ledger: Ledger, export: URL) {
        let ledger = try Ledger.open(at: folder.appendingPathComponent("source.sqlite").path)
        let api = APIv1(ledger: ledger)
        try await call(api, google("206.126.236.20"))
        try await call(api, google("206.126.236.22", password: nil))
        _ = try ledger.createAPIKey(name: "noc-automation", readOnly: false, metadata: EventMetadata(actor: "cli:root"))
        try await call(api, "target=peering&action=updateSession&id=1&note=moved+to+the+new+port")
        let export = folder.appendingPathComponent("ledger.jsonl")
        var text = ""
        try ledger.export { line in text += line + "\n" }
        try Data(text.utf8).write(to: export)
        return (ledger, export)
    }

    @Test("a restore from an export re-appends every event as exported, rebuilds the same projections and names what it lacks")
    func restoreFromAnExport() async throws {
        let folder = try Self.folder("restore-export")
        let (ledger, export) = try await Self.exportedLedger(in: folder)
        let target = folder.appendingPathComponent("restored.sqlite").path
        let report = try LedgerRestore.restore(from: export.path, into: target)

        #expect(report.origin == .export)
        #expect(report.events == 4)
        #expect(report.lastHash == (try ledger.lastHash()))
        #expect(report.projectionChecksum == (try ledger.projectionChecksum()))
        let restored = try Ledger.open(at: target, access: .readOnly)
        #expect(try restored.events(through: 4) == (try ledger.events(through: 4)))
        #expect(report.lacking.contains { $0.hasPrefix("1 live BGP sessions had a password") }, "\(report.lacking)")
        #expect(report.lacking.contains { $0.hasPrefix("1 API keys have no secret here (noc-automation)") }, "\(report.lacking)")
        #expect(report.lacking.contains { $0.hasPrefix("no idempotency answers") })
        #expect(try restored.apiKeys().isEmpty)
        // For the log's canonical JSON, a line is what the event's JSON serializes to, as before.
        let lines = try String(contentsOf: export, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == (try ledger.events(through: 4)).map { $0.json.serialized() })
    }

    @Test("a restore from an export with one byte changed names the line and what was wrong, and leaves nothing")
    func tamperedExportIsRefused() async throws {
        let folder = try Self.folder("restore-tampered")
        let (_, export) = try await Self.exportedLedger(in: folder)
        var lines = try String(contentsOf: export, encoding: .utf8).split(separator: "\n").map(String.init)
        // Line 4 is the note's update: one byte of its payload changed, its hash left as it was.
        #expect(lines[3].contains("moved to the new port"))
        lines[3] = lines[3].replacingOccurrences(of: "new port", with: "new post")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: export)
        let before = try Self.names(in: folder)

        let target = folder.appendingPathComponent("restored.sqlite").path
        let failure = try #require(throws: BackupFailure.self) { try LedgerRestore.restore(from: export.path, into: target) }
        #expect(failure.kind == .badInput)
        #expect(
            failure.description
                == "\(export.path) line 4: position 4: hash does not match the event's content (the event was altered); nothing was written to \(target)"
        )
        #expect(try Self.names(in: folder) == before)
    }

    @Test("a restore from an export missing a line names the gap at that line")
    func exportWithALineRemovedIsRefused() async throws {
        let folder = try Self.folder("restore-gap")
        let (_, export) = try await Self.exportedLedger(in: folder)
        var lines = try String(contentsOf: export, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.remove(at: 1)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: export)
        let target = folder.appendingPathComponent("restored.sqlite").path
        let failure = try #require(throws: BackupFailure.self) { try LedgerRestore.restore(from: export.path, into: target) }
        #expect(failure.description.hasPrefix("\(export.path) line 2: position 2: gap: the next event found is at position 3"))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a restore refuses a target that holds a ledger, from a backup or an export, and leaves it byte for byte as it was")
    func restoreRefusesANonEmptyTarget() async throws {
        let folder = try Self.folder("restore-occupied")
        let (ledger, export) = try await Self.exportedLedger(in: folder)
        let backup = folder.appendingPathComponent("backup.sqlite").path
        _ = try ledger.backup(to: backup)
        let occupied = folder.appendingPathComponent("occupied.sqlite").path
        let other = try Ledger.open(at: occupied)
        try await Self.call(APIv1(ledger: other), Self.google("206.126.236.21"))
        try other.close()
        let digest = try Data(contentsOf: URL(fileURLWithPath: occupied))
        let before = try Self.names(in: folder)

        for source in [backup, export.path] {
            let failure = try #require(throws: BackupFailure.self) { try LedgerRestore.restore(from: source, into: occupied) }
            #expect(failure.kind == .cannotCreate)
            #expect(failure.description.hasPrefix("\(occupied) already exists and is not empty"), "\(failure.description)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: occupied)) == digest)
        #expect(try Self.names(in: folder) == before)
    }

    @Test("a restore into an empty file (what touch leaves) fills it")
    func restoreFillsAnEmptyFile() async throws {
        let folder = try Self.folder("restore-empty-file")
        let (ledger, export) = try await Self.exportedLedger(in: folder)
        let target = folder.appendingPathComponent("touched.sqlite").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        let report = try LedgerRestore.restore(from: export.path, into: target)
        #expect(report.lastHash == (try ledger.lastHash()))
        #expect(try Ledger.open(at: target, access: .readOnly).verify().isValid)
    }

    @Test("a backup refuses a target that exists, even an empty one, and leaves it as it was")
    func backupRefusesAnExistingTarget() async throws {
        let folder = try Self.folder("backup-exists")
        let (ledger, _) = try await Self.exportedLedger(in: folder)
        let target = folder.appendingPathComponent("yesterday.sqlite").path
        try Data("yesterday's backup".utf8).write(to: URL(fileURLWithPath: target))
        let before = try Self.names(in: folder)
        let failure = try #require(throws: BackupFailure.self) { try ledger.backup(to: target) }
        #expect(failure.kind == .cannotCreate)
        #expect(failure.description == "\(target) already exists (a file of 18 bytes); a backup never overwrites a file: give a new path")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "yesterday's backup")
        #expect(try Self.names(in: folder) == before)

        let missingFolder = folder.appendingPathComponent("no-such-folder/backup.sqlite").path
        let refused = try #require(throws: BackupFailure.self) { try ledger.backup(to: missingFolder) }
        #expect(refused.description.hasPrefix("cannot create \(missingFolder): no file can be made in"))
    }

    @Test("a backup copies the secrets and keys an export leaves out, readable by its owner only")
    func backupKeepsSecrets() async throws {
        let folder = try Self.folder("backup-secrets")
        let (ledger, _) = try await Self.exportedLedger(in: folder)
        let target = folder.appendingPathComponent("backup.sqlite").path
        let report = try ledger.backup(to: target)
        #expect(report.events == 4)
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let copy = try Ledger.open(at: target, access: .readOnly)
        #expect(try copy.apiKeys().map(\.name) == ["noc-automation"])
        #expect(try copy.readNow { db in try SQLiteLog.keptApart(db) }.secrets == 1)
    }

    @Test("an export line gives back the stored payload byte for byte, whatever JSON writer made it")
    func exportLinesKeepStoredBytes() throws {
        let payloads = [
            #"{"changes":{"note":{"from":null,"to":"line\u2028break"}},"session_id":1}"#,  // an escape JSON's writer spells otherwise
            "{\"note\":\"raw \u{2028} separator\",\"x\":\"\\b\\f\\/\"}",
            #"{ "spaced" : [1, 2.50, 1e3] }"#,
            "not JSON at all",
            #""a JSON string""#,
        ]
        for (index, payload) in payloads.enumerated() {
            let event = RecordedEvent(
                position: Int64(index + 1), stream: "session-1", streamVersion: 1, type: "SessionUpdated", schemaVersion: 1,
                payload: payload, metadata: #"{"actor":"noc"}"#, recordedAt: "2026-11-24T09:00:00.000Z",
                prevHash: RecordedEvent.genesisHash, hash: String(repeating: "a", count: 64))
            let line = ExportLine.render(event)
            #expect(!line.contains("\n"))
            #expect(try ExportLine.event(ArraySlice(line.utf8)) == event, "\(line)")
        }
    }

    @Test("an export line that is not an event is named with what is wrong")
    func unreadableExportLines() {
        let cases: [(String, String)] = [
            ("[1,2]", "the line is not a JSON object (byte 1)"),
            (#"{"position":1}"#, #"member "stream" is missing"#),
            (#"{"position":"1","stream":"s"}"#, #"member "position" is not an integer"#),
            (#"{"position":1,"position":2}"#, #"member "position" appears twice"#),
            (#"{"colour":"blue"}"#, #"unknown member "colour""#),
            (#"{"position":1,"payload":{"a":1}"#, "expected ',' or '}' after \"payload\" (byte 32)"),
        ]
        for (line, reason) in cases {
            do {
                _ = try ExportLine.event(ArraySlice(line.utf8))
                Issue.record("\(line) was read as an event")
            } catch {
                #expect(error.reason == reason, "\(line)")
            }
        }
    }
}

/// What the writers of a test have done, shared with the task that backs up meanwhile.
final class WriteProgress: Sendable {
    let writes = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
}
