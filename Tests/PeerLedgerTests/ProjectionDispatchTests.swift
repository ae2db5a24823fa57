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
    /// A created PeeringDB object read for a replay (`Projector.Prepared.decode`) carries what its
    /// projection reads of it as a whole decode gives it: id, type, `updated` and the stored text.
    @Test func aCreatedObjectReadForAReplayGivesWhatAWholeDecodeGives() async throws {
        let ledger = try await Self.world(seed: try Self.seed(), path: nil)
        let events = try await ledger.database.read { db in try Self.events(db) }
        var created = 0
        for (event, recorded) in events {
            guard case let .peeringDBObjectCreated(whole) = event else { continue }
            created += 1
            let (read, prepared) = try Projector.Prepared.decode(recorded)
            guard case let .peeringDBObjectCreated(part) = read else {
                Issue.record("position \(recorded.position) read as another type")
                continue
            }
            #expect(part.objectID == whole.objectID && part.objectType == whole.objectType)
            #expect(part.fields["updated"]?.text == whole.fields["updated"]?.text)
            #expect(prepared.peeringDBFields == PeeringDBProjection.fieldsText(of: whole, recorded))
        }
        #expect(created > 100)
    }

    /// A canonical payload is scanned (only `updated` kept of its fields); one with an escape is
    /// decoded whole, its stored text written from its fields.
    @Test func aPayloadThatIsNotCanonicalIsDecodedWhole() throws {
        func recorded(_ payload: String) -> RecordedEvent {
            RecordedEvent(
                position: 1, stream: "", streamVersion: 1, type: PeeringDBObjectCreated.type, schemaVersion: 1, payload: payload,
                metadata: "", recordedAt: "2025-01-01T00:00:00.000Z", prevHash: "", hash: "")
        }
        let canonical = recorded(#"{"fields":{"name":"ab","updated":"2025-01-01T00:00:00Z"},"object_id":7,"object_type":"net"}"#)
        let (scanned, fromScan) = try Projector.Prepared.decode(canonical)
        guard case let .peeringDBObjectCreated(part) = scanned else { Issue.record("not a created object"); return }
        #expect(part.objectID == 7 && part.objectType == .net)
        #expect(part.fields == ["updated": .text("2025-01-01T00:00:00Z")])
        #expect(fromScan.peeringDBFields == #"{"name":"ab","updated":"2025-01-01T00:00:00Z"}"#)
        let escaped = recorded(#"{"fields":{"name":"a\"b","updated":"2025-01-01T00:00:00Z"},"object_id":7,"object_type":"net"}"#)
        let (whole, fromFields) = try Projector.Prepared.decode(escaped)
        guard case let .peeringDBObjectCreated(all) = whole else { Issue.record("not a created object"); return }
        #expect(all.fields.count == 2)
        #expect(all.fields["name"]?.text == "a\"b")
        #expect(fromFields.peeringDBFields == all.fields.canonicalText)
    }
}
