import GRDB

/// A read model kept from the log: tables that `apply` changes for each event, and that can be
/// emptied and rebuilt from position 1 to come out identical.
protocol Projection: Sendable {
    /// The name recorded in `projection_state`.
    var name: String { get }
    /// Bumped whenever `apply` changes meaning; a stored version that differs triggers a rebuild.
    var version: Int { get }
    /// The tables this projection owns, each with the ORDER BY that makes its checksum stable.
    var tables: [(name: String, order: String)] { get }
    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws
}
