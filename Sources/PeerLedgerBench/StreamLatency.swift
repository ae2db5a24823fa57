import AsyncHTTPClient
import Foundation
import NIOCore
import PeerLedger
import PeerLedgerDomain
import Synchronization

extension LedgerWorkloads {
    /// How soon a connected client of APIv2's event stream sees a write: a lone `peerledger
    /// serve` on a fresh ledger, one client holding `/api/v2/events/stream` open, and `count`
    /// addSession calls sent one after another over HTTP. For each, the time from sending the
    /// call to its event arriving on the stream, against the time from sending it to its own
    /// answer (the writer's acknowledgement, which a client polling after it could not beat).
    public func streamLatency(count: Int) async throws -> [BenchmarkRow] {
        let database = folder.appendingPathComponent("stream.sqlite").path
        let metadata = EventMetadata(actor: "bench")
        let ledger = try Ledger.open(at: database)
        let (key, secret) = try ledger.createAPIKey(name: "bench-writer", readOnly: false, metadata: metadata)
        let token = try ledger.createAPIKey(name: "bench-stream", scope: .read, metadata: metadata).token
        let after = try ledger.headPosition()
        let server = try LoneServer.start(database: database, log: log)
        defer { server.stop() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let arrivals = StreamArrivals()
        let port = server.port
        let reader = Task { [client, arrivals] in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v2/events/stream?after=\(after)")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await client.execute(request, timeout: .seconds(600))
            guard response.status == .ok else { throw BenchmarkFailure("the event stream answered \(response.status)") }
            var pending = ""
            for try await buffer in response.body {
                pending += String(buffer: buffer)
                while let newline = pending.firstIndex(of: "\n") {
                    let line = pending[..<newline]
                    if line.hasPrefix("id: "), let position = Int64(line.dropFirst(4)) { arrivals.arrived(position) }
                    pending = String(pending[pending.index(after: newline)...])
                }
            }
        }
        let load = HTTPWriteLoad(client: client, port: server.port, key: key.apiKey, secret: secret)
        var delivered: [Double] = [], acknowledged: [Double] = []
        do {
            // The stream's connection is open once a first write's event comes through. Nothing
            // else writes, so the first event past the last one seen is the write's.
            try await load.send(Self.addSessionCall(0))
            var seen = try await arrivals.first(after: after).position
            for n in 1...count {
                let sent = ContinuousClock.now
                try await load.send(Self.addSessionCall(n))
                acknowledged.append((ContinuousClock.now - sent).seconds)
                let (position, arrived) = try await arrivals.first(after: seen)
                seen = position
                delivered.append((arrived - sent).seconds)
            }
        } catch {
            reader.cancel()
            try? await client.shutdown()
            throw error
        }
        reader.cancel()
        try? await client.shutdown()
        let p50 = Stopwatch.percentile(delivered, 0.5) * 1000, p99 = Stopwatch.percentile(delivered, 0.99) * 1000
        let ackP99 = Stopwatch.percentile(acknowledged, 0.99) * 1000
        log("event stream: p50 \(String(format: "%.2f", p50)) ms, p99 \(String(format: "%.2f", p99)) ms from sending a write to its event; the write's own answer p99 \(String(format: "%.2f", ackP99)) ms")
        return [
            BenchmarkRow(
                workload: "APIv2 event stream: a write's event at a connected client, p99 (from sending the write)",
                figure: p99, baseline: ackP99, unit: "ms", higherIsBetter: false, target: "< 50 ms",
                note: "baseline: the write's own answer, p99; p50 \(String(format: "%.2f", p50)) ms"),
        ]
    }
}

/// The events that arrived on the stream, in order, with when each arrived.
final class StreamArrivals: Sendable {
    private let arrivals = Mutex<[(position: Int64, time: ContinuousClock.Instant)]>([])

    func arrived(_ position: Int64) {
        let now = ContinuousClock.now
        arrivals.withLock { $0.append((position, now)) }
    }

    /// The first event past `position` and when it arrived, waiting for it at most 10 s.
    func first(after position: Int64) async throws -> (position: Int64, time: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let found = arrivals.withLock({ $0.first { $0.position > position } }) { return found }
            try await Task.sleep(for: .microseconds(200))
        }
        throw BenchmarkFailure("no event past \(position) reached the stream within 10 s")
    }
}
