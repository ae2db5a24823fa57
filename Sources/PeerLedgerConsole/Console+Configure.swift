import Foundation
import Hummingbird
import Logging
import PeerLedger
import PeerLedgerDomain
import PeerLedgerRouters

/// `/sessions/ID/configure`: the session's configuration for its router, previewed (a dry run:
/// the rendered text and how it differs from the router's running configuration, nothing pushed)
/// or pushed, the push recorded as configureSession records it, with the actor `user:NAME`.
extension Console {
    func configureSession(_ session: ConsoleSession, _ form: ConsoleForm, id text: String?) async throws -> Outcome {
        let id = try Self.identifier(text, field: "session id")
        let push: Bool
        switch form.text("mode") {
        case "preview": push = false
        case "push": push = true
        case let other: throw Refusal("mode must be preview or push; got '\(Values.quoted(other ?? ""))'")
        }
        let target = try await ledger.reading { reader in try reader.pushTarget(sessionID: id) }
        let configuration = try RouterConfiguration.render(
            Neighbor(session: target.session), platform: target.router.platform, operation: .configure)
        let connection = routers.connection(to: target.router, credentials: nil, storedPassword: target.storedPassword)
        var context: [String: Any] = [
            "id": id, "router": target.router.name, "platform": target.router.platform.rawValue, "config": configuration.redacted,
        ]
        if push {
            guard Push.platforms.contains(target.router.platform) else {
                throw Refusal(
                    "\(target.router.name) is a \(target.router.platform.rawValue) router: its configuration can be previewed but is pushed only to frr and bird2 routers; nothing was pushed")
            }
            _ = try await Push.perform(
                configuration, session: target.session, router: target.router, givenByCaller: false, connection: connection,
                ledger: ledger, metadata: Self.metadata(session))
            context["outcome"] = "Pushed to \(target.router.name)."
        } else {
            do {
                let running = try await connection.runningConfiguration()
                context["diff"] = ConfigurationDiff.lines(configuration, running: running, peer: target.session.text(.peer_ipaddr) ?? "")
                    .joined(separator: "\n")
            } catch {
                context["unavailable"] = "the running configuration could not be read: \(error.description)"
            }
            context["outcome"] = "Dry run for \(target.router.name): nothing was pushed."
        }
        return .page(title: "Configure session \(id)", template: "configure", context: context)
    }
}
