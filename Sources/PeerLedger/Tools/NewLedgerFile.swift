import Foundation
import PeerLedgerDomain

/// Why a backup or a restore stopped, in words an operator can act on, each naming the file it
/// is about. Whatever the reason, nothing was left at the target.
public struct BackupFailure: Error, Equatable, CustomStringConvertible {
    /// What kind of problem it is, for the command's exit status.
    public enum Kind: Sendable, Equatable {
        /// The backup or export to read is missing or empty (EX_NOINPUT).
        case noInput
        /// The target exists, or no file can be made there (EX_CANTCREAT).
        case cannotCreate
        /// The input is not a ledger or an export, or does not verify (EX_DATAERR).
        case badInput
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// A ledger file built under a temporary name beside its final path and given that path only
/// once it is whole and checked, so a failure or a crash never leaves a half-made ledger where
/// one is expected. The temporary file is `.NAME.partial-UUID` in the target's folder (a rename
/// within one folder is atomic), readable by its owner only: a backup holds secrets.
struct NewLedgerFile {
    let target: String
    let partial: String
    /// The target was a zero-byte file (what `touch` or a failed copy leaves), to be replaced.
    private let replacesEmptyFile: Bool

    /// Checks the target and creates the temporary file. A backup (`allowsEmptyFile` false)
    /// refuses any existing target; a restore accepts a zero-byte one and refuses anything else.
    init(at target: String, allowsEmptyFile: Bool) throws(BackupFailure) {
        self.target = target
        var status = stat()
        if lstat(target, &status) == 0 {
            let isEmptyFile = (status.st_mode & S_IFMT) == S_IFREG && status.st_size == 0
            guard allowsEmptyFile, isEmptyFile else {
                let what = (status.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "a file of \(status.st_size) bytes"
                throw BackupFailure(
                    .cannotCreate,
                    allowsEmptyFile
                        ? "\(target) already exists and is not empty (\(what)); a restore builds a new ledger and never overwrites one: give a path that does not exist yet"
                        : "\(target) already exists (\(what)); a backup never overwrites a file: give a new path")
            }
            replacesEmptyFile = true
        } else {
            replacesEmptyFile = false
        }
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)").path
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR)
        guard descriptor >= 0 else {
            throw BackupFailure(.cannotCreate, "cannot create \(target): no file can be made in \(folder) (\(Self.errorText()))")
        }
        close(descriptor)
    }

    /// The files SQLite may keep beside the temporary one, and the snapshot folder a ledger
    /// opened there would use.
    private var companions: [String] { ["-wal", "-shm", "-journal", ".snapshots"].map { partial + $0 } }

    /// Gives the finished file its final path, never replacing anything but the zero-byte file
    /// that was there when it began, and makes the new name durable.
    func place() throws(BackupFailure) {
        let wal = partial + "-wal"
        if let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? NSNumber)?.int64Value, size > 0 {
            // Pages still in the WAL are not in the file: moving the file alone would lose them.
            throw BackupFailure(.cannotCreate, "cannot finish \(target): \(wal) still holds \(size) bytes, so the copy was not closed cleanly")
        }
        // An empty WAL, its index and an unused snapshot folder are nothing the new file needs.
        for leftover in companions { try? FileManager.default.removeItem(atPath: leftover) }
        if replacesEmptyFile {
            var status = stat()
            let found = lstat(target, &status) == 0
            guard found ? status.st_size == 0 : errno == ENOENT else {
                throw BackupFailure(.cannotCreate, "\(target) was written to while the restore ran; nothing was overwritten")
            }
            guard rename(partial, target) == 0 else {
                throw BackupFailure(.cannotCreate, "cannot move the finished file to \(target) (\(Self.errorText()))")
            }
        } else if link(partial, target) == 0 {
            unlink(partial)
        } else if errno == EEXIST {
            throw BackupFailure(.cannotCreate, "\(target) appeared while the copy was made; nothing was overwritten")
        } else {
            // A file system without hard links: rename, which replaces, after one more look.
            guard access(target, F_OK) != 0, rename(partial, target) == 0 else {
                throw BackupFailure(.cannotCreate, "cannot move the finished file to \(target) (\(Self.errorText()))")
            }
        }
        Self.syncFolder(of: target)
    }

    /// Removes the temporary file and whatever SQLite kept beside it.
    func discard() {
        for path in [partial] + companions { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Makes a new name in the folder durable, as SQLite makes its own files.
    private static func syncFolder(of path: String) {
        let descriptor = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
