import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// A rebuild keeps PeeringDB's sync marks (`peeringdb_sync`, the newest `updated` per type) in
/// memory and writes each once at the end (`HeldSyncMarks`): the marks must come out as one
/// upsert per event with SQLite's `max` left them, whatever order the events came in.
@Suite struct HeldSyncMarksTests {
    @Test func aMarkKeepsWhatSQLitesMaxKeepsInByteOrder() throws {
        // Equal as Swift strings (canonically equivalent) yet different bytes; a prefix; an older time.
        let pairs = [
            ("2026-01-02T00:00:00Z", "2025-12-31T23:59:59Z"), ("2025-12-31T23:59:59Z", "2026-01-02T00:00:00Z"),
            ("2026-01-02", "2026-01-02T00:00:00Z"), ("2026-01-02T00:00:00Z", "2026-01-02"), ("e\u{301}", "é"), ("é", "e\u{301}"),
            ("same", "same"),
        ]
        let db = try DatabaseQueue()
        for (first, second) in pairs {
            let marks = HeldSyncMarks()
            marks.advance("net", to: first)
            marks.advance("net", to: second)
            let sqlite = try db.read { db in try String.fetchOne(db, sql: "SELECT max(?, ?)", arguments: [first, second]) }
            #expect(Array((marks.newest["net"] ?? "").utf8) == Array((sqlite ?? "").utf8), "\(first) then \(second)")
        }
    }

    @Test func aRebuildWritesTheNewestMarkOfEachTypeWhateverTheOrderOfTheEvents() async throws {
        let t = try TestLedger()
        let objects: [(PeeringDBObjectType, Int64, String)] = [
            (.net, 1, "2026-03-01T10:00:00Z"), (.net, 2, "2026-05-01T10:00:00Z"), (.net, 3, "2026-04-01T10:00:00Z"),
            (.ix, 1, "2024-01-01T00:00:00Z"), (.ix, 2, "2023-06-01T00:00:00Z"),
        ]
        _ = try await t.ledger.write(EventMetadata(actor: "test")) { tx in
            for (type, id, updated) in objects {
                try tx.append(
                    .peeringDBObjectCreated(PeeringDBObjectCreated(
                        objectType: type, objectID: id, fields: ["name": .text("\(type) \(id)"), "updated": .text(updated)])),
                    to: "pdb-\(type.rawValue)-\(id)", expecting: .noStream)
            }
        }
        // A removal's time counts too, and an older one moves nothing.
        _ = try await t.ledger.write(EventMetadata(actor: "test")) { tx in
            try tx.append(
                .peeringDBObjectRemoved(PeeringDBObjectRemoved(objectType: .ix, objectID: 2, updated: "2024-02-01T00:00:00Z")),
                to: "pdb-ix-2", expecting: .exactly(1))
            try tx.append(
                .peeringDBObjectRemoved(PeeringDBObjectRemoved(objectType: .net, objectID: 3, updated: "2026-04-02T00:00:00Z")),
                to: "pdb-net-3", expecting: .exactly(1))
        }
        let marks = { try t.ledger.readNow { db in try Row.fetchAll(db, sql: "SELECT type, updated FROM peeringdb_sync ORDER BY type") } }
        let kept = try marks().map { "\($0[0] as String) \($0[1] as String)" }
        #expect(kept == ["ix 2024-02-01T00:00:00Z", "net 2026-05-01T10:00:00Z"])
        #expect(try t.ledger.rebuild().matches)
        #expect(try marks().map { "\($0[0] as String) \($0[1] as String)" } == kept)
    }
}
