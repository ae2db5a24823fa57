import Foundation
import GRDB

@testable import PeerLedger
@testable import PeerLedgerDomain

/// Runs raw SQL on the ledger's file, as an attacker with the file (or a careless tool) would.
func executeRaw(_ ledger: Ledger, _ sql: String) throws {
    try ledger.database.writeWithoutTransaction { db in try db.execute(sql: sql) }
}

/// Appends, behind the ledger's back, an event of `type` after the last one, with an empty
/// payload and a hash that is not one: what `verify` and a replay must stop at.
func appendBrokenEvent(_ ledger: Ledger, type: String) throws {
    try executeRaw(ledger, """
        INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash)
        SELECT position + 1, 'junk-1', 1, '\(type)', 1, '{}', '{}', recorded_at, hash, 'not-a-hash'
        FROM events ORDER BY position DESC LIMIT 1
        """)
}
