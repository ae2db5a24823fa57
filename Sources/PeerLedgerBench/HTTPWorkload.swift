public import Foundation
public import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain

/// The list reads over HTTP under load (wrk, several connections) against nginx serving the same
/// response bytes as static files on the same loopback, in the same run. The server is a lone
/// `peerledger serve` process (this same binary) on the world's database file, so its resident
/// memory (idle after start-up, and its peak under the load) is the server's alone.
public struct HTTPWorkload {
    let ledger: Ledger
    let databasePath: String
    let folder: URL
    let log: (String) -> Void
    /// More of `serve`'s options for the server (`--store URL`: a node following PostgreSQL).
    var serverArguments: [String] = []
    /// What each row's workload starts with (the store the server runs on, when not SQLite alone).
    var prefix = ""

    public init(ledger: Ledger, databasePath: String, folder: URL, log: @escaping (String) -> Void) {
        self.ledger = ledger
        self.databasePath = databasePath
        self.folder = folder
        self.log = log
    }

    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/sbin/", "/usr/local/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `calls` are APIv1 queries, signed with a read-only key; `v2` are APIv2 paths (with their
    /// query), sent with a read-scope bearer token.
    public func run(calls: [(label: String, query: String)], v2: [(label: String, path: String)] = []) async throws -> [BenchmarkRow] {
        guard let wrk = Self.tool("wrk"), let nginx = Self.tool("nginx") else {
            log("HTTP workload skipped: wrk and nginx are not installed (apt-get install wrk nginx)")
            return []
        }
        let (key, secret) = try ledger.createAPIKey(name: "bench-\(UUID().uuidString.prefix(8))", readOnly: true, metadata: EventMetadata(actor: "bench"))

        // PeerLedger: a lone server process on the world's file, in the state a server keeps it:
        // with a snapshot at every boundary, so its start-up has none to backfill and what is
        // measured is the server serving (a backfill's own cost is the rebuild rows').
        let backfilled = try ledger.backfillSnapshots()
        if !backfilled.isEmpty { log("\(backfilled.count) snapshots backfilled before the server starts") }
        let server = try LoneServer.start(database: databasePath, arguments: serverArguments, log: log)
        defer { server.stop() }
        try await Task.sleep(for: .seconds(1))
        let idle = server.memory()
        log("lone server (pid \(server.process.processIdentifier)): \(String(format: "%.1f", idle.resident)) MB resident after start-up")

        // The same bytes, from nginx: one file per call.
        let root = folder.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("logs"), withIntermediateDirectories: true)
        var urls: [(label: String, ours: String, theirs: String, header: String?)] = []
        let nginxPort = server.port + 1
        for (index, call) in calls.enumerated() {
            let message = "\(call.query)&apiKey=\(key.apiKey)"
            let signed = "\(message)&hash=\(Parameters.encode(RequestSignature.sign(message, secret: secret)))"
            let url = "http://127.0.0.1:\(server.port)/api/v1/api.php?\(signed)"
            try await fetch(url).write(to: root.appendingPathComponent("answer-\(index).json"))
            urls.append((call.label, url, "http://127.0.0.1:\(nginxPort)/answer-\(index).json", nil))
        }
        if !v2.isEmpty {
            let token = try ledger.createAPIKey(
                name: "bench-v2-\(UUID().uuidString.prefix(8))", scope: .read, metadata: EventMetadata(actor: "bench")
            ).token
            let header = "Authorization: Bearer \(token)"
            for (index, call) in v2.enumerated() {
                let url = "http://127.0.0.1:\(server.port)\(call.path)"
                let file = "v2-answer-\(index).json"
                try await fetch(url, header: header).write(to: root.appendingPathComponent(file))
                urls.append((call.label, url, "http://127.0.0.1:\(nginxPort)/\(file)", header))
            }
        }
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
                location / { root \(root.path); }
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

        var rows: [BenchmarkRow] = []
        for url in urls {
            // Alternate three rounds each so both see the same machine; nginx gets the same
            // request headers and ignores them.
            var ours: [Double] = [], theirs: [Double] = []
            for _ in 0..<3 {
                ours.append(try wrkRate(wrk, url: url.ours, header: url.header))
                theirs.append(try wrkRate(wrk, url: url.theirs, header: url.header))
            }
            let figure = Stopwatch.percentile(ours, 0.5), baseline = Stopwatch.percentile(theirs, 0.5)
            if figure == 0 { log("the server answered nothing under load; it printed: \(server.output)") }
            log("\(url.label) over HTTP: \(Int(figure)) req/s, nginx \(Int(baseline)) req/s")
            rows.append(
                BenchmarkRow(
                    workload: "\(prefix)\(url.label) over HTTP (wrk, 2 threads, 8 connections)", figure: figure, baseline: baseline,
                    unit: "req/s", higherIsBetter: true, target: ">= 0.50 of nginx"))
        }
        let loaded = server.memory()
        log("lone server: \(String(format: "%.1f", loaded.resident)) MB resident after the load, peak \(String(format: "%.1f", loaded.peak)) MB")
        let events = try ledger.headPosition()
        rows += [
            BenchmarkRow(
                workload: "\(prefix)lone server, \(events) events: resident memory idle after start-up (VmRSS)", figure: idle.resident,
                baseline: nil, unit: "MB", higherIsBetter: false, target: "< 150 MB"),
            BenchmarkRow(
                workload: "\(prefix)lone server: peak resident memory under the HTTP load (VmHWM)", figure: loaded.peak, baseline: nil,
                unit: "MB", higherIsBetter: false, target: "< 150 MB"),
        ]
        return rows
    }

    func fetch(_ url: String, header: String? = nil) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-f", url] + (header.map { ["-H", $0] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else { throw BenchmarkFailure("curl \(url) failed") }
        return data
    }

    /// Runs wrk for 3 seconds and reads its "Requests/sec:" line.
    func wrkRate(_ wrk: String, url: String, header: String? = nil) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c8", "-d3s"] + (header.map { ["-H", $0] } ?? []) + [url]
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

