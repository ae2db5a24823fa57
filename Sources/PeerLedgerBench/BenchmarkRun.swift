public import Foundation
import PeerLedger
import PeerLedgerDomain

/// One full run of the suite at one scale.
public struct BenchmarkRun {
    let events: Int
    let writes: Int
    let folder: URL
    let log: (String) -> Void
    /// Build the world with each batch projected in its own transaction rather than log first.
    public var projectingEachBatch = false

    public init(events: Int, writes: Int, folder: URL, log: @escaping (String) -> Void) {
        self.events = events
        self.writes = writes
        self.folder = folder
        self.log = log
    }

    public func run() async throws -> [BenchmarkRow] {
        let workloads = LedgerWorkloads(events: events, folder: folder, log: log)
        var rows: [BenchmarkRow] = []
        log("durable single-command writes (\(writes) each side)...")
        rows.append(try await workloads.singleWrites(count: writes))
        log("durable writes from 1, 4 and 16 concurrent HTTP clients (\(writes) each side)...")
        rows += try await workloads.concurrentWrites(count: writes)
        rows += try await workloads.streamLatency(count: min(writes, 1000))
        log("building the world of \(events) events (batched append)...")
        let (append, ledger, world) = try await workloads.batchedAppend(projectingEachBatch: projectingEachBatch)
        log(world.description)
        rows += append
        log("projection rebuild...")
        rows += try workloads.rebuild(ledger)
        let reads = ReadWorkloads(ledger: ledger, log: log)
        log("getSessions, getCommunications and getPeers at the big exchange, in process...")
        rows += try await reads.run()
        log("the console's dashboard, big exchange and session pages, in process...")
        rows += try await reads.consolePages()
        log("audit...")
        rows += try await workloads.audit(ledger)
        log("the same reads over HTTP (a lone server process) against nginx...")
        rows += try await HTTPWorkload(ledger: ledger, databasePath: workloads.worldPath, folder: folder, log: log).run(calls: reads.calls, v2: reads.v2Calls)
        rows.append(
            BenchmarkRow(
                workload: "bench process resident memory after the run", figure: Memory.residentMegabytes(), baseline: nil,
                unit: "MB", higherIsBetter: false, target: "reported"))
        return rows
    }
}

/// Renders rows for people (an aligned table) and for tools (JSON).
public enum BenchmarkTable {
    public static func render(_ rows: [BenchmarkRow]) -> String {
        let header = ["workload", "figure", "baseline", "ratio", "target"]
        let body = rows.map { row in
            [
                row.workload, format(row.figure) + " " + row.unit, row.baseline.map { format($0) + " " + row.unit } ?? "—",
                row.ratio.map { String(format: "%.2f", $0) } ?? "—", row.target,
            ]
        }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + body.map(line)).joined(separator: "\n")
    }

    public static func growth(_ runs: [(String, [BenchmarkRow])]) -> String {
        guard let first = runs.first else { return "" }
        var lines = ["growth of each figure across scales (" + runs.map(\.0).joined(separator: " → ") + ")"]
        for (index, row) in first.1.enumerated() {
            let figures = runs.map { run in index < run.1.count ? format(run.1[index].figure) : "—" }
            lines.append("  \(row.workload): " + figures.joined(separator: " → ") + " \(row.unit)")
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ runs: [(String, [BenchmarkRow])]) -> String {
        JSON.array(runs.map { scale, rows in
            .object([
                ("scale", .string(scale)),
                ("rows", .array(rows.map { row in
                    .object([
                        ("workload", .string(row.workload)), ("figure", .double(row.figure)), ("unit", .string(row.unit)),
                        ("baseline", row.baseline.map(JSON.double) ?? .null), ("ratio", row.ratio.map(JSON.double) ?? .null),
                        ("target", .string(row.target)),
                    ])
                })),
            ])
        }).serialized()
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }
}
