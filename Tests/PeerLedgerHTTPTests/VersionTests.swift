import Foundation
import PeerLedgerTestSupport
import Testing

/// `peerledger --version` names the release and the commit the binary was built from, so an
/// operator can tell which source a running server came from.
@Suite(.enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct VersionTests {
    /// The package's root, three folders above this file.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("peerledger --version prints the version and the commit HEAD names")
    func versionNamesTheCommit() throws {
        let run = try peerledger(["--version"])
        #expect(run.status == 0)
        #expect(run.errors.isEmpty)
        let line = run.output.trimmingCharacters(in: .newlines)
        let match = try #require(line.wholeMatch(of: /peerledger (\d+\.\d+\.\d+) \(commit ([0-9a-f]{7}|unknown)\)/))
        let printed = String(match.output.2)
        // A source tarball has no .git, so there is no commit to name; a checkout must name HEAD.
        let dotGit = Self.packageRoot.appendingPathComponent(".git").path
        guard FileManager.default.fileExists(atPath: dotGit) else {
            #expect(printed == "unknown")
            return
        }
        // git's --short grows past 7 digits as a repository grows; the binary always prints 7.
        let head = try git(["rev-parse", "HEAD"])
        #expect(printed == String(head.prefix(7)), "HEAD is \(head)")
    }

    /// Runs git in the package's root and returns its first line of output.
    func git(_ arguments: [String]) throws -> String {
        let run = try runCommand(["git", "-C", Self.packageRoot.path] + arguments)
        guard run.status == 0 else {
            throw TestFailure("git \(arguments.joined(separator: " ")) exited \(run.status): \(run.errors)")
        }
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
