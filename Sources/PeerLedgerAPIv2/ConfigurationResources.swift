import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain
import PeerLedgerRouters

/// `/api/v2/sessions/{id}/configuration`: a session's router configuration rendered for its
/// router's platform, its dry run against what the router runs, and its push. The router edge
/// does the work (`SessionConfiguration`, `Push`), as it does for APIv1's configureSession, so
/// both faces render, diff, push and record alike; passwords are answered only as `<redacted>`.
extension APIv2 {
    package func getSessionConfiguration(
        _ input: Operations.GetSessionConfiguration.Input
    ) async throws -> Operations.GetSessionConfiguration.Output {
        let ledger = try await ledger(asOf: input.query.asOf)
        let (target, configuration) = try await Self.rendered(input.path.id, ledger: ledger)
        return .ok(.init(body: .json(Self.resource(configuration, router: target.router))))
    }

    package func dryRunSessionConfiguration(
        _ input: Operations.DryRunSessionConfiguration.Input
    ) async throws -> Operations.DryRunSessionConfiguration.Output {
        let (target, configuration) = try await Self.rendered(input.path.id, ledger: ledger)
        let connection = routers.connection(to: target.router, credentials: nil, storedPassword: target.storedPassword)
        let diff: [String]
        do {
            diff = try await SessionConfiguration.difference(configuration, session: target.session, connection: connection)
        } catch {
            throw Push.refusal(for: error, router: target.router)
        }
        let rendered = Self.resource(configuration, router: target.router)
        return .ok(
            .init(
                body: .json(
                    .init(
                        sessionId: rendered.sessionId, routerId: rendered.routerId, routerName: rendered.routerName,
                        platform: rendered.platform, operation: rendered.operation, config: rendered.config,
                        peerGroup: rendered.peerGroup, diff: diff))))
    }

    package func pushSessionConfiguration(
        _ input: Operations.PushSessionConfiguration.Input
    ) async throws -> Operations.PushSessionConfiguration.Output {
        let caller = try caller()
        let id = input.path.id
        let idempotency = try Parse.idempotencyKey(
            input.headers.idempotencyKey, caller: caller, fingerprint: Self.fingerprint("pushSessionConfiguration", [.id: String(id)]))
        let (target, configuration) = try await Self.rendered(id, ledger: ledger)
        try Push.refuseUnpushable(target.router, dryRun: "POST /api/v2/sessions/\(id)/configuration/dry-run")
        let connection = routers.connection(to: target.router, credentials: nil, storedPassword: target.storedPassword)
        try await Push.perform(
            configuration, session: target.session, router: target.router, givenByCaller: false, connection: connection,
            ledger: ledger, metadata: caller.metadata, idempotency: idempotency)
        let session = try await ledger.reading { reader in try Self.fetch(reader, id: id) }
        return .ok(.init(headers: .init(eTag: Self.etag(session)), body: .json(Self.resource(session))))
    }

    // MARK: Shared

    /// The session `id` and its router, read from `ledger`, and its configuration rendered for
    /// that router: 404 for no such session; the router edge's refusals (no router, an unknown
    /// one, a deleted session, a field the router needs missing) with their codes.
    static func rendered(_ id: Int64, ledger: Ledger) async throws -> (PushTarget, RouterConfiguration) {
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        let target = try await ledger.reading { reader in
            guard try reader.session(id: id) != nil else { throw Problem.notFound("No session with id \(id)") }
            return try reader.pushTarget(sessionID: id)
        }
        return (target, try await SessionConfiguration.render(target.session, router: target.router, ledger: ledger))
    }

    /// A rendered configuration as APIv2 answers it: the redacted text only.
    static func resource(_ configuration: RouterConfiguration, router: BGPRouter) -> Components.Schemas.SessionConfiguration {
        .init(
            sessionId: configuration.sessionID, routerId: router.id, routerName: router.name, platform: configuration.platform.rawValue,
            operation: configuration.operation.rawValue, config: configuration.redacted, peerGroup: configuration.peerGroup)
    }
}
