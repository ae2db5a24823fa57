import Crypto
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The shortcuts of the write and rebuild paths give exactly what the plain way gave.
@Suite("Event log: write and rebuild paths")
struct WritePathTests {
    @Test("the streamed chain hash equals SHA-256 over the joined hash input, also for non-ASCII text")
    func streamedHashEqualsJoinedInputHash() {
        let cases: [(String, Int64, String, Int64, String, Int, String, String, String)] = [
            (RecordedEvent.genesisHash, 1, "session-1", 1, "SessionAdded", 1, #"{"a":1}"#, #"{"actor":"x"}"#, "2026-11-20T09:00:00.000Z"),
            (String(repeating: "f", count: 64), 987_654_321, "pdb-net-1418", 42, "PeeringDBObjectChanged", 3,
             #"{"name":"Zürich Ⅸ 🚀","note":"a\u001fb"}"#, #"{"actor":"cli:rené"}"#, "2026-01-01T00:00:00.001Z"),
            ("", 0, "", 0, "", 0, "", "", ""),
        ]
        for (prev, position, stream, version, type, schema, payload, metadata, time) in cases {
            let joined = RecordedEvent.hashInput(
                prevHash: prev, position: position, stream: stream, streamVersion: version, type: type,
                schemaVersion: schema, payload: payload, metadata: metadata, recordedAt: time)
            let streamed = EventHash.hash(
                prevHash: prev, position: position, stream: stream, streamVersion: version, type: type,
                schemaVersion: schema, payload: payload, metadata: metadata, recordedAt: time)
            #expect(streamed == SHA256.hash(data: Array(joined.utf8)).hexString)
        }
    }

    @Test("a command appending twice to one stream sees its own append: a stale expectation conflicts and nothing is kept")
    func versionsKnownInsideACommandStillConflict() throws {
        let t = try TestLedger()
        let added = SessionAdded(sessionID: 1, fields: ["public_id": .int(1), "peer_asn": .int(2), "peer_ipaddr": .text("10.0.0.1"),
            "ip_type": .text("ipv4"), "state": .text("not configured")])
        let update = SessionUpdated(sessionID: 1, changes: ["note": .init(from: .null, to: .text("x"))])
        #expect(throws: LedgerError.self) {
            try t.ledger.writeNow(EventMetadata(actor: "test")) { tx in
                try tx.append(.sessionAdded(added), to: "session-1", expecting: .noStream)
                #expect(try tx.version(of: "session-1") == 1)
                try tx.append(.sessionUpdated(update), to: "session-1", expecting: .exactly(1))
                #expect(try tx.version(of: "session-1") == 2)
                try tx.append(.sessionUpdated(update), to: "session-1", expecting: .exactly(1))
            }
        }
        #expect(try t.eventCount() == 0)
        try t.ledger.writeNow(EventMetadata(actor: "test")) { tx in
            try tx.append(.sessionAdded(added), to: "session-1", expecting: .noStream)
            try tx.append(.sessionUpdated(update), to: "session-1", expecting: .exactly(1))
        }
        #expect(throws: LedgerError.self) {
            try t.ledger.writeNow(EventMetadata(actor: "test")) { tx in
                try tx.append(.sessionAdded(added), to: "session-1", expecting: .noStream)
            }
        }
        let versions = try t.ledger.readNow { db in try Int64.fetchAll(db, sql: "SELECT stream_version FROM events ORDER BY position") }
        #expect(versions == [1, 2])
    }

    @Test("one checkpoint statement records every projection, with its version, at the command's last position")
    func checkpointRecordsEveryProjection() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        let rows = try t.ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT name, version, position FROM projection_state ORDER BY name")
                .map { ($0[0] as String, $0[1] as Int, $0[2] as Int64) }
        }
        let count = try t.eventCount()
        let expected = Projector.projections.map { ($0.name, $0.version, count) }.sorted { $0.0 < $1.0 }
        #expect(rows.map(\.0) == expected.map(\.0))
        #expect(rows.map(\.1) == expected.map(\.1))
        #expect(rows.map(\.2) == expected.map(\.2))
        #expect(rows.allSatisfy { $0.2 == 2 })
    }

    @Test("the duplicate-address check of addSession seeks one index entry instead of reading the exchange's sessions")
    func duplicateCheckSeeksTheIndex() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let plan = try t.ledger.readNow { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SessionQueries.holder.sql, arguments: [1, "206.126.236.68", 422, nil])
                .map { $0["detail"] as String }
        }
        #expect(plan == ["SEARCH sessions USING INDEX sessions_by_exchange (public_id=? AND deleted=? AND peer_ipaddr=?)"])
        let again = try await t.call(amazon.replacingOccurrences(of: "peer_asn=16509", with: "peer_asn=16510"))
        #expect(again.message == "peer_ipaddr 206.126.236.68 already has session 1 on router 422 at exchange 1; update or delete that session instead")
    }

    @Test("a rebuild gives back every projection index as the migrations made it, and the same history lines")
    func rebuildRestoresIndexesAndHistory() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        try await t.call(akamai)
        try await t.call("action=updateSession&id=1&note=changed")
        try await t.call("action=deleteSession&id=2")
        func snapshot() throws -> (indexes: [String], lines: [String]) {
            try t.ledger.readNow { db in
                (try String.fetchAll(db, sql: "SELECT name || ':' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"),
                 try String.fetchAll(db, sql: "SELECT position || ' ' || peer_participant_id || ' ' || message FROM peer_log ORDER BY position"))
            }
        }
        let before = try snapshot()
        #expect(before.indexes.contains { $0.hasPrefix("sessions_by_exchange:") })
        #expect(before.lines.count == 4)
        let report = try t.ledger.rebuild()
        #expect(report.matches)
        let after = try snapshot()
        #expect(after.indexes == before.indexes)
        #expect(after.lines == before.lines)
        // A second rebuild (the dropped indexes' statements prepared again) gives the same.
        #expect(try t.ledger.rebuild().matches)
        #expect(try snapshot().lines == before.lines)
        // Writes after a rebuild go to peer_log itself again.
        try await t.call("action=updateSession&id=1&note=again")
        #expect(try snapshot().lines.count == 5)
    }
}

/// Event metadata written by hand is byte-identical to `CanonicalJSON.encode` (RFC 8785).
@Suite("Event log: metadata encoding")
struct MetadataCodecTests {
    @Test("hand-written metadata equals CanonicalJSON for every combination of present, absent, plain and escaped values")
    func metadataBytesEqualTheCanonicalEncoder() throws {
        let texts: [String?] = [nil, "", "bench", "cli:root", "a/b", "10.0.0.1:443", "quote\"d", "back\\slash", "tab\there", "Zürich", "emoji 🚀", "~!@#$%^&*()_+{}|:<>?`-=[];',./"]
        for actor in texts.compactMap({ $0 }) {
            for request in texts {
                for address in texts {
                    let metadata = EventMetadata(actor: actor, requestID: request, clientAddress: address)
                    #expect(try MetadataCodec.encode(metadata) == CanonicalJSON.encode(metadata))
                }
            }
        }
    }
}
