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
