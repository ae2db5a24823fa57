import Foundation
import PeerLedgerTestSupport
import Testing

/// The log's tables are the event store's alone: no other code may name them in SQL, so a second
/// store (PostgreSQL) is an addition behind the same functions, not a hunt through the code.
@Suite("The event store is the only code that touches the log's tables")
struct StoreBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// SQL that reads or writes one of the log's tables.
    static var logTableSQL: Regex<(Substring, Substring, Substring)> {
        #/\b(FROM|INTO|JOIN|UPDATE|TABLE)\s+(events|stream_heads|secrets|idempotency_keys)\b/#
    }

    /// The stores' own folders (SQLite's `Store/`, the PostgreSQL store's target), and the
    /// benchmark's baselines, which measure SQLite itself.
    static func mayTouchTheLog(_ path: String) -> Bool {
        path.contains("/Sources/PeerLedger/Store/") || path.contains("/Sources/PeerLedgerPostgres/")
            || path.hasSuffix("/Sources/PeerLedgerBench/LedgerWorkloads.swift")
    }

    @Test("no source file outside Store/ names events, stream_heads, secrets or idempotency_keys in SQL")
    func logTablesStayInTheStore() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 100, "found only \(files.count) source files under \(Self.sources.path)")
        #expect("SELECT hash FROM events WHERE position = ?".contains(Self.logTableSQL))
        #expect("LEFT JOIN secrets sec ON sec.ref = s.password_ref".contains(Self.logTableSQL))
        #expect(!"SELECT * FROM sessions".contains(Self.logTableSQL))
        var offenders: [String] = []
        for file in files where !Self.mayTouchTheLog(file.path) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(Self.logTableSQL) {
                offenders.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
