import GRDB
import Testing

@testable import PeerLedger

/// The writer's page cache is sized for the log's random-access indexes, with durability unchanged.
struct LedgerTuningTests {
    @Test func writerConnectionHasTheLargerPageCacheAndKeepsSynchronousFull() throws {
        let ledger = try Ledger.open(at: temporaryDatabasePath())
        let (cache, synchronous) = try ledger.database.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA cache_size"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(cache == -Ledger.writerCacheKiB)
        #expect(synchronous == 2)
    }
}
