import Foundation
import PeerLedgerDomain

/// How a command may open a ledger's file.
public enum LedgerAccess: Sendable, Equatable {
    /// Creates the file when it is missing: `serve`, `keys create`, `init` and the file a restore builds only.
    case createIfMissing
    /// Reads and writes a ledger that must already exist; a missing or empty file is refused.
    case existing
    /// Reads a ledger that must already exist and writes nothing to it: `verify`, `audit`,
    /// `export`, `replay --db`.
    case readOnly
}

/// Checks on a ledger's file made before SQLite opens it, so a mistyped path is named as such
/// instead of becoming a new, empty ledger.
enum LedgerFile {
    /// Refuses a path with no file, or a file of zero bytes (what a failed copy or a `touch`
    /// leaves: SQLite would take it for an empty database).
    static func requireLedger(at path: String) throws(LedgerError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .notFound(path: path) }
        guard !isFolder.boolValue else { throw .notALedger(path: path, reason: "it is a folder") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        guard let size else { throw .notALedger(path: path, reason: "its size cannot be read") }
        guard size > 0 else { throw .emptyFile(path: path) }
    }

    /// Whether SQLite can keep the WAL index (`-shm`) beside the file: the folder is writable,
    /// or the index is already there. Otherwise a read-only open of a WAL database fails.
    static func canKeepWALIndex(besides path: String) -> Bool {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        if access(folder, W_OK) == 0 { return true }
        let wal = url.path + "-wal"
        let shm = url.path + "-shm"
        return FileManager.default.fileExists(atPath: wal) && FileManager.default.fileExists(atPath: shm)
    }

    /// `file:PATH?immutable=1`: SQLite reads the file without locks or a WAL index. Used only where
    /// no process can write the file (a read-only folder or medium without a `-wal` file).
    static func immutableURI(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        return "file:\(escaped)?immutable=1"
    }
}
