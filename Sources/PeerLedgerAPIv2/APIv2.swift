import Foundation
package import Logging
package import OpenAPIRuntime
package import PeerLedger
import PeerLedgerDomain
package import PeerLedgerRouters

/// APIv2 on the ledger: the handlers of the operations `openapi.yaml` declares (the protocol and
/// the request and response types are generated from the spec at build time). Reads go through
/// the core's typed queries, writes through its commands; every refusal becomes a problem with
/// its code (`Problem`, `RequestGate`). Transport-agnostic: the HTTP server registers it on its
/// router with `register(on:)`.
package struct APIv2: APIProtocol {
    package let ledger: Ledger
    let logger: Logger
    /// How long an event stream may stay silent before a keep-alive comment.
    let heartbeat: Duration
    /// A second peering request to one network within this many seconds is refused unless forced.
    let quietPeriodSeconds: Int64
    /// How the configuration resources reach routers (diff and push).
    let routers: any RouterConnector

    /// Items per page when `limit` is not given, and the most a page may hold.
    static let defaultLimit = 100
    static let maxLimit = 1000

    package init(
        ledger: Ledger, logger: Logger = Logger(label: "peerledger.api.v2"), routers: any RouterConnector = ProcessRouterConnector(),
        heartbeat: Duration = .seconds(15), quietPeriodSeconds: Int64 = 30 * 86_400
    ) {
        self.ledger = ledger
        self.routers = routers
        self.logger = logger
        self.heartbeat = heartbeat
        self.quietPeriodSeconds = quietPeriodSeconds
    }

    /// Registers every operation on `transport`, behind the gate (ids, bearer tokens and scopes,
    /// problems, the request log). Times are written as RFC 3339 with milliseconds; JSON compact,
    /// keys sorted, slashes unescaped (the `next` links).
    package func register(on transport: any ServerTransport) throws {
        try registerHandlers(
            on: transport, serverURL: Servers.Server1.url(),
            configuration: Configuration(
                dateTranscoder: .iso8601WithFractionalSeconds, jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
            middlewares: [RequestGate(ledger: ledger, logger: logger)])
    }

    /// The caller the gate let through (every operation but `getSpec` has one).
    func caller() throws -> Caller {
        guard let caller = Caller.current else {
            throw Problem.unauthorized(code: "auth.token-missing", "Authorization: Bearer TOKEN is required")
        }
        return caller
    }

    /// The ledger as it is, or as it was at `asOf` when given (a day, a time, RFC 3339 or Unix
    /// seconds, read as APIv1 reads `as_of`); `withLog` keeps the past ledger's log too.
    func ledger(asOf: String?, withLog: Bool = false) async throws -> Ledger {
        guard let asOf, !asOf.isEmpty else { return ledger }
        return try await PointInTime.ledger(of: ledger, asOf: try Parse.time(asOf, name: "as_of"), withLog: withLog)
    }

    /// Runs `body` on the ledger as it is, or as it was at `asOf` when given.
    func reading<T: Sendable>(asOf: String?, withLog: Bool = false, _ body: @escaping @Sendable (LedgerReader) throws -> T) async throws -> T {
        try await ledger(asOf: asOf, withLog: withLog).reading(body)
    }

    // MARK: The spec

    package func getSpec(_ input: Operations.GetSpec.Input) async throws -> Operations.GetSpec.Output {
        .ok(.init(body: .yaml(HTTPBody(APIv2Spec.yaml))))
    }

    // MARK: verify

    package func verifyLog(_ input: Operations.VerifyLog.Input) async throws -> Operations.VerifyLog.Output {
        let report = try await reading(asOf: input.query.asOf, withLog: true) { reader in try reader.verifyLog() }
        return .ok(
            .init(
                body: .json(
                    .init(
                        valid: report.isValid, events: report.events, lastHash: report.lastHash,
                        firstBadPosition: report.firstBad?.position, reason: report.firstBad?.reason,
                        missingTriggers: report.missingTriggers, summary: report.summary))))
    }
}
