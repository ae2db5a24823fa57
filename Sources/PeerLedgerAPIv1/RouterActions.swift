import PeerLedger
import PeerLedgerRouters
import PeerLedgerDomain

/// configureSession and deleteSession: the actions that change a router as well as the ledger.
/// Each push is recorded as it happens (requested, then applied or failed), so the log shows
/// every attempt, including the ones the router refused.
enum RouterActions {
    /// configureSession takes the router login (`username`, `password`), the text to push
    /// (`config`), `dry_run`, and the session fields, which override the stored ones for this
    /// rendering only (the BGP password cannot be overridden: `password` is the router login
    /// here, as in ProVision).
    static let all: [Action] = [
        Action(target: "peering", name: "configureSession", body: .effect(configure)),
        Action(target: "peering", name: "deleteSession", body: .effect(delete)),
    ]

    // MARK: configureSession

    static func configure(_ parameters: Parameters, _ context: ActionContext) async throws -> Reply {
        guard context.idempotencyKey == nil else {
            throw Refusal("configureSession does not take an idempotency key: every push attempt is recorded")
        }
        guard let idText = parameters.nonEmpty("session_id") else {
            throw Refusal("configureSession needs session_id: the session to configure")
        }
        let id = try Values.identifier(idText, field: "session_id")
        let dryRun = try parameters.nonEmpty("dry_run").map { text throws(Refusal) in try Values.flag(text, field: "dry_run") } ?? false
        let credentials = try credentials(parameters)
        let target = try await context.ledger.reading { reader in try reader.pushTarget(sessionID: id) }

        var session = target.session
        for field in SessionField.allCases where field.isSettable && field != .password {
            guard let text = parameters.nonEmpty(field.rawValue) else { continue }
            session.values[field] = try field.parse(text)
        }
        let configuration: RouterConfiguration
        if let text = parameters["config"], !text.isEmpty {
            configuration = try RouterConfiguration.given(
                text, platform: target.router.platform, operation: .configure, sessionID: id,
                secrets: [session.text(.password), credentials?.password, target.storedPassword].compactMap { $0 })
        } else {
            configuration = try await SessionConfiguration.render(session, router: target.router, ledger: context.ledger)
        }
        let connection = context.routers.connection(to: target.router, credentials: credentials, storedPassword: target.storedPassword)

        if dryRun {
            return try await dryRunReply(configuration, session: session, router: target.router, connection: connection)
        }
        try Push.refuseUnpushable(target.router, dryRun: "dry_run=1")
        try await Push.perform(
            configuration, session: target.session, router: target.router, givenByCaller: parameters.nonEmpty("config") != nil,
            connection: connection, ledger: context.ledger, metadata: context.metadata)
        let after = try await context.ledger.reading { reader in try SessionActions.fetch(reader, id: id) }
        return Reply("Configuration pushed to \(target.router.name): \(after.label)", data: after.json())
    }

    static func credentials(_ parameters: Parameters) throws(Refusal) -> RouterCredentials? {
        let username = try parameters.nonEmpty("username").map { text throws(Refusal) in
            try Values.text(text, field: "username", maxLength: 64)
        }
        let password = try parameters.nonEmpty("password").map { text throws(Refusal) in
            try Values.text(text, field: "password", maxLength: 128)
        }
        if let username, username.hasPrefix("-") || !username.unicodeScalars.allSatisfy(ConfigurationValues.isWordScalar) {
            throw Refusal("username must be a login name (letters, digits, '.', '_', '-'; not starting with '-'), got '\(Values.quoted(username))'")
        }
        guard username != nil || password != nil else { return nil }
        return RouterCredentials(username: username, password: password)
    }

    static func dryRunReply(
        _ configuration: RouterConfiguration, session: Session, router: BGPRouter, connection: any RouterConnection
    ) async throws -> Reply {
        var diff: JSON = .null
        var message = "Dry run for \(router.name): nothing was pushed"
        do {
            let lines = try await SessionConfiguration.difference(configuration, session: session, connection: connection)
            diff = .array(lines.map(JSON.string))
        } catch {
            message += " (running configuration unavailable: \(error.description))"
        }
        return Reply(
            message,
            data: .object([
                ("session_id", .string(String(session.id))),
                ("resource_id", .string(String(router.id))),
                ("resource_name", .string(router.name)),
                ("platform", .string(router.platform.rawValue)),
                ("config", .string(configuration.redacted)),
                ("diff", diff),
            ]))
    }

    // MARK: deleteSession

    /// ProVision's deleteSession: a session whose neighbor is on a router is removed from the
    /// router first (unless `keep_on_router=1`); if the router refuses, the session stays.
    ///
    /// With `expected_version`, every matching session must be at that version before anything
    /// is pushed, and the deletion commits only if each is still exactly as decided (at that
    /// version, or at the version its removal push left it at): a write in between is a
    /// conflict and nothing is deleted. Once a neighbor has been removed, the sessions deleted
    /// are the ones read and acted on, not those the criteria match afterwards.
    static func delete(_ parameters: Parameters, _ context: ActionContext) async throws -> Reply {
        let keep = try parameters.nonEmpty("keep_on_router").map { text throws(Refusal) in
            try Values.flag(text, field: "keep_on_router")
        } ?? false
        let rest = parameters.removing(["keep_on_router"])
        let filter = try SessionFilter(rest)
        let expected = try SessionActions.expectedVersion(rest)
        var decided: [Int64: Int64]?
        if !filter.isEmpty && (expected != nil || !keep) {
            let criteria = rest
            let matched = try await context.ledger.reading { reader in try SessionFilter(criteria).fetch(reader).filter { !$0.isDeleted } }
            if let expected, let stale = matched.first(where: { $0.version != expected }) {
                throw LedgerError.conflict(stream: Session.stream(stale.id), expected: expected, actual: stale.version)
            }
            var versions = Dictionary(uniqueKeysWithValues: matched.map { ($0.id, $0.version) })
            let targets = keep ? [] : try await context.ledger.reading { reader in
                try matched.compactMap { session in try reader.pushTargetOnRouter(session) }
            }
            for target in targets {
                let configuration = try RouterConfiguration.render(
                    Neighbor(session: target.session), platform: target.router.platform, operation: .remove)
                let connection = context.routers.connection(to: target.router, credentials: nil, storedPassword: target.storedPassword)
                let recorded: Push.Recorded
                do {
                    recorded = try await Push.perform(
                        configuration, session: target.session, router: target.router, givenByCaller: false,
                        connection: connection, ledger: context.ledger, metadata: context.metadata)
                } catch let refusal as Refusal {
                    throw Refusal("\(refusal.message); session \(target.session.id) was not deleted (keep_on_router=1 deletes it from the ledger only)")
                }
                guard recorded.uninterrupted || expected == nil else {
                    throw Refusal(
                        "Conflict: session \(target.session.id) was changed while its neighbor was being removed from \(target.router.name) (it is now at version \(recorded.version)); the neighbor is off the router but the session was not deleted: read it again and retry")
                }
                versions[target.session.id] = recorded.version
            }
            if expected != nil || !targets.isEmpty { decided = versions }
        }
        let chosen = decided
        return try await context.commit { _, transaction in try SessionActions.delete(rest, transaction, decided: chosen) }
    }
}
