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

    /// Refuses a push to a router whose platform PeerLedger only renders for; `dryRun` names
    /// how the caller can see the configuration instead (APIv1's `dry_run=1`).
    package static func refuseUnpushable(_ router: BGPRouter, dryRun: String) throws(Refusal) {
        guard !platforms.contains(router.platform) else { return }
        throw Refusal(
            "\(router.name) is a \(router.platform.rawValue) router: PeerLedger renders its configuration (\(dryRun)) but pushes only to frr and bird2 routers; nothing was pushed",
            code: .routerPlatformUnsupported)
    }

    /// Records the request, pushes `configuration` over `connection`, and records the outcome,
    /// as `metadata`'s caller. A router's refusal is recorded, then thrown as a `Refusal`.
    ///
    /// With `idempotency`, the request is recorded under that key: a push repeated with the same
    /// key pushes nothing and records nothing, and ends as the first one did (its outcome read
    /// back from the session's stream: the same answer, or the same refusal).
    @discardableResult
    package static func perform(
        _ configuration: RouterConfiguration, session: Session, router: BGPRouter, givenByCaller: Bool,
        connection: any RouterConnection, ledger: Ledger, metadata: EventMetadata, idempotency: IdempotencyKey? = nil
    ) async throws -> Recorded {
        let id = session.id
        let requested = SessionConfigurationRequested(
            sessionID: id, routerID: router.id, operation: configuration.operation, givenByCaller: givenByCaller,
            configuration: configuration.redacted, routerPeerGroup: configuration.peerGroup)
        let version = session.version
        let appended = try await ledger.append(metadata, idempotency: idempotency, record: { String($0) }) { tx in
            try tx.append(.sessionConfigurationRequested(requested), to: Session.stream(id), expecting: .exactly(version))
            return version + 1
        }
        if case let .repeated(outcome) = appended {
            guard let requestVersion = Int64(outcome) else { throw Refusal("The earlier push's record cannot be read") }
            return try await earlierOutcome(of: id, requestVersion: requestVersion, router: router, ledger: ledger)
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
            throw refusal(for: error, router: router)
        }
        let applied = SessionConfigurationApplied(sessionID: id, routerID: router.id, operation: configuration.operation)
        return try await ledger.write(metadata) { tx in
            let current = try tx.version(of: Session.stream(id)) ?? 0
            try tx.append(.sessionConfigurationApplied(applied), to: Session.stream(id), expecting: .exactly(current))
            return Recorded(version: current + 1, uninterrupted: current == version + 1)
        }
    }

    /// What a caller is told when the router could not take a push, each kind with its code.
    package static func refusal(for error: RouterAccessError, router: BGPRouter) -> Refusal {
        switch error {
        case .authentication: return Refusal("Unable to authenticate ", code: .routerAuthenticationFailed)
        case let .unreachable(message): return Refusal("Unable to reach router \(router.name): \(message)", code: .routerUnreachable)
        case let .rejected(message): return Refusal("Router \(router.name) rejected the configuration: \(message)", code: .routerRejected)
        case let .notSaved(message):
            return Refusal(
                "Router \(router.name) runs the configuration but did not save it, so the push is recorded as failed: \(message)",
                code: .routerNotSaved)
        }
    }

    /// The outcome of the push whose request is the session stream's `requestVersion`: the
    /// first applied or failed event after it, as that push answered.
    static func earlierOutcome(of session: Int64, requestVersion: Int64, router: BGPRouter, ledger: Ledger) async throws -> Recorded {
        let events = try await ledger.events(inStream: Session.stream(session))
        let current = events.last?.streamVersion ?? requestVersion
        for event in events where event.streamVersion > requestVersion {
            switch try LedgerEvent(event) {
            case .sessionConfigurationApplied:
                return Recorded(version: current, uninterrupted: current == event.streamVersion)
            case let .sessionConfigurationFailed(failed):
                let error: RouterAccessError =
                    switch failed.reason {
                    case "authentication": .authentication(failed.message)
                    case "unreachable": .unreachable(failed.message)
                    case "not_saved": .notSaved(failed.message)
                    default: .rejected(failed.message)
                    }
                throw refusal(for: error, router: router)
            default: continue
            }
        }
        throw Refusal(
            "The push first made with this Idempotency-Key to \(router.name) has no outcome yet; nothing was pushed again. Read the session's history for its outcome",
            code: .routerPushInProgress)
    }
}
