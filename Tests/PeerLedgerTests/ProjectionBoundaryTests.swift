import Foundation
import Testing

/// SQL lives in the core's store and projections only: every other part of the code (the edges,
/// the faces, the commands, the tools) reads through typed queries that return values and writes
/// through commands, so a second store or a change of schema touches those folders and no other.
@Suite("SQL is written only in the store, the projections and the ledger's own machinery")
struct ProjectionBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The folders whose files may hold SQL: the event store and its side tables (`Store/`), the
    /// projections and their typed queries (`Projections/`), and the ledger's own machinery
    /// (`Ledger/`: opening and migrating the file, snapshots, point-in-time databases, prepared
    /// write statements), and the event store on PostgreSQL (`PeerLedgerPostgres`, a store of its
    /// own dialect).
    static let sqlFolders = [
        "/Sources/PeerLedger/Store/", "/Sources/PeerLedger/Projections/", "/Sources/PeerLedger/Ledger/", "/Sources/PeerLedgerPostgres/",
    ]

    /// Files elsewhere that must keep SQL, each for a reason of its own:
    /// - the benchmark's baselines measure plain SQLite beside the ledger, so they write SQL to a
    ///   table of their own and read the log as SQLite would;
    /// - the build tool that embeds `Migrations/*.sql` writes each file's text as a `sql:` argument.
    static let allowedFiles = [
        "/Sources/PeerLedgerBench/LedgerWorkloads.swift",
        "/Sources/PeerLedgerBench/PostgresWorkloads.swift",
        "/Sources/EmbedMigrations/main.swift",
    ]

    static func mayHoldSQL(_ path: String) -> Bool {
        sqlFolders.contains { path.contains($0) } || allowedFiles.contains { path.hasSuffix($0) }
    }

    /// A statement's verb, in capitals as the code writes SQL.
    static var statement: Regex<(Substring, Substring)> { #/\b(SELECT|INSERT|UPDATE|DELETE)\b/# }

    /// One string literal on a line (escaped quotes included).
    static var stringLiteral: Regex<Substring> { #/"(?:[^"\\]|\\.)*"/# }

    /// The lines of `text` that hold SQL: a `sql:` argument, or a statement's verb inside a string
    /// literal or a multi-line string. Comments are not code and are left alone.
    static func sqlLines(in text: String) -> [(number: Int, line: Substring)] {
        var found: [(number: Int, line: Substring)] = []
        var inMultilineString = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.ranges(of: "\"\"\"").count % 2 == 1 {
                inMultilineString.toggle()
                if line.contains("sql:") { found.append((index + 1, line)) }
                continue
            }
            let holdsSQL: Bool
            if inMultilineString {
                holdsSQL = line.contains(statement)
            } else if trimmed.hasPrefix("//") {
                holdsSQL = false
            } else {
                holdsSQL = line.contains("sql:") || line.matches(of: stringLiteral).contains { $0.output.contains(statement) }
            }
            if holdsSQL { found.append((index + 1, line)) }
        }
        return found
    }

    @Test("the rule recognises SQL in arguments, literals and multi-line strings, and not in comments")
    func theRuleRecognisesSQL() {
        #expect(Self.sqlLines(in: #"try Row.fetchAll(db, sql: query)"#).count == 1)
        #expect(Self.sqlLines(in: #"let q = "SELECT id FROM routers WHERE removed = 0""#).count == 1)
        #expect(Self.sqlLines(in: "let q = \"\"\"\n    UPDATE outbox SET state = ?\n    \"\"\"").count == 1)
        #expect(Self.sqlLines(in: "/// Reads the sessions (SELECT over sessions).\n// DELETE is refused").isEmpty)
        #expect(Self.sqlLines(in: #"throw Refusal("Session \(id) is deleted; it cannot be configured")"#).isEmpty)
    }

    @Test("no source file outside Store/, Projections/, Ledger/ and the PostgreSQL store holds SQL, but the allowed few")
    func sqlStaysInTheStoreAndTheProjections() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 100, "found only \(files.count) source files under \(Self.sources.path)")
        var offenders: [String] = []
        for file in files where !Self.mayHoldSQL(file.path) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in Self.sqlLines(in: text) {
                offenders.append("\(file.path.replacingOccurrences(of: Self.sources.path, with: "Sources")):\(number): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }

    @Test("every allowed file still holds SQL, so the list names no file that no longer needs it")
    func theAllowedFilesStillNeedTheirSQL() throws {
        for allowed in Self.allowedFiles {
            let file = Self.sources.deletingLastPathComponent().appendingPathComponent(String(allowed.dropFirst()))
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!Self.sqlLines(in: text).isEmpty, "\(allowed) holds no SQL any more: take it off the list")
        }
    }

    /// The edges: integrations that read the ledger through typed queries and hand their outcome
    /// back as commands, the HTTP server, and serve's settings.
    static let edges = ["PeerLedgerRouters", "PeerLedgerMail", "PeerLedgerPeeringDB", "PeerLedgerHTTP", "PeerLedgerSettings", "PeerLedgerWebhooks"]

    /// A GRDB import, or the database or a transaction's connection named in code. (Lookarounds
    /// rather than `\b`: Unicode word boundaries do not fall inside `ledger.database.write`.)
    static var databaseAccess: Regex<Substring> { #/import\s+GRDB|(?:^|\W)Database(?!\w)|\.db(?!\w)|\.database(?!\w)/# }

    @Test("an edge neither imports GRDB nor reaches for the database: it reads through queries", arguments: edges)
    func edgesReadThroughQueries(_ edge: String) throws {
        #expect("try await ledger.database.write { db in }".contains(Self.databaseAccess))
        #expect("try Outbox.state(tx.db, requestID: id)".contains(Self.databaseAccess))
        #expect("static func fetch(_ db: Database) throws".contains(Self.databaseAccess))
        #expect(!"try tx.reader.liveSessions(onRouter: router.id)".contains(Self.databaseAccess))
        let folder = Self.sources.appendingPathComponent(edge)
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(!files.isEmpty, "found no source files under \(folder.path)")
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains(Self.databaseAccess) {
                offenders.append("\(edge)/\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
