import Foundation
import PeerLedgerTestSupport
import Testing

/// The man page (`dist/peerledger.1`) is written by hand; this keeps it from falling behind the
/// binary: every command and subcommand `--help` lists must have an entry there.
@Suite(.enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct ManualPageTests {
    static let manualPage = VersionTests.packageRoot.appendingPathComponent("dist/peerledger.1")

    @Test("the man page has an entry for every command and subcommand of peerledger")
    func everyCommandHasAnEntry() throws {
        let page = try String(contentsOf: Self.manualPage, encoding: .utf8)
        let entries = Self.entryLines(of: page)
        var missing: [String] = []
        for command in try Self.subcommands(of: []) {
            if !entries.contains(where: { $0.contains(command) }) { missing.append(command) }
            for subcommand in try Self.subcommands(of: [command]) {
                if !entries.contains(where: { $0.contains(command) && $0.contains(subcommand) }) {
                    missing.append("\(command) \(subcommand)")
                }
            }
        }
        #expect(missing.isEmpty, "dist/peerledger.1 has no entry (.TP) for: \(missing.joined(separator: ", "))")
    }

    /// The words of each entry's tag (the line after `.TP`), roff escapes and fonts removed.
    static func entryLines(of page: String) -> [Set<String>] {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        return zip(lines, lines.dropFirst()).filter { $0.0 == ".TP" }.map { _, tag in
            let text = tag.replacing(/\\f[BIRP]/, with: " ").replacing("\\-", with: "-").replacing(#/^\.[A-Z]+ /#, with: "")
            return Set(text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") }).map(String.init))
        }
    }

    /// The names under SUBCOMMANDS in `peerledger COMMAND... --help`.
    static func subcommands(of command: [String]) throws -> [String] {
        let run = try peerledger(command + ["--help"])
        #expect(run.status == 0, "peerledger \(command.joined(separator: " ")) --help exited \(run.status)")
        var names: [String] = []
        var listing = false
        for line in run.output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "SUBCOMMANDS:" {
                listing = true
            } else if listing, let match = line.prefixMatch(of: #/  ([a-z][a-z0-9-]*)(\s|$)/#) {
                names.append(String(match.output.1))
            } else if listing, !line.hasPrefix("   ") {
                listing = false
            }
        }
        return names
    }
}
