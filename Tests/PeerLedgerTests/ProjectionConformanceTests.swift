import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// One backend of the projections, as the conformance suite runs it.
struct ProjectionBackend: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () throws -> TestLedger
    /// Called after every command: a backend with snapshots takes the ones that are due, so
    /// `as_of` reads start from them.
    let afterCommand: @Sendable (TestLedger) throws -> Void

    var testDescription: String { name }

    static let all: [ProjectionBackend] = [
        ProjectionBackend(name: "SQLite in memory", make: { try TestLedger() }, afterCommand: { _ in }),
        ProjectionBackend(
            name: "SQLite file, snapshots every 25 events",
            make: { try TestLedger(path: temporaryDatabasePath(), snapshotInterval: 25) },
            afterCommand: { t in _ = try t.ledger.takeSnapshotIfDue() }),
    ]
}

/// The projection conformance suite: a seeded random sequence of commands, applied event by
/// event, gives the projections a rebuild gives, and a read `as_of` any moment answers what a
/// ledger that saw only the commands up to that moment answers.
@Suite("Projection conformance")
struct ProjectionConformanceTests {
    /// The run's seed, printed; `PEERLEDGER_TEST_SEED` sets another.
    static func seed() throws -> UInt64 { try TestSeed.value("ProjectionConformanceTests", fixed: 20_261_127) }

    /// A command and the moment it is made.
    struct TimedCall {
        var at: Timestamp
        var call: String
    }

    /// 400 commands on 30 sessions at three exchanges, a minute apart: adds, updates (notes,
    /// prefix limits, passwords) and deletes, many of them refused (duplicates, unknown ids).
    static func commands(seed: UInt64) -> [TimedCall] {
        var random = SplitMix64(seed: seed)
        let start = Timestamp(millis: 1_763_629_200_000)  // 2025-11-20 09:00:00 UTC
        return (0..<400).map { index in
            let id = Int.random(in: 1...30, using: &random)
            let address = "206.126.236.\(Int.random(in: 1...40, using: &random))"
            let call: String
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                call = "action=addSession&public_id=\(Int.random(in: 1...3, using: &random))&peer_asn=\(Int.random(in: 1...65000, using: &random))&peer_ipaddr=\(address)&peer_participant_id=\(Int.random(in: 1...9, using: &random))&peer_name=Net+\(id)&resource_id=\(Int.random(in: 420...422, using: &random))&password=pw\(id)"
            case 4..<8:
                call = "action=updateSession&id=\(id)&note=n\(Int.random(in: 0...5, using: &random))&prfx_max=\(Int.random(in: 0...500, using: &random))&password=p\(Int.random(in: 0...3, using: &random))"
            default:
                call = "action=deleteSession&id=\(id)"
            }
            return TimedCall(at: Timestamp(millis: start.millis + Int64(index) * 60_000), call: call)
        }
    }

    /// Runs `calls` in order on `t`, each at its moment; how many succeeded.
    @discardableResult
    static func run(_ calls: some Sequence<TimedCall>, on t: TestLedger, after: (TestLedger) throws -> Void = { _ in }) async throws -> Int {
        var succeeded = 0
        for timed in calls {
            t.clock.set(timed.at)
            if try await t.call(timed.call).succeeded { succeeded += 1 }
            try after(t)
        }
        return succeeded
    }

    @Test("incremental projections equal rebuilt ones after a seeded random sequence of commands", arguments: ProjectionBackend.all)
    func incrementalEqualsRebuilt(_ backend: ProjectionBackend) async throws {
        let seed = try Self.seed()
        let t = try backend.make()
        let succeeded = try await Self.run(Self.commands(seed: seed), on: t, after: backend.afterCommand)
        #expect(succeeded > 100, "only \(succeeded) of 400 commands succeeded with seed \(seed)")
        let incremental = try t.ledger.projectionChecksum()
        let report = try t.ledger.rebuild()
        #expect(report.matches, "seed \(seed)")
        #expect(report.checksumAfter == incremental, "seed \(seed)")
        #expect(report.events == (try t.eventCount()))
    }

    @Test("a read as_of a moment answers what a ledger that saw only the commands up to then answers", arguments: ProjectionBackend.all)
    func asOfEqualsAReplay(_ backend: ProjectionBackend) async throws {
        let seed = try Self.seed()
        let calls = Self.commands(seed: seed)
        let t = try backend.make()
        try await Self.run(calls, on: t, after: backend.afterCommand)
        if let snapshots = t.ledger.snapshots {
            // The file backend's as_of reads start from snapshots: there must be some.
            #expect(snapshots.positions().count >= 3, "snapshots at \(snapshots.positions())")
        }
        var random = SplitMix64(seed: seed ^ 0xA5)
        // Moments between commands: half a minute after command k, before command k + 1.
        let cuts = (0..<6).map { _ in Int.random(in: 0..<calls.count, using: &random) }.sorted()
        var sessionsCompared = 0
        for cut in cuts {
            let moment = Timestamp(millis: calls[cut].at.millis + 30_000)
            let fresh = try TestLedger()
            try await Self.run(calls[...cut], on: fresh)
            for exchange in 1...3 {
                for extra in ["", "&deleted=1"] {
                    let query = "action=getSessions&public_id=\(exchange)\(extra)"
                    let past = try await t.call("\(query)&as_of=\(moment.iso8601)")
                    let replayed = try await fresh.call(query)
                    #expect(past == replayed, "seed \(seed), as of command \(cut), \(query)")
                    sessionsCompared += past.data?.arrayValue?.count ?? 0
                }
            }
            let history = "target=audit&action=getHistory&session=\(Int.random(in: 1...30, using: &random))"
            #expect(try await t.call("\(history)&as_of=\(moment.iso8601)") == (try await fresh.call(history)), "seed \(seed), as of command \(cut)")
        }
        // The answers compared held sessions, not only "No peers found.".
        #expect(sessionsCompared > 20, "only \(sessionsCompared) sessions compared with seed \(seed)")
    }
}
