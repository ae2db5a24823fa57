import GRDB
public import PeerLedgerDomain

extension LedgerError {
    /// A storage (SQLite) error's text for an operator, or nil when `error` is not one. Callers
    /// add the file's path, which SQLite's message does not name.
    public static func storageDescription(of error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error.resultCode)")"
    }
}

/// A storage failure a caller can act on: the disk is full, or another process held the write
/// lock past the busy timeout. Either way the command was rolled back whole.
package enum StorageCondition: Sendable, Equatable {
    case full
    case busy

    /// The condition `error` reports, or nil for any other error.
    package init?(of error: any Error) {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: self = .full
        case .SQLITE_BUSY: self = .busy
        default: return nil
        }
    }
}
