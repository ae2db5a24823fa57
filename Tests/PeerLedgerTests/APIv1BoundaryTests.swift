import Foundation
import Testing

/// APIv1 and APIv2 are faces over the core: they read and write through the core's typed queries
/// and commands, so a second store or a second API never has to follow SQL through them. The
/// compiler keeps GRDB out of their reach (no import, member imports checked); these tests keep
/// SQL text out of their files too.
@Suite("PeerLedgerAPIv1, PeerLedgerAPIv2 and PeerLedgerConsole hold no SQL and do not import GRDB")
struct APIv1BoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")
    static let folder = sources.appendingPathComponent("PeerLedgerAPIv1")

    /// A GRDB import, a `sql:` argument, or a statement's opening words in a string.
    static var databaseText: Regex<Substring> {
        #/import\s+GRDB|\bsql:|"\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|WITH)\s|\bDatabase\b|\.db\b/#
    }

    @Test("no file of PeerLedgerAPIv1 imports GRDB, names the database or holds SQL")
    func apiFilesHoldNoSQL() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.folder, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count >= 15, "found only \(files.count) source files under \(Self.folder.path)")
        #expect("import GRDB".contains(Self.databaseText))
        #expect(#"try Row.fetchAll(db, sql: "SELECT * FROM requests")"#.contains(Self.databaseText))
        #expect(!"let sessions = try reader.sessions(matching: criteria)".contains(Self.databaseText))
        let offenders = try Self.offenders(in: files)
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    /// The other faces, each with the fewest source files it has (fewer: the folder was not found).
    static let faces: [(target: String, files: Int)] = [("PeerLedgerAPIv2", 6), ("PeerLedgerConsole", 8)]

    @Test("no file of PeerLedgerAPIv2 or PeerLedgerConsole imports GRDB, names the database or holds SQL", arguments: faces)
    func faceFilesHoldNoSQL(_ face: (target: String, files: Int)) throws {
        let folder = Self.sources.appendingPathComponent(face.target)
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count >= face.files, "found only \(files.count) source files under \(folder.path)")
        let offenders = try Self.offenders(in: files)
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    /// Every line (not a comment) of `files` that imports GRDB, names the database or holds SQL.
    static func offenders(in files: [URL]) throws -> [String] {
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains(Self.databaseText) {
                offenders.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return offenders
    }
}
