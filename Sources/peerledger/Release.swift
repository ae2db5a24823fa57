/// The release this source tree builds, and the one place its version is written:
/// `dist/build-deb.sh` takes the package's version from the built binary's `--version`.
enum Release {
    static let version = "0.2.0"

    /// What `peerledger --version` prints: `peerledger 0.2.0 (commit 1a2b3c4)`, the commit
    /// abbreviated to 7 hex digits, or `(commit unknown)` for a build without `.git`. No build
    /// date, so two builds of one commit print the same line.
    static var versionLine: String {
        "peerledger \(version) (commit \(sourceCommit.map { String($0.prefix(7)) } ?? "unknown"))"
    }
}
