import Foundation
import Hummingbird
import NIOCore
package import PeerLedger
import PeerLedgerAPIv2
import PeerLedgerDomain
import Prometheus
import Synchronization

/// The server's Prometheus metrics (swift-prometheus), one registry per server, served at
/// `GET /metrics` to bearer tokens with the read scope:
///
/// - `peerledger_http_requests_total{route,method,status}` and
///   `peerledger_http_request_duration_seconds{route,method}`: every request, by the route it
///   matched (`/api/v2/sessions/{id}`; `other` for a path the server does not have), timed to the
///   answer's head (`HTTPMetricsMiddleware`);
/// - `peerledger_events_appended_total{type}`: the events appended since the server started, by
///   type, counted from the log at each scrape (the events after the last one counted);
/// - `peerledger_store_write_duration_seconds`: each ledger write, begin to durable commit
///   (`Ledger.commits`' write observers);
/// - `peerledger_router_polls_total{router,outcome}`: each router's polls by outcome
///   (`RouterPolling`'s observer, `recordPoll`);
/// - `peerledger_projection_lag_events`, `peerledger_outbox_depth`,
///   `peerledger_outbox_failed`, `peerledger_webhooks_failing`, `peerledger_webhooks_disabled`:
///   read from the ledger at each scrape.
package final class LedgerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let ledger: Ledger
    /// The routes a request is counted under; any other path is `other`.
    let routes: Set<String>
    /// The position of the last event counted in `peerledger_events_appended_total`.
    private let counted: Mutex<Int64>
    private let writeDurations: DurationHistogram

    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10),
    ]

    package init(ledger: Ledger) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.ledger = ledger
        self.routes = Self.knownRoutes()
        counted = Mutex((try? ledger.headPosition()) ?? 0)
        let writeDurations = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "peerledger", subsystem: "store", metricName: "write", unitName: "duration_seconds",
                helpText: "Ledger writes, from the call to the durable commit"),
            buckets: Self.requestBuckets)
        self.writeDurations = writeDurations
        ledger.commits.observeWrites { duration in writeDurations.record(duration) }
    }

    /// The server's routes: APIv2's paths from its spec, APIv1's one path, the health check
    /// and this endpoint.
    static func knownRoutes() -> Set<String> {
        var routes: Set<String> = ["/api/v1/api.php", "/health", "/metrics"]
        for line in APIv2Spec.yaml.split(separator: "\n") where line.hasPrefix("  /") && line.hasSuffix(":") {
            routes.insert(String(line.dropFirst(2).dropLast()))
        }
        return routes
    }

    /// The route `path` is counted under: its numeric segments as `{id}`, and `other` when that is
    /// not a route the server has (so no client can make labels without bound).
    func route(of path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            !segment.isEmpty && segment.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) ? "{id}" : String(segment)
        }
        let route = segments.joined(separator: "/")
        return routes.contains(route) ? route : "other"
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "peerledger", subsystem: "http", metricName: "requests", unitName: "total",
                helpText: "HTTP requests answered, by route, method and status"),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "peerledger", subsystem: "http", metricName: "request", unitName: "duration_seconds",
                helpText: "Time to the answer's head, by route and method"),
            labels: [("route", route), ("method", method)], buckets: Self.requestBuckets
        ).record(duration)
    }

    /// One router poll's outcome (`ok`, `failed`, `skipped`), as `RouterPolling` reports it.
    package func recordPoll(router: String, outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "peerledger", subsystem: "router", metricName: "polls", unitName: "total",
                helpText: "Router polls, by router and outcome"),
            labels: [("router", router), ("outcome", outcome)]
        ).increment()
    }

    /// Brings the scrape-time metrics up to date and answers the registry's text.
    func scrape() async throws -> [UInt8] {
        try await countAppendedEvents()
        let lag = try await ledger.currentProjectionLag()
        gauge(subsystem: "projection", "lag", "events", "Events appended that the projections have not applied yet", lag)
        let outbox = try await ledger.outboxCounts()
        gauge("outbox", "depth", "Messages in the outbox waiting to be delivered", outbox["pending"] ?? 0)
        gauge("outbox", "failed", "Messages in the outbox whose delivery failed for good", outbox["failed"] ?? 0)
        let webhooks = try await ledger.webhookCounts()
        gauge("webhooks", "failing", "Active webhook subscriptions whose last delivery attempt failed", webhooks["failing"] ?? 0)
        gauge("webhooks", "disabled", "Webhook subscriptions disabled after failing too long", webhooks["disabled"] ?? 0)
        return registry.emitToBuffer()
    }

    /// Sets the gauge `peerledger_[SUBSYSTEM_]NAME_UNIT` to `value`.
    private func gauge(subsystem: String? = nil, _ name: String, _ unit: String, _ help: String, _ value: some BinaryInteger) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "peerledger", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
        ).set(Double(value))
    }

    /// Adds the events appended since the last count to `peerledger_events_appended_total`, a page
    /// at a time. Two scrapes at once count each event once: the position is advanced under the
    /// lock only by the scrape whose page starts where it stands.
    private func countAppendedEvents() async throws {
        while true {
            let start = counted.withLock { $0 }
            let page = try await ledger.eventTypes(after: start, limit: 1000)
            guard let last = page.last else { return }
            let advanced = counted.withLock { position in
                guard position == start else { return false }
                position = last.position
                return true
            }
            guard advanced else { continue }
            var byType: [String: Int64] = [:]
            for event in page { byType[event.type, default: 0] += 1 }
            for (type, count) in byType {
                registry.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "peerledger", subsystem: "events", metricName: "appended", unitName: "total",
                        helpText: "Events appended to the log since the server started, by type"),
                    labels: [("type", type)]
                ).increment(by: count)
            }
        }
    }
}

/// Counts and times every request (`LedgerMetrics.recordRequest`); the first middleware, so it
/// sees every answer, the router's own refusals included.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let metrics: LedgerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = metrics.route(of: request.uri.path)
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            metrics.recordRequest(route: route, method: method, status: Int(response.status.code), duration: ContinuousClock.now - started)
            return response
        } catch let error as HTTPError {
            metrics.recordRequest(route: route, method: method, status: Int(error.status.code), duration: ContinuousClock.now - started)
            throw error
        } catch {
            metrics.recordRequest(route: route, method: method, status: 500, duration: ContinuousClock.now - started)
            throw error
        }
    }
}

/// `GET /metrics`: the registry's text, to a bearer token with the read scope (Prometheus'
/// `bearer_token`); 401 without a live key's token, 403 for a key without the read scope.
enum MetricsRoute {
    static func add(to router: Router<LedgerRequestContext>, metrics: LedgerMetrics) {
        router.get("/metrics") { request, _ -> Response in
            let ledger = metrics.ledger
            guard let header = request.headers[.authorization] else {
                return unauthorized("auth.token-missing", "Authorization: Bearer TOKEN is required")
            }
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                return unauthorized("auth.token-missing", "Authorization must be Bearer TOKEN")
            }
            let token = parts[1].trimmingCharacters(in: .whitespaces)
            guard token.utf8.count <= 100, let key = try await ledger.reading({ reader in try reader.bearerKey(token: token) }) else {
                return unauthorized("auth.token-invalid", "the token is not a live key's")
            }
            guard key.scope.allows(.read) else {
                return APIv2Boundary.problem(
                    status: .forbidden, code: "auth.scope-insufficient", title: "Forbidden",
                    detail: "API key \(key.name) has scope \(key.scope.rawValue); /metrics needs read")
            }
            let text = try await metrics.scrape()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }

    static func unauthorized(_ code: String, _ detail: String) -> Response {
        var response = APIv2Boundary.problem(status: .unauthorized, code: code, title: "Unauthorized", detail: detail)
        response.headers[.wwwAuthenticate] = #"Bearer realm="peerledger""#
        return response
    }
}
