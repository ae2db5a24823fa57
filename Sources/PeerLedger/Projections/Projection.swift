import GRDB
import PeerLedgerDomain

/// A read model kept from the log: tables that `apply` changes for each event, and that can be
/// emptied and rebuilt from position 1 to come out identical.
///
/// The conforming structs store nothing (their properties are computed): a replay hands each
/// event to its projections through existentials, and one with stored strings or arrays was
/// retained and released for every event it was handed.
protocol Projection: Sendable {
    /// The name recorded in `projection_state`.
    var name: String { get }
    /// Bumped whenever `apply` changes meaning; a stored version that differs triggers a rebuild.
    var version: Int { get }
    /// The tables this projection owns, each with the ORDER BY that makes its checksum stable.
    var tables: [(name: String, order: String)] { get }
    /// The event types (`LedgerEvent.typeNames`) `apply` acts on: for any other it must change
    /// nothing, and a replay does not hand it any other (`Projector.acting`). The cases of its
    /// `switch` (`ProjectionDispatchTests` holds the two together).
    var eventTypes: Set<String> { get }
    /// Applies one event. Of `recorded` it may read the position, stream version, type, schema
    /// version, payload and time only: a replay leaves its stream, metadata and hashes empty
    /// (`RecordedEvent.forEachReplayed`).
    func apply(_ event: LedgerEvent, _ recorded: RecordedEvent, _ db: Database) throws
    /// True when the tables only ever gain rows, each with the `position` of the event that wrote
    /// it: the rows at or before a position are then exactly the state at that position, so
    /// snapshots leave them out and a read `as_of` reads the live table up to that position.
    var isAppendOnly: Bool { get }
}

extension Projection {
    var isAppendOnly: Bool { false }
}
