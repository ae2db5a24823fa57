import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport
@testable import PeerLedgerPeeringDB

@Suite("PeeringDB import")
struct PeeringDBImportTests {
    @Test("a first import appends one PeeringDBObjectCreated per object, in streams like pdb-net-262")
    func firstImport() async throws {
        let t = try TestLedger()
        let summary = try await t.importPeeringDB(try PeeringDBFixture())
        #expect(summary.counts[.net] == .init(created: 4, changed: 0, removed: 0, unchanged: 0))
        #expect(summary.counts[.netixlan]?.created == 5)
        #expect(summary.counts[.poc]?.created == 3)
        #expect(summary.eventsAppended == 5 + 2 + 2 + 3 + 4 + 5 + 3)
        let events = try t.events()
        #expect(events.count == summary.eventsAppended)
        #expect(Set(events.map(\.type)) == ["PeeringDBObjectCreated"])
        #expect(events.contains { $0.stream == "pdb-net-262" })
        let net = try #require(events.first { $0.stream == "pdb-net-262" })
        #expect(net.payload.contains(#""policy_general":"Selective""#))
        #expect(!net.payload.contains("social_media"), "untracked fields stay out of the log")
        #expect(summary.description.hasPrefix("org 5 created, 0 changed, 0 removed, 0 unchanged; ix 2 created"))
    }

    @Test("importing the same data twice appends zero events the second time")
    func zeroChangeReimport() async throws {
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try await t.importPeeringDB(fixture)
        let count = try t.eventCount()
        let checksum = try t.ledger.projectionChecksum()
        let again = try await t.importPeeringDB(fixture)
        #expect(again.eventsAppended == 0)
        #expect(again.counts[.net] == .init(created: 0, changed: 0, removed: 0, unchanged: 4))
        #expect(try t.eventCount() == count)
        #expect(try t.ledger.projectionChecksum() == checksum)
    }

    @Test("one field changed upstream appends one event naming the field, from what, to what")
    func upstreamChange() async throws {
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try await t.importPeeringDB(fixture)
        let count = try t.eventCount()
        try fixture.set(.net, id: 262, "policy_general", "Open")
        try fixture.set(.net, id: 262, "updated", "2026-11-01T08:00:00Z")
        let summary = try await t.importPeeringDB(fixture)
        #expect(summary.counts[.net] == .init(created: 0, changed: 1, removed: 0, unchanged: 3))
        #expect(try t.eventCount() == count + 1)
        let event = try #require(try t.events().last)
        #expect(event.stream == "pdb-net-262")
        #expect(event.streamVersion == 2)
        guard case let .peeringDBObjectChanged(changed) = try LedgerEvent(event) else {
            Issue.record("expected PeeringDBObjectChanged, got \(event.type)")
            return
        }
        #expect(changed.changes["policy_general"] == .init(from: .text("Selective"), to: .text("Open")))
        #expect(changed.changes["updated"] == .init(from: .text("2022-07-27T05:33:22Z"), to: .text("2026-11-01T08:00:00Z")))
        #expect(changed.changes.count == 2)
        let stored = try t.ledger.readNow { db in
            try String.fetchOne(db, sql: "SELECT json_extract(fields, '$.policy_general') FROM peeringdb_objects WHERE type = 'net' AND id = 262")
        }
        #expect(stored == "Open")
        #expect(try t.ledger.rebuild().matches)
    }

    @Test("a record with status deleted removes the object, with one PeeringDBObjectRemoved")
    func upstreamDeletion() async throws {
        let (t, fixture) = try await TestLedger.withPeeringDB()
        #expect(try await t.call("action=getCommunications&public_id=1").data?.arrayValue?.count == 3)
        let count = try t.eventCount()
        try fixture.set(.netixlan, id: 3, "status", "deleted")
        try fixture.set(.netixlan, id: 3, "updated", "2026-11-02T09:00:00Z")
        let summary = try await t.importPeeringDB(fixture)
        #expect(summary.counts[.netixlan] == .init(created: 0, changed: 0, removed: 1, unchanged: 4))
        #expect(try t.eventCount() == count + 1)
        let event = try #require(try t.events().last)
        #expect(event.type == "PeeringDBObjectRemoved")
        #expect(event.stream == "pdb-netixlan-3")
        let names = try await t.call("action=getCommunications&public_id=1").data?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["1&1 Internet", "Amazon.com"], "Akamai left Equinix Ashburn")
        #expect(try await t.ledger.peeringDBSyncMarks()[.netixlan] == 1_793_610_000)
    }

    @Test("an object missing from a full snapshot file is removed")
    func snapshotRemoval() async throws {
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try await t.importPeeringDB(fixture)
        try fixture.edit(.poc) { records in records.removeAll { $0["id"] as? Int == 9003 } }
        let summary = try await t.importPeeringDB(fixture)
        #expect(summary.counts[.poc] == .init(created: 0, changed: 0, removed: 1, unchanged: 2))
        #expect(try t.events().last?.stream == "pdb-poc-9003")
    }

    /// Each bad input: what to write, and what the refusal must say.
    static let malformed: [(name: String, type: PeeringDBObjectType, edit: @Sendable (PeeringDBFixture) throws -> Void, message: String)] = [
        ("malformed JSON", .net, { try $0.write(.net, raw: #"{"data": [{"id": 262,"#) }, "net.json: malformed JSON"),
        ("not a PeeringDB page", .ix, { try $0.write(.ix, raw: #"[{"id": 1}]"#) }, #"ix.json: not a PeeringDB page"#),
        ("wrong type", .net, { try $0.set(.net, id: 262, "asn", "AS8560") }, #"net.json: record 262: field asn: must be an integer, got "AS8560""#),
        ("missing field", .poc, { try $0.edit(.poc) { $0[0].removeValue(forKey: "role") } }, "poc.json: record 9001: field role: is missing"),
        // Numbers no AS or id can be: refused with the record, never carried into arithmetic.
        ("ASN beyond 32 bits", .net, { try $0.set(.net, id: 262, "asn", 99_999_999_999) }, "net.json: record 262: field asn: must be from 1 to 4294967295, got 99999999999"),
        ("ASN zero", .netixlan, { try $0.set(.netixlan, id: 4, "asn", 0) }, "netixlan.json: record 4: field asn: must be from 1 to 4294967295, got 0"),
        ("ASN beyond 64 bits", .net, { try $0.replace(.net, "\"asn\":8560", with: "\"asn\":9223372036854775808") }, "net.json: record 262: field asn: must be an integer, got 9223372036854775808"),
        ("id beyond 64 bits", .net, { try $0.replace(.net, "\"id\":262", with: "\"id\":99999999999999999999999") }, "net.json: field id: record 2 of the page: id must be a positive integer, got 99999999999999999999999"),
        ("negative prefix count", .net, { try $0.set(.net, id: 262, "info_prefixes4", -150) }, "net.json: record 262: field info_prefixes4: must be from 0 to 9223372036854775807, got -150"),
        ("duplicate id", .net, { try $0.set(.net, id: 2, "id", 262) }, "net.json: record 262: field id: duplicate id"),
        ("unknown reference", .netixlan, { try $0.set(.netixlan, id: 4, "net_id", 99999) }, "netixlan.json: record 4: field net_id: refers to net 99999, which does not exist"),
    ]

    @Test("each malformed input aborts the import, names file, record and field, and leaves the ledger exactly as before",
          arguments: malformed.indices)
    func malformedInputChangesNothing(_ index: Int) async throws {
        let bad = Self.malformed[index]
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try await t.importPeeringDB(fixture)
        try fixture.set(.net, id: 1418, "policy_general", "Open")  // a good change that must not land either
        try bad.edit(fixture)
        let count = try t.eventCount()
        let checksum = try t.ledger.projectionChecksum()
        do {
            try await t.importPeeringDB(fixture)
            Issue.record("\(bad.name): the import was not refused")
        } catch let refusal as Refusal {
            #expect(refusal.message.contains(bad.message), "\(bad.name): \(refusal.message)")
            #expect(refusal.message.hasPrefix("PeeringDB import refused, nothing was changed"))
        }
        #expect(try t.eventCount() == count, "\(bad.name)")
        #expect(try t.ledger.projectionChecksum() == checksum, "\(bad.name)")
    }

    @Test("--lenient skips a bad record and the records that depend on it, reports each, and imports the rest")
    func lenientSkips() async throws {
        let t = try TestLedger()
        let fixture = try PeeringDBFixture()
        try fixture.set(.net, id: 2, "asn", "twenty thousand")
        let summary = try await t.importPeeringDB(fixture, lenient: true)
        #expect(summary.skipped.map(\.description) == [
            #"net.json: record 2: field asn: must be an integer, got "twenty thousand""#,
            "netixlan.json: record 3: field net_id: refers to net 2, which does not exist",
        ])
        #expect(summary.counts[.net]?.created == 3)
        #expect(summary.counts[.netixlan]?.created == 4)
        #expect(summary.description.hasSuffix("; 2 records skipped"))
    }

    @Test("a rebuild from the log gives the same PeeringDB and peer projections")
    func rebuildMatches() async throws {
        let (t, fixture) = try await TestLedger.withPeeringDB()
        try fixture.set(.net, id: 2, "name", "Akamai Technologies, Inc.")
        try await t.importPeeringDB(fixture)
        try await t.call("action=updatePeer&participant_id=262&public_id=1&request_status=sent")
        #expect(try t.ledger.rebuild().matches)
    }

    @Test("peerledger self refuses an ASN that is not in the PeeringDB data, and setting it twice appends once")
    func ownNetwork() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let count = try t.eventCount()
        #expect(throws: Refusal.self) { try t.ledger.setOwnNetwork(asn: 64512, metadata: EventMetadata(actor: "test")) }
        let message = try t.ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        #expect(message == "Own network unchanged: 6connect, Inc. (AS8038, net 2335)")
        #expect(try t.eventCount() == count)
        #expect(try t.events().contains { $0.type == "OwnNetworkSet" && $0.stream == "self" })
    }

    @Test("escaped and non-ASCII text reads as PeeringDB wrote it and is stored in the same canonical text as JSON writes")
    func escapes() async throws {
        let page = PeeringDBPage(
            type: .org, source: "org.json",
            bytes: Array(#"{"meta": {"x": [1, {"y": null}]}, "data": [{"id": 7, "name": "1\u00261 \"Internet\"\n", "aka": "Zürich\u2028", "notes": "a\\b", "latitude": 1.5, "social_media": [{"service": "website"}], "created": "2010-07-29T00:00:00Z", "updated": "2020-01-01T00:00:00Z", "status": "ok"}]}"#.utf8),
            isSnapshot: true)
        let (records, issues) = page.records()
        #expect(issues.isEmpty)
        let record = try #require(records.first)
        #expect(record.fields["name"] == .text("1&1 \"Internet\"\n"))
        #expect(record.fields["aka"] == .text("Zürich\u{2028}"))
        #expect(record.fields["notes"] == .text("a\\b"))
        let json = JSON.object(record.fields.keys.sorted().map { ($0, record.fields[$0]!.json) }).serialized()
        #expect(record.text == json)
    }

    @Test("a folder without PeeringDB pages is refused, not imported as nothing")
    func emptyFolder() async throws {
        let t = try TestLedger()
        let empty = Scratch.url("empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        await #expect(throws: Refusal.self) {
            try await t.ledger.importPeeringDB(from: PeeringDBFolder(path: empty.path), metadata: EventMetadata(actor: "test"))
        }
        #expect(try t.eventCount() == 0)
    }
}
