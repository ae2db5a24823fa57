import Foundation
import GRDB

@testable import PeerLedger
@testable import PeerLedgerDomain

/// Runs raw SQL on the ledger's file, as an attacker with the file (or a careless tool) would.
func executeRaw(_ ledger: Ledger, _ sql: String) throws {
    try ledger.database.writeWithoutTransaction { db in try db.execute(sql: sql) }
}
