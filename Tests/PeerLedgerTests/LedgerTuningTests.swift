import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The writer's page cache and checkpoint interval are sized for the log's random-access pages,
/// with durability unchanged.
struct LedgerTuningTests {
    @Test func writerConnectionHasTheLargerPageCacheAndKeepsSynchronousFull() throws {
        let ledger = try Ledger.open(at: temporaryDatabasePath())
        let (cache, synchronous) = try ledger.database.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA cache_size"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(cache == -Ledger.writerCacheKiB)
        #expect(synchronous == 2)
    }

    /// The interval SQLite reads when the transaction commits, as the last command left it.
    static func checkpointInterval(after events: Int, on ledger: Ledger) throws -> Int? {
        try ledger.writeNow(EventMetadata(actor: "test")) { tx in
            for n in 0..<events {
                try tx.append(.peerStatusReset(PeerStatusReset(participantID: Int64(n + 1), publicID: 1)), to: "peer-\(n)", expecting: .any)
            }
        }
        return try ledger.database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    }

    @Test func aBulkTransactionLetsTheWALGrowTenTimesLongerAndASingleCommandKeepsSQLitesDefault() throws {
        let ledger = try Ledger.open(at: temporaryDatabasePath())
        #expect(try Self.checkpointInterval(after: 1, on: ledger) == 1_000)
        #expect(try Self.checkpointInterval(after: Ledger.bulkEvents, on: ledger) == 10_000)
        #expect(try Self.checkpointInterval(after: Ledger.bulkEvents - 1, on: ledger) == 1_000)
        #expect(try ledger.verify().isValid)
    }
}
