import Foundation
import GRDB
import PeerLedgerDomain

/// The history lines of a replay (a rebuild or a catch-up), held in memory and written into
/// `peer_log` in its key order (peer, exchange, position) whenever they reach `limitBytes`, and
/// once at the end (`PeerLog.staging`).
///
/// `peer_log` is a WITHOUT ROWID table keyed by peer, and a replay produces lines in log order:
/// inserted as they come, each would land on a random page. Held and sorted here, they are
/// appended in key order instead. A temporary table and SQLite's sorter (`INSERT ... SELECT ...
/// ORDER BY`) would sort whole records, about a fifth of a rebuild of 1,000,000 events; here only
/// small fixed-size entries are sorted, and the text is bound straight from where it was copied
/// once.
///
/// Memory stays bounded: past `limitBytes` (entries and text together) the lines held so far go
/// into `peer_log`, sorted, and the next ones are held afresh. Each such batch lands on pages in
/// key order, interleaved with the lines already there, so a log of any length replays with the
/// same bounded memory, at the cost of one more sweep over `peer_log` per batch.
///
/// `@unchecked Sendable` so that a task-local value can carry it (`PeerLog.staged`): one is made
/// for one replay, inside one write transaction, and used only by that replay on the writer
/// connection, which GRDB runs one statement at a time.
final class StagedHistory: @unchecked Sendable {
    /// One held line: its key, its optional columns, and where its text is: the message, then
    /// the time, with their lengths (56 bytes a line; the text is about 80 more).
    private struct Line {
        var participant: Int64
        var exchange: Int64
        var position: Int64
        var requestID: Int64
        var sessionID: Int64
        var chunk: UInt32
        var offset: UInt32
        var messageCount: UInt32
        var timeCount: UInt16
        var hasRequest: Bool
        var hasSession: Bool
    }

    /// 64 MiB: the writer's page cache (`Ledger.writerCacheKiB`), which SQLite's sorter also took
    /// as its in-memory budget. A rebuild of 1,000,000 events (390,000 lines) stays within one batch.
    static let defaultLimit = 64 << 20
    /// The text is copied into blocks of this size, allocated as they fill: no array doubles and
    /// copies itself while the lines pile up.
    static let chunkBytes = 1 << 20

    let limitBytes: Int
    private var lines: [Line] = []
    private var chunks: [UnsafeMutableBufferPointer<UInt8>] = []
    /// Bytes used in the last chunk.
    private var used = 0
    private var chunkBytesHeld = 0
    /// Batches written into `peer_log` so far (tests check that a small limit splits a replay).
    private(set) var flushes = 0

    init(limitBytes: Int = defaultLimit) {
        self.limitBytes = max(limitBytes, 1)
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// What the held lines take: their entries and their text blocks. Entries count as many as
    /// are held, not as reserved: the reservation below is address space until lines fill it.
    var heldBytes: Int { lines.count * MemoryLayout<Line>.stride + chunkBytesHeld }

    /// Holds one line; writes every held line into `peer_log` first when the limit is reached.
    /// Each text is held up to its first NUL, which is how a `String` is bound (`BoundValue`): a
    /// held line reads back exactly as one inserted directly.
    func append(
        _ db: Database, position: Int64, participant: Int64, exchange: Int64, message: String, time: String,
        requestID: Int64?, sessionID: Int64?
    ) throws {
        if heldBytes >= limitBytes { try flush(db) }
        // Room for half the limit's worth of entries (at most 2^20), reserved once per batch: grown by doubling,
        // the entries were copied again at each step and every new buffer's pages were faulted in
        // and zeroed afresh, more than twice their final size (about 12,000 page faults of a
        // rebuild of 1,000,000 events, against about 5,400 for the entries themselves).
        if lines.capacity == 0 { lines.reserveCapacity(min(max(1, limitBytes / 2 / MemoryLayout<Line>.stride), 1 << 20)) }
        var message = message
        var time = time
        try message.withUTF8 { message in
            try time.withUTF8 { time in
                let messageBytes = Self.prefixBeforeNUL(message)
                let timeBytes = Self.prefixBeforeNUL(time)
                guard messageBytes.count <= UInt32.max, timeBytes.count <= UInt16.max else {
                    throw DatabaseError(resultCode: .SQLITE_TOOBIG, message: "history line too long to hold (position \(position))")
                }
                let needed = messageBytes.count + timeBytes.count
                if chunks.isEmpty || used + needed > chunks[chunks.count - 1].count {
                    let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(Self.chunkBytes, needed))
                    chunks.append(chunk)
                    chunkBytesHeld += chunk.count
                    used = 0
                }
                let chunk = chunks[chunks.count - 1]
                let start = used
                // Plain copies: a byte-wise copy of each text was a tenth of the replay's own code.
                if let source = messageBytes.baseAddress { (chunk.baseAddress! + used).initialize(from: source, count: messageBytes.count) }
                used += messageBytes.count
                if let source = timeBytes.baseAddress { (chunk.baseAddress! + used).initialize(from: source, count: timeBytes.count) }
                used += timeBytes.count
                lines.append(Line(
                    participant: participant, exchange: exchange, position: position, requestID: requestID ?? 0,
                    sessionID: sessionID ?? 0, chunk: UInt32(chunks.count - 1), offset: UInt32(start),
                    messageCount: UInt32(messageBytes.count), timeCount: UInt16(timeBytes.count), hasRequest: requestID != nil,
                    hasSession: sessionID != nil))
            }
        }
    }

    /// The bytes before the first NUL (all of them when there is none).
    private static func prefixBeforeNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = bytes.baseAddress, let nul = memchr(base, 0, bytes.count) else { return bytes }
        return UnsafeBufferPointer(rebasing: bytes[..<(UnsafeRawPointer(nul) - UnsafeRawPointer(base))])
    }

    /// Writes every held line into `peer_log` in key order and lets go of them.
    func flush(_ db: Database) throws {
        guard !lines.isEmpty else { return }
        lines.sort { ($0.participant, $0.exchange, $0.position) < ($1.participant, $1.exchange, $1.position) }
        // The texts are bound where they are held, with their lengths, not copied by SQLite: they
        // stay put until the bindings are cleared below (`HeldText`).
        defer { PeerLog.insert.clearBindings(db) }
        for line in lines {
            let message = UnsafePointer(chunks[Int(line.chunk)].baseAddress! + Int(line.offset))
            let time = message + Int(line.messageCount)
            try PeerLog.insert.execute(
                db, line.position, line.participant, line.exchange, HeldText(message, count: line.messageCount),
                HeldText(time, count: UInt32(line.timeCount)), line.hasRequest ? line.requestID : nil,
                line.hasSession ? line.sessionID : nil)
        }
        // Let go of the entries' storage too: its pages stay resident while it is kept, and only
        // held entries count towards the limit (the next batch reserves afresh).
        lines.removeAll()
        for chunk in chunks { chunk.deallocate() }
        chunks.removeAll()
        chunkBytesHeld = 0
        used = 0
        flushes += 1
    }
}
