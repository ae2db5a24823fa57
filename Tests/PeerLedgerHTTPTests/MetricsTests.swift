import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerHTTP
import PeerLedgerTestSupport
import Testing

/// `GET /metrics`: Prometheus text on the API's port, to bearer tokens with the read scope.
@Suite("Prometheus metrics")
struct MetricsTests {
    let ledger: Ledger
    let writer: IssuedAPIKey
    let reader: IssuedAPIKey

    init() throws {
        (ledger, writer, reader) = try APIv2Tests.ledgerWithKeys(readerName: "prometheus")
    }

    @Test("after 3 reads and 2 creates, /metrics parses as Prometheus text and counts exactly those requests, events and writes")
    func countsTheCallsMade() async throws {
        try await withLiveServer(ledger) { client in
            let before = try await scrape(client)
            let list = ["route": "/api/v2/sessions", "method": "GET", "status": "200"]
            let create = ["route": "/api/v2/sessions", "method": "POST", "status": "201"]
            for _ in 0..<3 {
                #expect(try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader)).status == .ok)
            }
            for index in 1...2 {
                let response = try await client.execute(
                    uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                    body: ByteBuffer(string: APIv2Tests.session(peer: "10.6.0.\(index)")))
                #expect(response.status == .created)
            }
            let one = try await client.execute(uri: "/api/v2/sessions/1", method: .get, headers: bearer(reader))
            #expect(one.status == .ok)
            _ = try await client.execute(uri: "/no/such/path/\(UUID().uuidString)", method: .get)

            let after = try await scrape(client)
            #expect(after.value("peerledger_http_requests_total", list) - before.value("peerledger_http_requests_total", list) == 3)
            #expect(after.value("peerledger_http_requests_total", create) - before.value("peerledger_http_requests_total", create) == 2)
            #expect(after.value("peerledger_http_requests_total", ["route": "/api/v2/sessions/{id}", "method": "GET", "status": "200"]) == 1)
            #expect(after.value("peerledger_http_requests_total", ["route": "other", "method": "GET", "status": "404"]) == 1)
            // The first scrape is counted by the second, not by itself.
            #expect(after.value("peerledger_http_requests_total", ["route": "/metrics", "method": "GET", "status": "200"]) == 1)
            let timed = ["route": "/api/v2/sessions", "method": "GET"]
            #expect(
                after.value("peerledger_http_request_duration_seconds_count", timed)
                    - before.value("peerledger_http_request_duration_seconds_count", timed) == 3)
            #expect(after.value("peerledger_http_request_duration_seconds_bucket", timed.merging(["le": "+Inf"]) { $1 }) >= 3)

            // The events the two creates appended, by type, as the log has them.
            let appended = try await ledger.events(after: 0, limit: 1000).filter { $0.metadata.contains("automation") }
            #expect(!appended.isEmpty)
            for type in Set(appended.map(\.type)) {
                let count = Double(appended.filter { $0.type == type }.count)
                #expect(after.value("peerledger_events_appended_total", ["type": type]) == count, "type \(type)")
            }
            // The keys created before the server started are not counted.
            let counted = Set(after.samples.filter { $0.name == "peerledger_events_appended_total" }.compactMap { $0.labels["type"] })
            #expect(counted == Set(appended.map(\.type)))
            #expect(after.value("peerledger_store_write_duration_seconds_count", [:]) >= 2)
            #expect(after.samples.contains { $0.name == "peerledger_projection_lag_events" && $0.value == 0 })
            #expect(after.samples.contains { $0.name == "peerledger_outbox_depth" && $0.value == 0 })
            #expect(after.samples.contains { $0.name == "peerledger_outbox_failed" && $0.value == 0 })
        }
    }

    @Test("router polls are counted by router and outcome in the registry the server shares with the poller")
    func routerPollsCounted() async throws {
        let metrics = LedgerMetrics(ledger: ledger)
        let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), metrics: metrics)
        try await app.test(.live) { client in
            metrics.recordPoll(router: "ar1", outcome: "ok")
            metrics.recordPoll(router: "ar1", outcome: "ok")
            metrics.recordPoll(router: "ar1", outcome: "failed")
            let scraped = try await scrape(client)
            #expect(scraped.value("peerledger_router_polls_total", ["router": "ar1", "outcome": "ok"]) == 2)
            #expect(scraped.value("peerledger_router_polls_total", ["router": "ar1", "outcome": "failed"]) == 1)
        }
    }

    @Test("/metrics without a token or with a wrong one is a 401 problem, and shows nothing")
    func needsAToken() async throws {
        try await withLiveServer(ledger) { client in
            let none = try await client.execute(uri: "/metrics", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try none.json()["code"] == .string("auth.token-missing"))
            let wrong = try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer plt_" + String(repeating: "0", count: 64)])
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.json()["code"] == .string("auth.token-invalid"))
            #expect(!String(buffer: wrong.body).contains("peerledger_"))
        }
    }

    // MARK: Helpers

    /// One scrape, every line checked against the text format.
    func scrape(_ client: any TestClientProtocol) async throws -> Exposition {
        let response = try await client.execute(uri: "/metrics", method: .get, headers: bearer(reader))
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        return try Exposition(parsing: String(buffer: response.body))
    }
}

/// Prometheus' text exposition format, read strictly enough to fail on a line it does not allow.
struct Exposition {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []

    init(parsing text: String) throws {
        let sampleLine = #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/#
        let label = #/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/#
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw TestFailure("a bad TYPE line: \(line)")
                }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("# HELP ") { continue }
            guard let match = try sampleLine.wholeMatch(in: String(line)) else { throw TestFailure("not a sample line: \(line)") }
            var labels: [String: String] = [:]
            if let text = match.2 {
                var rest = Substring(text)
                while !rest.isEmpty {
                    guard let found = try label.prefixMatch(in: rest) else { throw TestFailure("bad labels in: \(line)") }
                    labels[String(found.1)] = String(found.2)
                    rest = rest[found.range.upperBound...]
                }
            }
            guard let value = Double(match.3) ?? (match.3 == "+Inf" ? .infinity : nil) else {
                throw TestFailure("not a number in: \(line)")
            }
            let name = String(match.1)
            let family = ["_bucket", "_count", "_sum"].reduce(name) { $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 }
            guard types[name] != nil || types[family] != nil else { throw TestFailure("a sample without a TYPE: \(line)") }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    /// The value of the sample `name` with exactly `labels`; 0 when there is none (a counter not
    /// yet incremented).
    func value(_ name: String, _ labels: [String: String]) -> Double {
        samples.first { $0.name == name && $0.labels == labels }?.value ?? 0
    }
}
