import GRDB

/// The ledger as it was at a past moment: a private in-memory copy of the log up to that moment,
/// with projections built by the same `apply` code, so any read action can answer "as of".
enum PointInTime {
    static func ledger(of source: Ledger, asOf moment: Timestamp) async throws -> Ledger {
        let past = try Ledger.inMemory(clock: source.clock, ids: source.ids)
        let cutoff = moment.iso8601
        try await source.database.read { sourceDB in
            try past.database.write { db in
                let events = try Row.fetchCursor(
                    sourceDB, sql: "SELECT \(RecordedEvent.columns) FROM events WHERE recorded_at <= ? ORDER BY position",
                    arguments: [cutoff])
                while let row = try events.next() {
                    let recorded = RecordedEvent(row: row)
                    try db.cachedStatement(
                        sql: "INSERT INTO events (\(RecordedEvent.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ).execute(
                        arguments: [
                            recorded.position, recorded.stream, recorded.streamVersion, recorded.type, recorded.schemaVersion,
                            recorded.payload, recorded.metadata, recorded.recordedAt, recorded.prevHash, recorded.hash,
                        ])
                }
                // Secrets are looked up by ref; copy them so past answers show the password then in force.
                let secrets = try Row.fetchCursor(sourceDB, sql: "SELECT ref, value FROM secrets")
                while let row = try secrets.next() {
                    try db.cachedStatement(sql: "INSERT INTO secrets (ref, value) VALUES (?, ?)").execute(arguments: [row[0], row[1]])
                }
                _ = try Projector.rebuild(db)
            }
        }
        return past
    }
}
