public import Foundation
import GRDB
public import PeerLedger
import PeerLedgerDomain
import PeerLedgerPeeringDB

/// A realistic ledger to measure against, the same for the same seed and shape: a synthetic
/// PeeringDB imported through the real import, our network (net 1) set with `setOwnNetwork`,
/// then sessions, peering requests and a history of session updates, observed BGP states and
/// peer status changes, appended with the real event types in transactions of 1,000 events. The
/// batches go to the log first (`Ledger.appendLogFirst`) and the projections catch up every
/// `catchUpInterval` events and at the end, through the same projections as in production;
/// `projectingEachBatch` applies each batch's events in its own transaction instead. No mail is
/// queued or sent.
public struct SyntheticWorld: Sendable {
    public var shape: WorldShape
    public var seed: UInt64
    /// Apply each batch's events to the projections in the batch's transaction, as a command
    /// does, instead of appending log first and catching up.
    public var projectingEachBatch = false
    /// Events appended log first between two catch-ups of the projections.
    public var catchUpInterval = 50_000

    /// Events per transaction after the PeeringDB import (which is one transaction, as in production).
    public static let batchSize = 1_000
    /// Our network: net 1, a member of the big exchange.
    public static let ownNetID: Int64 = 1
    /// The exchange with `bigExchangeMembers` members that the read workloads measure.
    public static let bigExchange: Int64 = 1
    static let metadata = EventMetadata(actor: "cli:generate-world")

    public init(shape: WorldShape, seed: UInt64 = 1) {
        self.shape = shape
        self.seed = seed
    }

    /// A ledger with a fixed clock (from 2025-01-01, 12 hours per transaction) and sequential
    /// ids, so building the same world twice gives the same log, hash chain included. `path`
    /// nil: in memory.
    public static func openLedger(at path: String?) throws -> Ledger {
        let clock = SteppingClock(start: Timestamp(millis: 1_735_689_600_000), stepMillis: 12 * 3_600_000)
        let ids = SequentialIDs(prefix: "world")
        guard let path else { return try Ledger.inMemory(clock: clock, ids: ids) }
        return try Ledger.open(at: path, clock: clock, ids: ids)
    }

    /// The PeeringDB part of this world.
    public var peeringDB: SyntheticPeeringDB {
        var set = SyntheticPeeringDB()
        set.seed = seed
        set.networks = shape.networks
        set.exchanges = shape.exchanges
        set.netixlans = shape.netixlans
        set.contacts = shape.contacts
        set.bigExchangeMembers = shape.bigExchangeMembers
        set.ownNetworkExchanges = shape.ownExchanges
        return set
    }

    /// Builds the world into an empty `ledger` (see `openLedger`). `scratch` holds the PeeringDB
    /// pages while they are imported. `afterBatch` is called after each committed batch (and the
    /// catch-up that follows it, if one is due) with its event count, outside the times the
    /// summary reports (the benchmark runs its baseline batch there, so both see the same machine).
    public func build(
        into ledger: Ledger, scratch: URL, afterBatch: (Int) throws -> Void = { _ in },
        progress: (String) -> Void = { _ in }
    ) async throws -> WorldSummary {
        try shape.validate()
        guard try ledger.headPosition() == 0 else {
            throw Refusal("the world is built into an empty ledger; this one already has events")
        }
        var summary = WorldSummary(shape: shape, seed: seed)

        progress("PeeringDB: \(shape.networks) nets, \(shape.exchanges) exchanges, \(shape.netixlans) netixlan, \(shape.contacts) poc...")
        let folder = scratch.appendingPathComponent("peeringdb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try peeringDB.write(to: folder)
        let imported = try await ledger.importPeeringDB(from: PeeringDBFolder(path: folder.path), metadata: Self.metadata)
        summary.peeringDBEvents = imported.counts.values.reduce(0) { $0 + $1.created + $1.changed + $1.removed }
        try? FileManager.default.removeItem(at: folder)
        try ledger.setOwnNetwork(asn: SyntheticPeeringDB.asn(Self.ownNetID), metadata: Self.metadata)

        let plan = try ledger.readingNow { reader in try WorldPlan(shape: shape, reader) }
        let appendedSoFar = Int(try ledger.headPosition())
        let events = WorldEvents(shape: shape, plan: plan, seed: seed, budget: shape.events - appendedSoFar)
        let clock = ContinuousClock()
        var batches = 0
        var pending: [WorldEvents.Next] = []
        pending.reserveCapacity(Self.batchSize)
        while !events.finished {
            // The batch is drawn before its transaction: what is timed is the ledger appending
            // events, as a client hands them over, not the generator making them up.
            pending.removeAll(keepingCapacity: true)
            while pending.count < Self.batchSize, let next = events.next() { pending.append(next) }
            let start = clock.now
            let batch = { (tx: LedgerTransaction) throws -> Int in
                for next in pending { try tx.append(next.event, to: next.stream, expecting: next.expected) }
                return pending.count
            }
            let appended = try projectingEachBatch ? ledger.writeNow(Self.metadata, batch) : ledger.appendLogFirst(Self.metadata, batch)
            summary.batchedSeconds += (clock.now - start).secondsValue
            summary.batchedEvents += appended
            batches += 1
            // What the projections lack: the batches appended since the last catch-up.
            let lag = summary.batchedEvents - summary.caughtUpEvents
            if !projectingEachBatch && (events.finished || lag >= catchUpInterval) {
                let start = clock.now
                summary.caughtUpEvents += Int(try ledger.catchUpProjections())
                summary.catchUpSeconds += (clock.now - start).secondsValue
                summary.catchUps += 1
            }
            try afterBatch(appended)
            if batches % 100 == 0 { progress("\(summary.batchedEvents) events appended in batches of \(Self.batchSize)") }
        }
        summary.sessionEvents = events.counts.sessions
        summary.requestEvents = events.counts.requests
        summary.historyEvents = events.counts.history
        summary.routerEvents = events.counts.routers
        summary.bigExchangeSessions = events.counts.bigExchangeSessions
        summary.bigExchangeRequests = events.counts.bigExchangeRequests
        summary.totalEvents = try ledger.headPosition()
        summary.head = try ledger.lastHash() ?? ""
        return summary
    }
}

extension SyntheticPeeringDB {
    /// The ASN the synthetic data set gives net `id`.
    public static func asn(_ id: Int64) -> Int64 { 64_512 + id }
}


/// What a built world holds, for the generator's output and the benchmark.
public struct WorldSummary: Sendable, Equatable {
    public var shape: WorldShape
    public var seed: UInt64
    public var peeringDBEvents = 0
    public var routerEvents = 0
    public var sessionEvents = 0
    public var requestEvents = 0
    public var historyEvents = 0
    public var bigExchangeSessions = 0
    public var bigExchangeRequests = 0
    public var totalEvents: Int64 = 0
    /// The hash of the last event: the same seed and shape give the same head.
    public var head = ""
    /// The events appended in batches (everything after the import and `self`) and their time.
    public var batchedEvents = 0
    public var batchedSeconds = 0.0
    /// The projections' catch-ups after log-first batches: how many, the events they applied, their time.
    public var catchUps = 0
    public var caughtUpEvents = 0
    public var catchUpSeconds = 0.0

    public var description: String {
        let scale =
            shape.events >= WorldShape.realistic.events
            ? "the realistic world (today's PeeringDB scale)"
            : String(format: "scaled down to %.3g of the realistic world (1,000,000 events)", shape.fraction)
        var lines = [
            "World (seed \(seed)), \(scale):",
            "  PeeringDB: \(shape.networks) nets, \(shape.exchanges) exchanges, \(shape.netixlans) netixlan, \(shape.contacts) poc: \(peeringDBEvents) events (one import)",
            "  our network: net \(SyntheticWorld.ownNetID) (AS\(SyntheticPeeringDB.asn(SyntheticWorld.ownNetID))) at \(shape.ownExchanges) exchanges, \(routerEvents) routers",
            "  \(shape.sessions) sessions, \(shape.requests) peering requests (\(requestEvents) request events, no mail)",
            "  exchange \(SyntheticWorld.bigExchange): \(shape.bigExchangeMembers) members, \(bigExchangeSessions) sessions, \(bigExchangeRequests) requests",
            "  history: \(historyEvents) session updates, observed states and peer status changes",
            "  \(totalEvents) events; head \(head.prefix(16))",
        ]
        if batchedSeconds > 0 {
            let how = catchUps > 0 ? "log first" : "each batch projected in its transaction"
            lines.append(String(format: "  %d events appended in batches of %d (%@) in %.2f s (%.0f events/s)", batchedEvents, SyntheticWorld.batchSize, how, batchedSeconds, Double(batchedEvents) / batchedSeconds))
        }
        if catchUps > 0 {
            let total = batchedSeconds + catchUpSeconds
            lines.append(String(format: "  projections caught up %d time%@: %d events in %.2f s (%.0f events/s); batches and catch-ups together %.0f events/s", catchUps, catchUps == 1 ? "" : "s", caughtUpEvents, catchUpSeconds, Double(caughtUpEvents) / max(catchUpSeconds, 1e-9), Double(batchedEvents) / max(total, 1e-9)))
        }
        if totalEvents > shape.events {
            lines.append("  (the world's sessions and requests alone need more than the \(shape.events) events asked for)")
        }
        return lines.joined(separator: "\n")
    }
}
