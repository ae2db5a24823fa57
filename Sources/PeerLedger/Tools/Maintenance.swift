import Foundation
import GRDB
import PeerLedgerDomain

/// What a rebuild did, and whether the projections came out as they were.
public struct RebuildReport: Sendable, Equatable {
    public var events: Int64
    public var seconds: Double
    public var checksumBefore: String
    public var checksumAfter: String
    /// Where `seconds` went, in order: emptying, the replay, the held writes, the history, the
    /// indexes, the commit.
    public var phases: [RebuildPhase]

    public var matches: Bool { checksumBefore == checksumAfter }
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : Double(events) }
}

/// One phase of a rebuild and how long it took.
public struct RebuildPhase: Sendable, Equatable {
    public var name: String
    public var seconds: Double
}

/// Times consecutive phases: each `end` closes the phase that began at the previous `end` or
/// `restart`. Used by one rebuild on one thread (the writer's), hence unchecked.
final class PhaseClock: @unchecked Sendable {
    private(set) var phases: [RebuildPhase] = []
    private var start = ContinuousClock.now

    /// Starts the next phase now, leaving the time since the last out of every phase.
    func restart() { start = .now }

    func end(_ name: String) {
        let now = ContinuousClock.now
        phases.append(RebuildPhase(name: name, seconds: (now - start).secondsValue))
        start = now
    }

    /// The phases' time together.
    var total: Double { phases.reduce(0) { $0 + $1.seconds } }
}

/// What replaying a ledger's log into fresh projections found (`Ledger.replayCheck`).
public struct ReplayCheck: Sendable, Equatable {
    /// The events replayed: the log up to where the ledger's projections stand.
    public var events: Int64
    /// SHA-256 over the ledger's own projection rows.
    public var stored: String
    /// SHA-256 over the rows the replay produced.
    public var replayed: String

    public var matches: Bool { stored == replayed }
}

extension Ledger {
    /// Replays the log, up to the position the projections stand at, into fresh projections in
    /// memory and compares them with the ledger's own. Unlike `rebuild` it writes nothing, so it
    /// runs on a read-only ledger (`peerledger replay --db`).
    public func replayCheck() async throws -> ReplayCheck {
        let (position, stored) = try await database.readReleasingFirst { db in (try Projector.projectedPosition(db), try Projector.checksum(db)) }
        let replayed = try await PointInTime.replayed(of: self, through: position).projectionChecksum()
        return ReplayCheck(events: position, stored: stored, replayed: replayed)
    }

    /// Walks the hash chain and checks the append-only triggers.
    public func verify() throws -> VerifyReport {
        try database.read { db in try Verifier.verify(db) }
    }

    /// SHA-256 over every projection row.
    public func projectionChecksum() throws -> String {
        try database.read { db in try Projector.checksum(db) }
    }

    /// Empties every projection and replays the whole log into it, in one transaction, and
    /// compares the result with what was there.
    ///
    /// `seconds` is the replay and its commit: the work of a rebuild until it is durable, without
    /// the two checksums that compare the result with what was there.
    public func rebuild() throws -> RebuildReport {
        let phases = PhaseClock()
        var report = try database.write { db in
            let before = try Projector.checksum(db)
            phases.restart()
            let events = try Projector.rebuild(db, prefetchFrom: database as? DatabasePool, timing: phases)
            let after = try Projector.checksum(db)
            // The checksums compare the result; they are not the rebuild's work.
            phases.restart()
            return RebuildReport(events: events, seconds: 0, checksumBefore: before, checksumAfter: after, phases: [])
        }
        phases.end("commit")
        report.phases = phases.phases
        report.seconds = phases.total
        return report
    }

    /// Writes the log as JSON lines, one event a line, in order (`ExportLine`: payloads as
    /// stored, so `peerledger restore` can check every hash). Events hold no secrets, so neither
    /// does the export.
    public func export(_ write: (String) throws -> Void) throws {
        try database.read { db in
            try SQLiteLog.forEach(db) { event in try write(ExportLine.render(event)) }
        }
    }
}
