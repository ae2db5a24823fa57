package import Hummingbird
import HummingbirdTLS
package import Logging
import NIOCore
package import PeerLedger
package import PeerLedgerAPIv1
package import PeerLedgerConsole
import PeerLedgerDomain
package import PeerLedgerRouters

/// Builds the HTTP server over a ledger: the APIv1 endpoint, APIv2 under `/api/v2/`, the console's
/// pages for people at `/` (`PeerLedgerConsole`), a health check and Prometheus metrics
/// (`/metrics`), over HTTPS when `tls` is given. `onRunning` receives the bound port (useful with
/// port 0). `streamHeartbeat` is the event stream's
/// keep-alive interval (15 s; tests shorten it). `metrics` is the registry `/metrics` serves,
/// shared with the services `serve` runs beside the server (a new one when not given). `routers`
/// is how both APIs and the console reach routers to diff and push configurations (vtysh, birdc, ssh when not
/// given; tests pass a router in memory).
package func buildApplication(
    ledger: Ledger, host: String, port: Int, logger: Logger, requests: PeeringRequestSettings = PeeringRequestSettings(),
    tls: ReloadingCertificate? = nil, streamHeartbeat: Duration = .seconds(15), metrics: LedgerMetrics? = nil,
    routers: any RouterConnector = ProcessRouterConnector(), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    buildApplication(
        ledger: ledger, host: host, port: port, logger: logger, requests: requests, tls: tls, streamHeartbeat: streamHeartbeat,
        metrics: metrics, routers: routers, consolePasswordCost: ConsoleAccounts.defaultCost, onRunning: onRunning)
}

/// As above, with bcrypt's cost for passwords chosen in the console (tests lower it).
package func buildApplication(
    ledger: Ledger, host: String, port: Int, logger: Logger, requests: PeeringRequestSettings = PeeringRequestSettings(),
    tls: ReloadingCertificate? = nil, streamHeartbeat: Duration = .seconds(15), metrics: LedgerMetrics? = nil,
    routers: any RouterConnector = ProcessRouterConnector(), consolePasswordCost: UInt8, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: LedgerRequestContext.self)
    let metrics = metrics ?? LedgerMetrics(ledger: ledger)
    router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
    router.get("/health") { _, _ in "ok\n" }
    MetricsRoute.add(to: router, metrics: metrics)
    APIController(api: APIv1(ledger: ledger, logger: logger, routers: routers, requests: requests)).addRoutes(to: router)
    // The spec's routes are fixed at build time; registering them cannot fail at run time
    // unless the generated code and the runtime disagree, which the tests would show.
    do {
        try APIv2Routes.add(
            to: router, ledger: ledger, logger: logger, routers: routers, streamHeartbeat: streamHeartbeat,
            quietPeriodSeconds: requests.quietPeriodSeconds)
    } catch {
        logger.critical("APIv2 could not be registered; it is not served", metadata: ["error": "\(error)"])
    }
    Console(
        ledger: ledger, secureCookies: tls != nil, quietPeriodSeconds: requests.quietPeriodSeconds, passwordCost: consolePasswordCost,
        routers: routers, logger: logger)
        .addRoutes(to: router)
    return Application(
        router: router,
        server: tls.map { .guardedHTTPS(certificate: $0) } ?? .guardedHTTP1,
        configuration: .init(address: .hostname(host, port: port), serverName: "PeerLedger"),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}
