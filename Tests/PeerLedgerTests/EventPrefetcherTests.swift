import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
import PeerLedgerTestSupport

/// A file ledger's rebuild reads and decodes the log on another thread (`EventPrefetcher`):
/// it must give the same projections as applying the log in place, in order, and stop cleanly
/// at an event it cannot read.
@Suite struct EventPrefetcherTests {
    /// More events than the prefetcher keeps waiting (`depth` × `chunkSize`), so the reading
    /// thread has to wait for the rebuild, and a last chunk that is not full.
    static let shape = WorldShape(
        networks: 60, exchanges: 6, netixlans: 90, contacts: 20, bigExchangeMembers: 20, ownExchanges: 4, sessions: 40,
        requests: 10, events: EventPrefetcher.depth * EventPrefetcher.chunkSize + 777)

    static func world() async throws -> Ledger {
        let ledger = try SyntheticWorld.openLedger(at: temporaryDatabasePath())
        _ = try await SyntheticWorld(shape: shape, seed: 3).build(into: ledger, scratch: Scratch.folder)
        return ledger
    }

    /// Also when the chunks are handed back to be emptied and filled again, as a rebuild does.
    @Test(arguments: [false, true])
    func itHandsOutEveryEventUpToTheLimitInLogOrder(givingChunksBack: Bool) async throws {
        let ledger = try await Self.world()
        let limit = Int64(EventPrefetcher.chunkSize * (EventPrefetcher.depth + 1) + 5)
        let prefetcher = EventPrefetcher(reader: ledger.database, upTo: limit)
        defer { prefetcher.cancel() }
        var positions: [Int64] = []
        var sizes: [Int] = []
        while let chunk = try prefetcher.next() {
            positions += chunk.map(\.recorded.position)
            sizes.append(chunk.count)
            #expect(chunk.allSatisfy { $0.event.payloadTypeName == $0.recorded.type })
            if givingChunksBack { prefetcher.giveBack(chunk) }
        }
        #expect(positions == Array(1...limit))
        #expect(sizes == Array(repeating: EventPrefetcher.chunkSize, count: EventPrefetcher.depth + 1) + [5])
    }

    @Test func aFileLedgersRebuildGivesTheProjectionsItKeptWhileWriting() async throws {
        let ledger = try await Self.world()
        #expect(ledger.database is DatabasePool)
        let kept = try ledger.projectionChecksum()
        let report = try ledger.rebuild()
        #expect(report.events == Self.shape.events)
        #expect(report.checksumBefore == kept)
        #expect(report.checksumAfter == kept)
    }

    @Test func aRebuildStopsAtAnEventItCannotReadAndChangesNothing() async throws {
        let ledger = try await Self.world()
        let head = try ledger.headPosition()
        try appendBrokenEvent(ledger, type: "NoSuchEvent")
        let before = try ledger.projectionChecksum()
        #expect {
            try ledger.rebuild()
        } throws: { error in
            (error as? LedgerError)?.description == "Event at position \(head + 1) cannot be read: unknown event type NoSuchEvent"
        }
        #expect(try ledger.projectionChecksum() == before)
        #expect(try ledger.headPosition() == head + 1)
        // The rolled-back rebuild left the ledger answering as before.
        let answer = await APIv1(ledger: ledger).handle(
            APIRequest(parameters: try Parameters(formEncoded: "target=peering&action=getSessions&public_id=1"), actor: "test"))
        #expect(answer.succeeded)
    }

    /// A replay reads only what projections read (`RecordedEvent.forEachReplayed`): each event's
    /// position, stream version, type, schema version, payload and time as stored, and nothing
    /// of its stream, metadata or hashes; every known type name comes out equal to the stored one.
    @Test func aReplayReadsWhatProjectionsReadOfEachEventAndLeavesTheRestEmpty() async throws {
        let ledger = try await Self.world()
        let stored = try ledger.readNow { db in
            try Row.fetchAll(db, sql: "SELECT \(RecordedEvent.columns) FROM events ORDER BY position").map(RecordedEvent.init(row:))
        }
        var replayed: [RecordedEvent] = []
        try ledger.readNow { db in try RecordedEvent.forEachReplayed(db, after: 0, upTo: .max) { replayed.append($0) } }
        #expect(replayed.count == stored.count)
        #expect(replayed.map(\.position) == stored.map(\.position))
        #expect(replayed.map(\.streamVersion) == stored.map(\.streamVersion))
        #expect(replayed.map(\.type) == stored.map(\.type))
        #expect(replayed.map(\.schemaVersion) == stored.map(\.schemaVersion))
        #expect(replayed.map(\.payload) == stored.map(\.payload))
        #expect(replayed.map(\.recordedAt) == stored.map(\.recordedAt))
        #expect(replayed.allSatisfy { $0.stream.isEmpty && $0.metadata.isEmpty && $0.prevHash.isEmpty && $0.hash.isEmpty })
        #expect(Set(stored.map(\.type)).isSuperset(of: ["SessionStateObserved", "SessionUpdated", "PeeringDBObjectCreated"]))
        // Bounds as the prefetcher's: after the first position, up to and including the limit.
        var window: [Int64] = []
        try ledger.readNow { db in try RecordedEvent.forEachReplayed(db, after: 10, upTo: 20) { window.append($0.position) } }
        #expect(window == Array(11...20))
    }

    /// `peerledger rebuild` says where its time went: each phase once, in the order it runs,
    /// together the time it reports.
    @Test func aRebuildReportsItsPhasesInOrder() async throws {
        let ledger = try await Self.world()
        let report = try ledger.rebuild()
        #expect(report.phases.map(\.name) == [
            "empty the projections and drop their indexes", "replay the log", "write the held sessions and sync marks",
            "sort and write the history", "build the indexes", "commit",
        ])
        #expect(report.phases.allSatisfy { $0.seconds >= 0 })
        let total = report.phases.reduce(0) { $0 + $1.seconds }
        #expect(total > 0)
        #expect(total <= report.seconds + 1e-6)
        #expect(abs(total - report.seconds) < 1e-9)
    }
}

extension LedgerEvent {
    /// The stored type name of this event (what `encoded()` writes in `events.type`).
    fileprivate var payloadTypeName: String? { try? encoded().type }
}
