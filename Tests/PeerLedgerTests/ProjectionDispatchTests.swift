import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
import PeerLedgerTestSupport

/// A replay hands each event only to the projections that act on its type (`Projector.acting`,
/// from each projection's `eventTypes`), and a created PeeringDB object's fields are worked out
/// on the read-ahead thread (`Projector.Prepared`). Both must leave the tables every projection
/// leaves when it applies every event.
@Suite struct ProjectionDispatchTests {
    /// A fresh seed each run unless `PEERLEDGER_TEST_SEED` gives one (printed either way).
    static func seed() throws -> UInt64 { try TestSeed.value("ProjectionDispatchTests") }

    /// A seeded world on a file (a pool: its rebuild reads ahead) or in memory.
    static func world(seed: UInt64, path: String?) async throws -> Ledger {
        let ledger = try SyntheticWorld.openLedger(at: path)
        _ = try await SyntheticWorld(shape: EventPrefetcherTests.shape, seed: seed).build(into: ledger, scratch: Scratch.folder)
        return ledger
    }

    /// Every event of the log, in order.
    static func events(_ db: Database) throws -> [(event: LedgerEvent, recorded: RecordedEvent)] {
        var events: [(event: LedgerEvent, recorded: RecordedEvent)] = []
        try RecordedEvent.forEachReplayed(db, after: 0, upTo: .max) { recorded in events.append((try LedgerEvent(recorded), recorded)) }
        return events
    }

    /// Every row of every projection table, emptied.
    static func emptyProjections(_ db: Database) throws {
        for projection in Projector.projections {
            for table in projection.tables { try db.execute(sql: "DELETE FROM \(table.name)") }
        }
    }

    @Test func theTypeIndexOfEveryEventNamesItsType() async throws {
        let ledger = try await Self.world(seed: try Self.seed(), path: nil)
        let events = try await ledger.database.read { db in try Self.events(db) }
        #expect(Set(events.map(\.recorded.type)).count >= 8)
        for (event, recorded) in events {
            #expect(LedgerEvent.typeNames[Projector.typeIndex(of: event)] == recorded.type)
        }
        #expect(Set(LedgerEvent.typeNames).count == LedgerEvent.typeNames.count)
        #expect(Projector.acting.count == LedgerEvent.typeNames.count)
        // Every projection acts on some type, and names only types the log knows.
        for projection in Projector.projections {
            #expect(!projection.eventTypes.isEmpty)
            #expect(projection.eventTypes.isSubset(of: LedgerEvent.typeNames), "\(projection.name)")
        }
    }

    /// Each event applied by the projections that do not name its type changes nothing: neither
    /// in the projections the log left, nor in empty ones.
    @Test func aProjectionChangesNothingForATypeItDoesNotName() async throws {
        let seed = try Self.seed()
        let ledger = try await Self.world(seed: seed, path: nil)
        try await ledger.database.writeWithoutTransaction { db in
            try db.inTransaction {
                let events = try Self.events(db)
                func applyUnnamed() throws {
                    for (event, recorded) in events {
                        for projection in Projector.projections where !projection.eventTypes.contains(recorded.type) {
                            try projection.apply(event, recorded, db)
                        }
                    }
                }
                let before = try Projector.checksum(db)
                try applyUnnamed()
                #expect(try Projector.checksum(db) == before, "seed \(seed)")
                try Self.emptyProjections(db)
                try applyUnnamed()
                for projection in Projector.projections {
                    for table in projection.tables {
                        #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") == 0, "\(table.name), seed \(seed)")
                    }
                }
                return .rollback
            }
        }
    }

    /// A file ledger's rebuild (read ahead, fields prepared on the reading thread, each event to
    /// the projections of its type) and an in-memory one (no read-ahead) of the same world give
    /// the projections of every projection applying every event in order.
    @Test func aRebuildGivesWhatEveryProjectionApplyingEveryEventGives() async throws {
        let seed = try Self.seed()
        let file = try await Self.world(seed: seed, path: temporaryDatabasePath())
        #expect(file.database is DatabasePool)
        let memory = try await Self.world(seed: seed, path: nil)
        let reference = try await file.database.writeWithoutTransaction { db -> String in
            var checksum = ""
            try db.inTransaction {
                try Self.emptyProjections(db)
                for (event, recorded) in try Self.events(db) { try Projector.apply(event, recorded, db) }
                checksum = try Projector.checksum(db)
                return .rollback
            }
            return checksum
        }
        for ledger in [file, memory] {
            let report = try ledger.rebuild()
            #expect(report.events == EventPrefetcherTests.shape.events, "seed \(seed)")
            #expect(report.checksumAfter == reference, "seed \(seed)")
            #expect(report.matches, "seed \(seed)")
        }
    }
}
