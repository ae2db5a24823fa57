import Foundation
import Testing

/// APIv1 is a face over the core: it reads and writes through the core's typed queries and
/// commands, so a second store or a second API never has to follow SQL through it. The
/// compiler keeps GRDB out of its reach (no import, member imports checked); this test keeps
/// SQL text out of its files too.
@Suite("PeerLedgerAPIv1 holds no SQL and does not import GRDB")
struct APIv1BoundaryTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/PeerLedgerAPIv1")

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
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains(Self.databaseText) {
                offenders.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
