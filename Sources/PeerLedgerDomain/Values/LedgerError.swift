/// What can go wrong in the ledger itself, each case saying enough for an operator to act.
public enum LedgerError: Error, Equatable, CustomStringConvertible {
    /// An append stated a stream version that is no longer current (another writer got there first).
    case conflict(stream: String, expected: Int64?, actual: Int64?)
    /// A migration that was applied to this database has different text in this build.
    case migrationChanged(fileName: String)
    /// The database has a migration this build does not carry (it was written by a newer build).
    case unknownMigration(fileName: String)
    /// An event in the log cannot be read by this build.
    case unreadableEvent(position: Int64, reason: String)
    /// SQLite could not open or create the ledger's file (a missing directory, no permission).
    case cannotOpen(reason: String)
    /// An idempotency key already applied to a request with other parameters.
    case idempotencyKeyReused(key: String)
    /// A command that needs an existing ledger was given a path with no file.
    case notFound(path: String)
    /// A command that needs an existing ledger was given a file of zero bytes.
    case emptyFile(path: String)
    /// The file is not a ledger this build can read.
    case notALedger(path: String, reason: String)
    /// The ledger's schema is older than this build's and the command may not upgrade it.
    case schemaBehind(missing: String)

    public var description: String {
        switch self {
        case let .conflict(stream, expected, actual):
            let expectedText = expected.map { "version \($0)" } ?? "no stream"
            let actualText = actual.map { "version \($0)" } ?? "no stream"
            return "Conflict: \(stream) is at \(actualText), the write expected \(expectedText); read it again and retry."
        case let .migrationChanged(fileName):
            return "Migration \(fileName) was applied to this database but its text has changed since; refusing to open. Restore the file or add a new migration instead."
        case let .unknownMigration(fileName):
            return "This database has migration \(fileName), which this build does not carry (a newer PeerLedger wrote it); refusing to open."
        case let .unreadableEvent(position, reason):
            return "Event at position \(position) cannot be read: \(reason)"
        case let .cannotOpen(reason):
            return "Cannot open the ledger file (\(reason)); check that its directory exists and that this user may write there."
        case let .idempotencyKeyReused(key):
            return "Idempotency key '\(key)' was already used for a different request; nothing was changed"
        case let .notFound(path):
            return "No ledger at \(path): the file does not exist. Check the path; only 'peerledger serve', 'keys create', 'init' and 'restore' create a ledger, and 'rebuild --store' a node's copy of a PostgreSQL log."
        case let .emptyFile(path):
            return "No ledger at \(path): the file is empty (0 bytes). Check the path; only 'peerledger serve', 'keys create', 'init' and 'restore' create a ledger, and 'rebuild --store' a node's copy of a PostgreSQL log."
        case let .notALedger(path, reason):
            return "\(path) is not a PeerLedger ledger: \(reason)."
        case let .schemaBehind(missing):
            return "This ledger was written by an older PeerLedger (it lacks migration \(missing)); open it once with a command that writes, such as 'peerledger serve', to upgrade it."
        }
    }
}
