import Foundation
import GRDB
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures

/// A replay holds its history lines in memory and writes them into `peer_log` sorted by its key
/// (`StagedHistory`): they must read back exactly as lines inserted one by one, whatever their
/// text, in however many batches the memory limit cuts them.
@Suite struct StagedHistoryTests {
    struct Line {
        var position: Int64
        var participant: Int64
        var exchange: Int64
        var message: String
        var requestID: Int64?
        var sessionID: Int64?
    }

    /// Lines out of key order, with an empty message, an embedded NUL (text ends there when
    /// bound, as for any `String`), text beyond ASCII, a long message, and each optional column
    /// set and unset.
    static let lines: [Line] = [
        Line(position: 9, participant: 300, exchange: 2, message: "Session added: Network C", requestID: nil, sessionID: 4),
        Line(position: 3, participant: 100, exchange: 1, message: "", requestID: 7, sessionID: nil),
        Line(position: 5, participant: 300, exchange: 1, message: "Reply from Zürich — ok", requestID: 8, sessionID: nil),
        Line(position: 4, participant: 100, exchange: 1, message: "before\u{0}after", requestID: nil, sessionID: nil),
        Line(position: 7, participant: 200, exchange: 9, message: String(repeating: "long line ", count: 500), requestID: 1, sessionID: 2),
        Line(position: 2, participant: 300, exchange: 2, message: "Peer status reset", requestID: nil, sessionID: nil),
        Line(position: 8, participant: 100, exchange: 1, message: "Session deleted: Network A", requestID: nil, sessionID: 1),
    ]

    static func write(_ lines: [Line], _ db: Database) throws {
        for (index, line) in lines.enumerated() {
            try PeerLog.write(
                db, position: line.position, participant: line.participant, exchange: line.exchange, message: line.message,
                recordedAt: "2026-11-28T04:0\(index):00.000Z", requestID: line.requestID, sessionID: line.sessionID)
        }
    }

    /// Every column with its SQLite type and byte length, in the table's key order.
    static func stored(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT position || '|' || peer_participant_id || '|' || public_id || '|' || typeof(message) || ':'
                || length(CAST(message AS BLOB)) || ':' || message || '|' || time || '|' || COALESCE(request_id, 'null') || '|'
                || COALESCE(session_id, 'null')
            FROM peer_log
            """)
    }

    @Test(arguments: [1, 4_096, StagedHistory.defaultLimit])
    func heldLinesReadBackExactlyAsLinesInsertedOneByOne(limitBytes: Int) throws {
        let ledger = try Ledger.inMemory()
        try ledger.database.write { db in
            try Self.write(Self.lines, db)
            let direct = try Self.stored(db)
            try db.execute(sql: "DELETE FROM peer_log")
            try PeerLog.staging(db, limitBytes: limitBytes) {
                try Self.write(Self.lines, db)
                // Under a limit below one block of text, each line is written before the next is held.
                #expect(try Self.stored(db).count == (limitBytes == StagedHistory.defaultLimit ? 0 : 6))
            }
            #expect(try Self.stored(db) == direct)
            #expect(direct.count == 7)
            #expect(direct.first == "3|100|1|text:0:|2026-11-28 04:01:00|7|null")
            #expect(direct[1] == "4|100|1|text:6:before|2026-11-28 04:03:00|null|null")
        }
    }

    @Test func aLimitBelowTheHeldLinesWritesThemInBatchesEachInKeyOrder() throws {
        let ledger = try Ledger.inMemory()
        try ledger.database.write { db in
            let limit = 2 * StagedHistory.chunkBytes
            let staged = StagedHistory(limitBytes: limit)
            // 40,000 lines hold about 2.4 MB of text and 2.2 MB of entries: at least two batches.
            var most = 0
            for n in 0..<40_000 {
                try staged.append(
                    db, position: Int64(n + 1), participant: Int64(n % 97), exchange: Int64(n % 3), message: String(repeating: "x", count: 40),
                    time: "2026-11-28 04:00:00", requestID: nil, sessionID: Int64(n))
                most = max(most, staged.heldBytes)
            }
            #expect(staged.flushes >= 2)
            // Past the limit by at most one block of text and the entries' last doubling.
            #expect(most < 2 * limit + StagedHistory.chunkBytes)
            try staged.flush(db)
            #expect(staged.heldBytes == 0)
            let keys = try Row.fetchAll(db, sql: "SELECT peer_participant_id, public_id, position FROM peer_log")
                .map { ($0[0] as Int64, $0[1] as Int64, $0[2] as Int64) }
            #expect(keys.count == 40_000)
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
        }
    }

    /// Two held lines with the same key fail the write that holds them, as the second insert of
    /// the same key would have, and nothing of that write is kept.
    @Test func aDuplicateKeyAmongHeldLinesFailsTheTransaction() throws {
        let ledger = try Ledger.inMemory()
        let duplicate = [Self.lines[0], Self.lines[0]]
        #expect {
            try ledger.database.write { db in
                try PeerLog.staging(db) { try Self.write(duplicate, db) }
            }
        } throws: { error in
            (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT
        }
        #expect(try ledger.readNow { db in try Self.stored(db) }.isEmpty)
    }

    /// A rebuild whose history is written in many batches (down to one line each) leaves the same
    /// projections as the world's commands left.
    @Test(arguments: [1, 4_096])
    func aRebuildWritingItsHistoryInBatchesLeavesTheSameProjections(historyBytes: Int) async throws {
        let (ledger, _) = try await SyntheticWorldTests.build()
        let kept = try ledger.projectionChecksum()
        let lines = try ledger.readNow { db in try Self.stored(db) }
        #expect(lines.count > 50)
        try await ledger.database.write { db in _ = try Projector.rebuild(db, historyBytes: historyBytes) }
        #expect(try ledger.projectionChecksum() == kept)
        #expect(try ledger.readNow { db in try Self.stored(db) } == lines)
    }
}
