import Foundation
import Hummingbird
import Logging
import PeerLedger
import PeerLedgerHTTP

/// getSessions over HTTP under load (wrk, several connections) against nginx serving the same
/// response bytes as a static file on the same loopback, in the same run.
public struct HTTPWorkload {
    let ledger: Ledger
    let folder: URL
    let log: (String) -> Void

    public init(ledger: Ledger, folder: URL, log: @escaping (String) -> Void) {
        self.ledger = ledger
        self.folder = folder
        self.log = log
    }

    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/sbin/", "/usr/local/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public func run(query: String, label: String) async throws -> [BenchmarkRow] {
        guard let wrk = Self.tool("wrk"), let nginx = Self.tool("nginx") else {
            log("HTTP workload skipped: wrk and nginx are not installed (apt-get install wrk nginx)")
            return []
        }
        let (key, secret) = try ledger.createAPIKey(name: "bench-\(UUID().uuidString.prefix(8))", readOnly: true, metadata: EventMetadata(actor: "bench"))
        let message = "\(query)&apiKey=\(key.apiKey)"
        let signed = "\(message)&hash=\(Parameters.encode(RequestSignature.sign(message, secret: secret)))"

        // PeerLedger, in this process, on a free port.
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let port = PortBox()
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: logger) { port.set($0) }
        let server = Task { try await app.run() }
        defer { server.cancel() }
        let ourPort = try await port.wait()
        let url = "http://127.0.0.1:\(ourPort)/api/v1/api.php?\(signed)"

        // The same bytes, from nginx.
        let body = try await fetch(url)
        let root = folder.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("logs"), withIntermediateDirectories: true)
        try body.write(to: root.appendingPathComponent("answer.json"))
        let nginxPort = ourPort + 1
        try """
            worker_processes 1;
            error_log \(root.path)/logs/error.log;
            pid \(root.path)/nginx.pid;
            events { worker_connections 256; }
            http {
              access_log off;
              default_type application/json;
              server {
                listen 127.0.0.1:\(nginxPort);
                location / { root \(root.path); try_files /answer.json =404; }
              }
            }
            """.write(to: root.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        let nginxProcess = Process()
        nginxProcess.executableURL = URL(fileURLWithPath: nginx)
        nginxProcess.arguments = ["-p", root.path, "-c", root.appendingPathComponent("nginx.conf").path, "-g", "daemon off;"]
        nginxProcess.standardError = FileHandle.nullDevice
        try nginxProcess.run()
        defer { nginxProcess.terminate(); nginxProcess.waitUntilExit() }
        try await Task.sleep(for: .milliseconds(300))

        // Alternate three rounds each so both see the same machine.
        var ours: [Double] = [], theirs: [Double] = []
        for _ in 0..<3 {
            ours.append(try wrkRate(wrk, url: url))
            theirs.append(try wrkRate(wrk, url: "http://127.0.0.1:\(nginxPort)/api/v1/api.php"))
        }
        let figure = Stopwatch.percentile(ours, 0.5), baseline = Stopwatch.percentile(theirs, 0.5)
        log("\(label) over HTTP: \(Int(figure)) req/s, nginx \(Int(baseline)) req/s")
        return [
            BenchmarkRow(
                workload: "\(label) over HTTP (wrk, 2 threads, 8 connections)", figure: figure, baseline: baseline,
                unit: "req/s", higherIsBetter: true, target: ">= 0.50 of nginx"),
            BenchmarkRow(
                workload: "process resident memory under HTTP load", figure: Memory.residentMegabytes(), baseline: nil, unit: "MB",
                higherIsBetter: false, target: "< 150 MB"),
        ]
    }

    func fetch(_ url: String) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-f", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else { throw BenchmarkFailure("curl \(url) failed") }
        return data
    }

    /// Runs wrk for 3 seconds and reads its "Requests/sec:" line.
    func wrkRate(_ wrk: String, url: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c8", "-d3s", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let rate = Double(line.split(separator: " ").last ?? "")
        else { throw BenchmarkFailure("wrk printed no rate: \(output)") }
        if output.contains("Non-2xx") { throw BenchmarkFailure("wrk saw errors: \(output)") }
        return rate
    }
}

/// Hands the bound port from the server's start callback to the benchmark.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?

    func set(_ value: Int) { lock.withLock { port = value } }

    func wait() async throws -> Int {
        for _ in 0..<500 {
            if let port = lock.withLock({ port }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchmarkFailure("the server did not start")
    }
}
