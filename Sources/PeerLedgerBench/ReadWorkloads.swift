import Foundation
public import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
public import PeerLedgerFixtures

/// The list reads at the world's big exchange (1,000 members), in process: each call's p50 and
/// p99, served as a repeated call is (from the read-answer cache) and as a call after a write is
/// (the answer cache emptied before each call: the projections are read and the answer built),
/// against serializing the same answer from the JSON value
/// already in memory with the same JSON writer.
public struct ReadWorkloads {
    let ledger: Ledger
    let exchange: Int64
    let log: (String) -> Void

    public init(ledger: Ledger, exchange: Int64 = SyntheticWorld.bigExchange, log: @escaping (String) -> Void) {
        self.ledger = ledger
        self.exchange = exchange
        self.log = log
    }

    /// The calls measured, in process and over HTTP: (label, query).
    public var calls: [(label: String, query: String)] {
        [
            ("getSessions at the big exchange", "target=peering&action=getSessions&public_id=\(exchange)"),
            ("getCommunications at the big exchange", "target=peering&action=getCommunications&public_id=\(exchange)"),
            ("getPeers at the big exchange", "target=peering&action=getPeers&public_id=\(exchange)"),
        ]
    }

    /// The APIv2 reads measured over HTTP: (label, path with its query).
    public var v2Calls: [(label: String, path: String)] {
        [("APIv2 sessions at the big exchange (one page of 1000)", "/api/v2/sessions?public_id=\(exchange)&limit=1000")]
    }

    /// The APIv2 reads whose label contains `only` (all of them without it).
    public func v2Calls(only: String?) -> [(label: String, path: String)] {
        guard let only else { return v2Calls }
        return v2Calls.filter { $0.label.contains(only) }
    }

    /// The calls whose label contains `only` (all of them without it).
    public func calls(only: String?) -> [(label: String, query: String)] {
        guard let only else { return calls }
        return calls.filter { $0.label.contains(only) }
    }

    public func run(samples: Int = 200, only: String? = nil) async throws -> [BenchmarkRow] {
        var rows: [BenchmarkRow] = []
        for (label, query) in calls(only: only) {
            rows += try await measure(label: label, query: query, samples: samples)
        }
        return rows
    }

    func measure(label: String, query: String, samples count: Int) async throws -> [BenchmarkRow] {
        let api = APIv1(ledger: ledger)
        let call = try Parameters(formEncoded: query)
        let prepared = await api.handle(APIRequest(parameters: call, actor: "bench"))
        guard prepared.succeeded, let records = prepared.body["data"]?.arrayValue?.count else {
            throw BenchmarkFailure("\(query): \(prepared.message)")
        }
        let bytes = prepared.text.utf8.count
        // The baseline serializes this value, taken once here: an answer written as text
        // (getPeers) gives its value by parsing, which must not be timed as part of the baseline.
        let value = prepared.body
        var cached: [Double] = [], cold: [Double] = [], baseline: [Double] = []
        for _ in 0..<count {
            cached.append(await Stopwatch.seconds {
                let answer = await api.handle(APIRequest(parameters: call, actor: "bench"))
                _ = answer.text
            })
            api.readCache.removeAll()
            cold.append(await Stopwatch.seconds {
                let answer = await api.handle(APIRequest(parameters: call, actor: "bench"))
                _ = answer.text
            })
            baseline.append(Stopwatch.seconds { _ = value.serialized() })
        }
        // Context for the rows: a call after a PeeringDB change also reads the exchange's roster
        // again (kept between reads otherwise, like the parsed nets: `ExchangeRoster`).
        var rosterRead: [Double] = []
        for _ in 0..<max(count / 10, 1) {
            api.readCache.removeAll()
            ExchangeRoster.shared.removeAll()
            rosterRead.append(await Stopwatch.seconds { _ = await api.handle(APIRequest(parameters: call, actor: "bench")).text })
        }
        let p50 = Stopwatch.percentile(baseline, 0.5) * 1000, p99 = Stopwatch.percentile(baseline, 0.99) * 1000
        log(
            "\(label): \(records) records, \(bytes) bytes; answer not cached p50 \(String(format: "%.2f", Stopwatch.percentile(cold, 0.5) * 1000)) ms"
                + " (after a PeeringDB change, roster read again: \(String(format: "%.2f", Stopwatch.percentile(rosterRead, 0.5) * 1000)) ms),"
                + " baseline \(String(format: "%.2f", p50)) ms")
        let what = "\(label), \(records) records, \(bytes / 1024) KiB"
        // getCommunications and getPeers have an in-process target; getSessions built in process
        // is shown for context (its target is over HTTP).
        let builtTarget = label.contains("getSessions") ? "reported" : "within 2x (>= 0.50)"
        return [
            BenchmarkRow(
                workload: "\(what), in process, answer not cached (p50)", figure: Stopwatch.percentile(cold, 0.5) * 1000, baseline: p50,
                unit: "ms", higherIsBetter: false, target: builtTarget),
            BenchmarkRow(
                workload: "\(what), in process, answer not cached (p99)", figure: Stopwatch.percentile(cold, 0.99) * 1000, baseline: p99,
                unit: "ms", higherIsBetter: false, target: "reported"),
            BenchmarkRow(
                workload: "\(what), in process, repeated call (p50)", figure: Stopwatch.percentile(cached, 0.5) * 1000, baseline: p50,
                unit: "ms", higherIsBetter: false, target: "within 2x (>= 0.50)"),
            BenchmarkRow(
                workload: "\(what), in process, repeated call (p99)", figure: Stopwatch.percentile(cached, 0.99) * 1000, baseline: p99,
                unit: "ms", higherIsBetter: false, target: "reported"),
        ]
    }
}
