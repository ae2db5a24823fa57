package import PeerLedger
package import PeerLedgerDomain

/// One push of a session's configuration to its router, recorded: the request (passwords
/// redacted), then the router's answer, each in its own ledger transaction. The router is
/// talked to between the two, never inside a transaction.
package enum Push {
    /// The platforms PeerLedger can push to itself (vtysh, birdc).
    package static let platforms: Set<RouterPlatform> = [.frr, .bird2]

    /// Where the session's stream stood once an applied push was recorded.
    package struct Recorded: Sendable {
        /// The stream's version after the outcome: what a write that follows the push
        /// (deleteSession's) expects.
        package var version: Int64
        /// False when another write reached the session between the request and its outcome.
        package var uninterrupted: Bool
    }

    /// Records the request, pushes `configuration` over `connection`, and records the outcome,
    /// as `metadata`'s caller. A router's refusal is recorded, then thrown as a `Refusal`.
    @discardableResult
    package static func perform(
        _ configuration: RouterConfiguration, session: Session, router: BGPRouter, givenByCaller: Bool,
        connection: any RouterConnection, ledger: Ledger, metadata: EventMetadata
    ) async throws -> Recorded {
        let id = session.id
        let requested = SessionConfigurationRequested(
            sessionID: id, routerID: router.id, operation: configuration.operation, givenByCaller: givenByCaller,
            configuration: configuration.redacted, routerPeerGroup: configuration.peerGroup)
        let version = session.version
        _ = try await ledger.write(metadata) { tx in
            try tx.append(.sessionConfigurationRequested(requested), to: Session.stream(id), expecting: .exactly(version))
        }
        do throws(RouterAccessError) {
            try await connection.push(configuration)
        } catch {
            let failed = SessionConfigurationFailed(
                sessionID: id, routerID: router.id, operation: configuration.operation, reason: error.reason,
                message: Redaction.redact(error.message, secrets: []))
            _ = try await ledger.write(metadata) { tx in
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
        return try await ledger.write(metadata) { tx in
            let current = try tx.version(of: Session.stream(id)) ?? 0
            try tx.append(.sessionConfigurationApplied(applied), to: Session.stream(id), expecting: .exactly(current))
            return Recorded(version: current + 1, uninterrupted: current == version + 1)
        }
    }
}
