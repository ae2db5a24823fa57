import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
@testable import PeerLedgerPostgres

/// Every scenario in Replays/ must hold.
@Suite("Replays")
struct ReplayTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Replays")

    static var scenarios: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test("Replays/ holds the seed's session scenario and the conflict scenario")
    func scenariosPresent() {
        #expect(Self.scenarios.contains("seed-sessions.json"))
        #expect(Self.scenarios.contains("conflict-and-refusals.json"))
    }

    @Test("each replay gives exactly its recorded answers", arguments: scenarios)
    func replay(_ file: String) async throws {
        let scenario = try ReplayScenario.load(contentsOf: Self.folder.appendingPathComponent(file))
        let mismatches = try await scenario.run()
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test(
        "each replay gives exactly its recorded answers through a ledger following PostgreSQL, whose log is the copy's, byte for byte",
        .enabled(if: postgresAvailable, postgresNeeded), arguments: scenarios)
    func replayOnPostgres(_ file: String) async throws {
        let scenario = try ReplayScenario.load(contentsOf: Self.folder.appendingPathComponent(file))
        let mismatches = try await withPostgresStore { store, _ in try await scenario.run(following: store) }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    @Test("a replay whose recorded answer differs reports the step with both answers")
    func mismatchIsReported() async throws {
        let json = try JSON.parse(#"""
            {"start": "2026-11-20 09:00:00", "steps": [
              {"call": "target=peering&action=getSessions&public_id=1", "answer": {"success": 1, "message": "1 sessions found."}}
            ]}
            """#)
        let mismatches = try await ReplayScenario(name: "t", json: json).run()
        #expect(mismatches.count == 1)
        #expect(mismatches.first?.contains("step 1: target=peering&action=getSessions&public_id=1") == true)
        #expect(mismatches.first?.contains(#""No peers found.""#) == true)
    }
}
