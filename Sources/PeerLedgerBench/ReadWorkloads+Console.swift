import Foundation
import PeerLedger
import PeerLedgerConsole
import PeerLedgerDomain

/// The console's server-side time on the world: the dashboard, the big exchange's page and a
/// session page there, each rendered in process as a viewer sees it (the reads and the HTML),
/// against the target of 50 ms at p50.
extension ReadWorkloads {
    public func consolePages(samples: Int = 30) async throws -> [BenchmarkRow] {
        let console = Console(ledger: ledger, secureCookies: false)
        let exchange = self.exchange
        let session = try await ledger.reading { reader in
            var criteria = SessionCriteria()
            criteria.require(.public_id, equals: .int(exchange))
            return try reader.sessions(matching: criteria, afterID: nil, limit: 1).first?.id
        }
        var pages = [("console dashboard", "/"), ("console page of the big exchange", "/exchanges/\(exchange)")]
        if let session { pages.append(("console session page", "/sessions/\(session)")) }
        var rows: [BenchmarkRow] = []
        for (label, uri) in pages {
            let bytes = try await console.renderedPage(uri).utf8.count
            var times: [Double] = []
            for _ in 0..<samples {
                times.append(try await Stopwatch.seconds { _ = try await console.renderedPage(uri) })
            }
            let p50 = Stopwatch.percentile(times, 0.5) * 1000
            log("\(label) (\(uri)): \(bytes / 1024) KiB of HTML, p50 \(String(format: "%.2f", p50)) ms")
            rows.append(
                BenchmarkRow(
                    workload: "\(label), \(bytes / 1024) KiB, in process (p50)", figure: p50, baseline: nil, unit: "ms",
                    higherIsBetter: false, target: "< 50 ms"))
        }
        return rows
    }
}
