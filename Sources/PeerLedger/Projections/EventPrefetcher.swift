import Foundation
import GRDB
import PeerLedgerDomain

/// Reads and decodes the log on a thread of its own, a few chunks ahead of the replay (a rebuild
/// or a catch-up) that applies it on the writer connection.
///
/// Reading rows and decoding payloads is about a third of a rebuild's replay; on two cores it
/// then overlaps the projections' SQL instead of adding to it. It reads through a separate
/// connection of the pool, which sees exactly the replay's events: the replay holds the write
/// lock for its whole transaction, appends nothing before it is done, and reads committed events
/// up to a bound it read itself, so nothing can commit in between that it would miss or see
/// twice. Memory stays bounded: at most `depth` chunks of `chunkSize` events wait at any time.
///
/// `@unchecked Sendable`: every stored property is read and written only while holding
/// `condition`, an `NSCondition` because both threads must sleep until the other has moved (a
/// `Mutex` cannot wait).
final class EventPrefetcher: @unchecked Sendable {
    /// One event as read and decoded. A struct rather than a tuple: reading a field of a tuple in
    /// a chunk copied the whole tuple through its generic value witnesses (a retain and a release
    /// of every string of the event).
    struct Decoded {
        /// The event; a created PeeringDB object carries only the fields a replay reads of it
        /// (`Projector.Prepared.decode`).
        let event: LedgerEvent
        let recorded: RecordedEvent
        /// What the projections work out from the event alone, worked out here (`Projector.Prepared`).
        let prepared: Projector.Prepared
    }

    static let chunkSize = 512
    static let depth = 4

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var chunks: [Result<[Decoded], any Error>] = []
    /// Chunks the replay has applied, handed back (`giveBack`) so that their events are freed
    /// on the reading thread, which has time to spare, and their storage is filled again.
    private var spent: [[Decoded]] = []
    private var finished = false
    private var cancelled = false

    /// Starts reading the events after position `start` up to `limit`, in order, from `reader`.
    init(reader: any DatabaseReader, after start: Int64 = 0, upTo limit: Int64) {
        let thread = Thread { [self] in produce(reader, start, limit) }
        thread.name = "peerledger.rebuild-prefetch"
        thread.start()
    }

    /// The next chunk of decoded events in log order; nil after the last. Throws what reading or
    /// decoding threw, after every event before it was handed out (as a plain cursor would).
    func next() throws -> [Decoded]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return try chunk.get()
    }

    /// Hands an applied chunk back to the reading thread, to free and fill again.
    func giveBack(_ chunk: consuming [Decoded]) {
        condition.lock()
        defer { condition.unlock() }
        if spent.count < Self.depth { spent.append(chunk) }
    }

    /// A chunk to fill: a spent one emptied here (its events freed on this thread), or a new one.
    private func emptyChunk() -> [Decoded] {
        condition.lock()
        let reused = spent.popLast()
        condition.unlock()
        guard var chunk = reused else {
            var fresh: [Decoded] = []
            fresh.reserveCapacity(Self.chunkSize)
            return fresh
        }
        chunk.removeAll(keepingCapacity: true)
        return chunk
    }

    /// Stops the reading thread (the replay is done or failed); safe to call more than once.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func produce(_ reader: any DatabaseReader, _ start: Int64, _ limit: Int64) {
        do {
            try reader.read { db in
                var chunk = emptyChunk()
                do {
                    try RecordedEvent.forEachReplayed(db, after: start, upTo: limit) { recorded in
                        let (event, prepared) = try Projector.Prepared.decode(recorded)
                        chunk.append(Decoded(event: event, recorded: recorded, prepared: prepared))
                        if chunk.count == Self.chunkSize {
                            guard push(.success(chunk)) else { throw Cancelled() }
                            chunk = emptyChunk()
                        }
                    }
                } catch is Cancelled {
                    return
                }
                if !chunk.isEmpty { _ = push(.success(chunk)) }
            }
        } catch {
            _ = push(.failure(error))
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the read once the replay has cancelled it.
    private struct Cancelled: Error {}

    /// Hands a chunk over, waiting while `depth` chunks are waiting; false once cancelled.
    private func push(_ chunk: Result<[Decoded], any Error>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.depth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }
}
