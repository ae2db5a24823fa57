/// One push, recorded: the request (passwords redacted), then the router's answer.
enum Push {
    /// The platforms PeerLedger can push to itself (vtysh, birdc).
    static let platforms: Set<RouterPlatform> = [.frr, .bird2]

    /// Returns the session's stream version after the outcome was recorded, so a write that
    /// follows the push (deleteSession's) can expect exactly that version.
    @discardableResult
    static func perform(
        _ configuration: RouterConfiguration, session: Session, router: BGPRouter, givenByCaller: Bool,
        connection: any RouterConnection, context: ActionContext
    ) async throws -> Int64 {
        let id = session.id
        let requested = SessionConfigurationRequested(
            sessionID: id, routerID: router.id, operation: configuration.operation, givenByCaller: givenByCaller,
            configuration: configuration.redacted)
        let version = session.version
        try await context.record { tx in
            try tx.append(.sessionConfigurationRequested(requested), to: Session.stream(id), expecting: .exactly(version))
        }
        do throws(RouterAccessError) {
            try await connection.push(configuration)
        } catch {
            let failed = SessionConfigurationFailed(
                sessionID: id, routerID: router.id, operation: configuration.operation, reason: error.reason,
                message: Redaction.redact(error.message, secrets: []))
            try await context.record { tx in
                try tx.append(.sessionConfigurationFailed(failed), to: Session.stream(id), expecting: .exactly(try tx.version(of: Session.stream(id)) ?? 0))
            }
            switch error {
            case .authentication: throw Refusal("Unable to authenticate ")
            case let .unreachable(message): throw Refusal("Unable to reach router \(router.name): \(message)")
            case let .rejected(message): throw Refusal("Router \(router.name) rejected the configuration: \(message)")
            }
        }
        let applied = SessionConfigurationApplied(sessionID: id, routerID: router.id, operation: configuration.operation)
        return try await context.record { tx in
            let version = try tx.version(of: Session.stream(id)) ?? 0
            try tx.append(.sessionConfigurationApplied(applied), to: Session.stream(id), expecting: .exactly(version))
            return version + 1
        }
    }
}
