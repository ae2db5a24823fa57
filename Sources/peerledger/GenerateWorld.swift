import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerFixtures

/// `peerledger generate-world --db FILE --events N --seed S`: a realistic ledger (PeeringDB at
/// today's scale, our network, sessions, requests and their history), the same for the same
/// seed and N, for benchmarks and for trying the server at real scale.
struct GenerateWorld: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-world",
        abstract: "Build a seeded, realistic ledger of N events into a new database file.",
        discussion: """
            At 1,000,000 events it is today's real scale (33,000 nets, 1,300 exchanges, 60,000 netixlan,
            30,000 poc; us at 50 exchanges with 20,000 sessions and 10,000 requests); fewer events scale
            it down in proportion, keeping exchange 1 with 1,000 members and a session with each.
            """)

    @Option(help: "The new ledger's SQLite file (must not exist).") var db: String
    @Option(help: "Events in the log when done (e.g. 10000, 100000, 1000000).") var events = 1_000_000
    @Option(help: "Random seed (the same seed and events give the same log).") var seed: UInt64 = 1
    @Flag(help: "Apply each batch's events to the projections in the batch's transaction, instead of appending log first and catching up every 50,000 events.")
    var projectEachBatch = false

    func validate() throws {
        try require(events, in: 1...100_000_000, option: "--events")
        guard !FileManager.default.fileExists(atPath: db) else { throw ValidationError("\(db) exists; the world is built into a new file") }
    }

    func run() async throws {
        let ledger = try SyntheticWorld.openLedger(at: db)
        let scratch = URL(fileURLWithPath: db).deletingLastPathComponent()
        var world = SyntheticWorld(shape: .scaled(toEvents: events), seed: seed)
        world.projectingEachBatch = projectEachBatch
        let summary = try await world.build(into: ledger, scratch: scratch, progress: { printError($0) })
        print(summary.description)
    }
}
