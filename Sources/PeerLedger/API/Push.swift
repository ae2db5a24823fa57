import PeerLedgerDomain
/// One push, recorded: the request (passwords redacted), then the router's answer.
enum Push {
    /// The platforms PeerLedger can push to itself (vtysh, birdc).
    static let platforms: Set<RouterPlatform> = [.frr, .bird2]

    /// Where the session's stream stood once an applied push was recorded.
    struct Recorded: Sendable {
        /// The stream's version after the outcome: what a write that follows the push
        /// (deleteSession's) expects.
        var version: Int64
        /// False when another write reached the session between the request and its outcome.
        var uninterrupted: Bool
    }

    @discardableResult
    static func perform(
        _ configuration: RouterConfiguration, session: Session, router: BGPRouter, givenByCaller: Bool,
        connection: any RouterConnection, context: ActionContext
    ) async throws -> Recorded {
        let id = session.id
        let requested = SessionConfigurationRequested(
            sessionID: id, routerID: router.id, operation: configuration.operation, givenByCaller: givenByCaller,
            configuration: configuration.redacted, routerPeerGroup: configuration.peerGroup)
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
            case let .notSaved(message):
                throw Refusal("Router \(router.name) runs the configuration but did not save it, so the push is recorded as failed: \(message)")
            }
        }
        let applied = SessionConfigurationApplied(sessionID: id, routerID: router.id, operation: configuration.operation)
        return try await context.record { tx in
            let current = try tx.version(of: Session.stream(id)) ?? 0
            try tx.append(.sessionConfigurationApplied(applied), to: Session.stream(id), expecting: .exactly(current))
            return Recorded(version: current + 1, uninterrupted: current == version + 1)
        }
    }
}
