import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerBench
import PeerLedgerPostgres

/// `peerledger bench`: every workload at the chosen scale on fresh temporary databases, each
/// beside its baseline measured in the same run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the ledger against plain SQLite baselines in the same run.",
        discussion: "Ratios are the figures that count: these machines are shared and noisy.")

    @Option(help: "Events in the log: 10k, 100k or 1m (repeat to see how figures grow).") var scale: [String] = ["10k"]
    @Option(help: "Durable single-command writes to time (each side).") var writes = 1000
    @Flag(help: "JSON instead of a table.") var json = false
    @Option(help: "Measure only the list reads (in process and over HTTP) and the console's pages on this existing world file (from generate-world); it gains a read-only API key.")
    var reads: String?
    @Flag(inversion: .prefixedNo, help: "With --reads, or --store with --rebuild: also measure over HTTP against nginx.") var http = true
    @Option(help: "With --reads: only the calls whose name contains this (e.g. getPeers).") var only: String?
    @Option(help: "With --reads: samples of each in-process call.") var samples = 200
    @Flag(help: "Measure only the durable writes: single commands, and addSession from 1, 4 and 16 concurrent HTTP clients.")
    var writesOnly = false
    @Option(help: "With --writes-only: the concurrent clients' server is this peerledger binary (another build, measured side by side).")
    var server: String?
    @Flag(help: "Build the world with each batch projected in its own transaction, instead of log first with catch-ups.")
    var projectEachBatch = false
    @Option(help: "Measure only the rebuild (a lone `peerledger rebuild` between two baseline scans) on this existing world file; its projections are rebuilt in place.")
    var rebuild: String?
    @OptionGroup var store: PostgresStoreOption

    func validate() throws {
        try require(writes, in: 1...10_000_000, option: "--writes")
        try require(samples, in: 1...10_000_000, option: "--samples")
        if let server {
            guard writesOnly else { throw ValidationError("--server goes with --writes-only") }
            guard FileManager.default.isExecutableFile(atPath: server) else {
                throw ValidationError("--server: no program at \(server)")
            }
        }
    }

    func run() async throws {
        if let reads {
            let ledger = try Self.existingWorld(reads, option: "--reads")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let workloads = ReadWorkloads(ledger: ledger) { printError($0) }
            var rows = try await workloads.run(samples: samples, only: only)
            if only == nil || "console".contains(only ?? "") {
                rows += try await workloads.consolePages(samples: max(1, samples / 10))
            }
            if http { rows += try await HTTPWorkload(ledger: ledger, databasePath: reads, folder: folder) { printError($0) }.run(calls: workloads.calls(only: only), v2: workloads.v2Calls(only: only)) }
            print(json ? BenchmarkTable.json([("reads", rows)]) : BenchmarkTable.render(rows))
            return
        }
        if let url = store.url {
            // The PostgreSQL rows, with SQLite's lone-write row of the same run beside them.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let rows: [BenchmarkRow]
            do {
                if let rebuild {
                    // A node's copy built from PostgreSQL, beside SQLite's lone rebuild of the same world.
                    let world = try Self.existingWorld(rebuild, option: "--rebuild")
                    let events = try world.eventCount()
                    rows = try await PostgresWorkloads(url: url) { printError($0) }.nodeCopy(of: world, folder: folder, http: http, writes: writes)
                        + LedgerWorkloads(events: Int(events), folder: folder) { printError($0) }.loneRebuild(of: world, events: events).rows
                    print(json ? BenchmarkTable.json([("postgres", rows)]) : BenchmarkTable.render(rows))
                    return
                }
                rows = try await PostgresWorkloads(url: url) { printError($0) }.run(count: writes)
                    + [try await LedgerWorkloads(events: 0, folder: folder) { printError($0) }.singleWrites(count: writes)]
            } catch let error as PostgresStoreError {
                printError("Error: \(StoreLocation(url)): \(error)")
                throw ExitCode.failure
            }
            print(json ? BenchmarkTable.json([("postgres", rows)]) : BenchmarkTable.render(rows))
            return
        }
        if let rebuild {
            let ledger = try Self.existingWorld(rebuild, option: "--rebuild")
            let events = try ledger.eventCount()
            let workloads = LedgerWorkloads(events: Int(events), folder: FileManager.default.temporaryDirectory) { printError($0) }
            let rows = try workloads.loneRebuild(of: ledger, events: events).rows
            print(json ? BenchmarkTable.json([("rebuild", rows)]) : BenchmarkTable.render(rows))
            return
        }
        if writesOnly {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let workloads = LedgerWorkloads(events: 0, folder: folder) { printError($0) }
            let rows = [try await workloads.singleWrites(count: writes)] + (try await workloads.concurrentWrites(count: writes, server: server))
                + (try await workloads.streamLatency(count: min(writes, 1000)))
            print(json ? BenchmarkTable.json([("writes", rows)]) : BenchmarkTable.render(rows))
            return
        }
        var runs: [(String, [BenchmarkRow])] = []
        for text in scale {
            guard let events = Self.events(text) else { throw ValidationError("--scale must be 10k, 100k or 1m, got \(text)") }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var run = BenchmarkRun(events: events, writes: writes, folder: folder) { printError($0) }
            run.projectingEachBatch = projectEachBatch
            let rows = try await run.run()
            runs.append((text, rows))
            if !json { print("scale \(text) (\(events) events)\n" + BenchmarkTable.render(rows)) }
        }
        if json { print(BenchmarkTable.json(runs)) } else if runs.count > 1 { print(BenchmarkTable.growth(runs)) }
    }

    /// The ledger of a world file that must exist and hold events (opening a missing path would
    /// create an empty ledger there and measure nothing).
    static func existingWorld(_ path: String, option: String) throws -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("\(option): no ledger at \(path); build one with `peerledger generate-world --db \(path)`")
        }
        let ledger = try Ledger.open(at: path)
        guard try ledger.eventCount() > 0 else { throw ValidationError("\(option): the ledger at \(path) holds no events") }
        return ledger
    }

    static func events(_ text: String) -> Int? {
        switch text.lowercased() {
        case "10k": return 10_000
        case "100k": return 100_000
        case "1m": return 1_000_000
        default: return nil
        }
    }
}
