import GRDB
package import PeerLedgerDomain

/// One consistent read of the ledger: a read snapshot, or a command's own write transaction.
///
/// The faces (APIv1 today) read the ledger only through a reader's typed queries: values in,
/// values out, the SQL kept in this target. A reader holds no state of its own; it is valid only
/// inside the closure or transaction that handed it out.
package struct LedgerReader {
    /// The connection the queries run on, in the snapshot or transaction being read.
    let db: Database

    init(_ db: Database) { self.db = db }
}

extension Ledger {
    /// Reads a consistent snapshot of the ledger through its typed queries.
    package func reading<T: Sendable>(_ body: @escaping @Sendable (LedgerReader) throws -> T) async throws -> T {
        try await read { db in try body(LedgerReader(db)) }
    }

    /// `reading` on the caller's thread: for reads that take microseconds, where a hop onto the
    /// reader queue and back would cost more than the read.
    package func readingNow<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        try readNow { db in try body(LedgerReader(db)) }
    }
}

extension LedgerTransaction {
    /// The command's own view of the ledger: what it reads is what it commits against.
    package var reader: LedgerReader { LedgerReader(db) }
}

/// Where the projections stand.
enum ProjectionState {
    /// The position every projection has applied, as this snapshot sees it.
    static func position(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(position), 0) FROM projection_state")) ?? 0
    }
}

extension LedgerReader {
    /// The log position the projections have applied in this snapshot. Every write that changes
    /// a projection appends an event and so moves it: an answer kept with a position is current
    /// exactly while the position is.
    package func projectionPosition() throws -> Int64 { try ProjectionState.position(db) }

    /// The events matching `query`, in log order (the audit reads).
    package func events(matching query: AuditQuery) throws -> [RecordedEvent] { try query.events(db) }

    /// The hash chain and the log's triggers, checked on this snapshot.
    package func verifyLog() throws -> VerifyReport { try Verifier.verify(db) }
}
