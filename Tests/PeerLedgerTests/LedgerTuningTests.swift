import GRDB
import Testing

@testable import PeerLedger

/// The writer's page cache and checkpoint interval are sized for the log's random-access pages,
/// with durability unchanged.
struct LedgerTuningTests {
    @Test func writerConnectionHasTheLargerPageCacheAndCheckpointIntervalAndKeepsSynchronousFull() throws {
        let ledger = try Ledger.open(at: temporaryDatabasePath())
        let (cache, checkpoint, synchronous) = try ledger.database.write { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA cache_size"), try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            )
        }
        #expect(cache == -Ledger.writerCacheKiB)
        #expect(checkpoint == 10_000)
        #expect(synchronous == 2)
    }
}
