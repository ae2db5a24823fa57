import AsyncHTTPClient
import Foundation
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain

extension LedgerWorkloads {
    /// Durable writes from concurrent clients: addSession over HTTP from 1, 4 and 16 clients at
    /// once (each sends its next call when its last is answered) to a lone `peerledger serve` on
    /// a fresh ledger, against the lone-write row's baseline (one plain insert per durable
    /// commit), measured in the same run in alternating rounds. Concurrent commands share commits
    /// (group commit), so the ledger can pass the baseline, which pays one fsync per row. The
    /// latency row is each call's time at the most clients, as a client sees it. `server`: another
    /// `peerledger` binary to serve with (an earlier build, measured the same way).
    public func concurrentWrites(count: Int, clients: [Int] = [1, 4, 16], server binary: String? = nil) async throws -> [BenchmarkRow] {
        let database = folder.appendingPathComponent("concurrent.sqlite").path
        let (key, secret) = try Ledger.open(at: database).createAPIKey(
            name: "bench-writer", readOnly: false, metadata: EventMetadata(actor: "bench"))
        let server = try LoneServer.start(database: database, binary: binary, log: log)
        defer { server.stop() }
        let plain = try plainDatabase("concurrent-plain.sqlite", eventsPerCommit: 1)
        let payload = try samplePayload()
        let most = clients.max() ?? 1
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: most)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let load = HTTPWriteLoad(client: client, port: server.port, key: key.apiKey, secret: secret)
        var rows: [BenchmarkRow] = []
        do {
            var next = 0, plainNext = 0
            for clientCount in clients {
                // Every client's connection opened before the clock starts.
                _ = try await load.run(clients: clientCount, calls: clientCount, first: next)
                next += clientCount
                // Two rounds each side, alternating, so both see the same machine.
                let perRound = max(clientCount, count / 2)
                var ledgerSeconds = 0.0, plainSeconds = 0.0
                var latencies: [Double] = []
                for _ in 0..<2 {
                    let measured = try await load.run(clients: clientCount, calls: perRound, first: next)
                    next += perRound
                    ledgerSeconds += measured.seconds
                    latencies += measured.latencies
                    plainSeconds += try Stopwatch.seconds {
                        for _ in 0..<perRound {
                            plainNext += 1
                            try plain.write { db in try Self.insertPlain(db, position: plainNext, payload: payload) }
                        }
                    }
                }
                let commands = Double(2 * perRound)
                let (figure, baseline) = (commands / ledgerSeconds, commands / plainSeconds)
                let p99 = Stopwatch.percentile(latencies, 0.99) * 1000
                log(
                    "concurrent writes, \(clientCount) clients: \(Int(figure)) commands/s, plain \(Int(baseline))/s, "
                        + "p50 \(String(format: "%.2f", Stopwatch.percentile(latencies, 0.5) * 1000)) ms, p99 \(String(format: "%.2f", p99)) ms")
                rows.append(
                    BenchmarkRow(
                        workload: "addSession over HTTP, \(clientCount) concurrent client\(clientCount == 1 ? "" : "s") (lone serve\(binary.map { ": " + $0 } ?? ""))",
                        figure: figure, baseline: baseline, unit: "commands/s", higherIsBetter: true,
                        target: clientCount == 16 ? ">= 3.0" : "reported"))
                if clientCount == most {
                    rows.append(
                        BenchmarkRow(
                            workload: "addSession over HTTP, \(clientCount) concurrent clients: p99 latency of a call", figure: p99,
                            baseline: nil, unit: "ms", higherIsBetter: false, target: "reported"))
                }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return rows
    }
}

/// Signed addSession calls over HTTP from several clients at once.
struct HTTPWriteLoad: Sendable {
    let client: HTTPClient
    let port: Int
    let key: String
    let secret: String

    /// `calls` addSession calls (numbered from `first`, each a new session) sent by `clients`
    /// clients, each sending its next call once its last is answered. Returns the wall-clock time
    /// of the whole and each call's time.
    func run(clients: Int, calls: Int, first: Int) async throws -> (seconds: Double, latencies: [Double]) {
        let load = self
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            // Client k sends calls k, k + clients, k + 2 × clients, ...
            for client in 0..<clients {
                group.addTask {
                    var mine: [Double] = []
                    for n in stride(from: client, to: calls, by: clients) {
                        let sent = ContinuousClock.now
                        try await load.send(LedgerWorkloads.addSessionCall(first + n))
                        mine.append((ContinuousClock.now - sent).seconds)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        return ((ContinuousClock.now - start).seconds, latencies)
    }

    /// One signed POST; throws unless the ledger answered success.
    func send(_ call: String) async throws {
        let message = "\(call)&apiKey=\(key)"
        let signed = "\(message)&hash=\(Parameters.encode(RequestSignature.sign(message, secret: secret)))"
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/api.php")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: signed))
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        let answer = try JSON.parse(String(buffer: body))
        guard answer["success"] == .int(1) else { throw BenchmarkFailure("addSession over HTTP: \(String(buffer: body))") }
    }
}
