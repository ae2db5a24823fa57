public import Foundation

/// The one place a test process keeps its temporary files and folders: a folder of its own in
/// the system's temporary directory, removed when the process exits, so `swift test` leaves
/// nothing behind in /tmp however many ledgers, sinks and PeeringDB copies the tests made.
public enum Scratch {
    /// `peerledger-tests-<pid>`: one per test process, so concurrent runs never share files.
    public static let folder: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("peerledger-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.folder) }
        return url
    }()

    /// A path inside the scratch folder (nothing is created there).
    public static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
}

/// A fresh ledger path in a folder of its own under the scratch folder (the ledger's WAL and
/// snapshots land beside it); nothing is created at the path itself.
public func temporaryDatabasePath() -> String {
    let folder = Scratch.url("ledger-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("ledger.sqlite").path
}
