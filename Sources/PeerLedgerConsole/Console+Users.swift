import Hummingbird
import PeerLedger
import PeerLedgerDomain

/// `/users` (admins): the console's users, a form to create one (its one-time password shown
/// once, on the answer to the form) and a button to disable one. Each change is an event whose
/// actor is the admin (`user:NAME`); neither a password nor its hash is ever in one.
extension Console {
    func usersPage(_ session: ConsoleSession, issued: (user: ConsoleUser, password: String)? = nil, notice: String? = nil) async throws
        -> Outcome
    {
        guard session.role.allows(.admin) else { return Self.notAdmin(session) }
        let users = try ledger.consoleUsers()
        var context: [String: Any] = [
            "users": users.map { user -> [String: Any] in
                [
                    "name": user.name, "role": user.role.rawValue, "created": user.createdAt,
                    "status": user.isDisabled ? "disabled \(user.disabledAt ?? "")" : user.mustChangePassword ? "one-time password not yet changed" : "active",
                    "canDisable": !user.isDisabled && user.name != session.user,
                ]
            },
            "roles": ConsoleRole.allCases.map { ["value": $0.rawValue, "selected": $0 == .viewer] },
        ]
        if let issued {
            context["issued"] = ["user": issued.user.name, "role": issued.user.role.rawValue, "password": issued.password]
        }
        if let notice { context["notice"] = notice }
        return .page(title: "Users", template: "users", context: context)
    }

    func createUser(_ session: ConsoleSession, _ form: ConsoleForm) async throws -> Outcome {
        guard session.role.allows(.admin) else { return Self.notAdmin(session) }
        let roleText = form["role"] ?? ""
        guard let role = ConsoleRole(rawValue: roleText) else {
            throw Refusal(
                "role must be one of \(ConsoleRole.allCases.map(\.rawValue).joined(separator: ", ")); got '\(Values.quoted(roleText))'; nothing was changed")
        }
        let created = try ConsoleAccounts.create(
            ledger, name: form["name"] ?? "", role: role, metadata: Self.metadata(session), cost: passwordCost)
        return try await usersPage(session, issued: created)
    }

    func disableUser(_ session: ConsoleSession, name: String?) async throws -> Outcome {
        guard session.role.allows(.admin) else { return Self.notAdmin(session) }
        let name = name ?? ""
        guard name != session.user else { throw Refusal("you cannot disable your own login (\(session.user)); nothing was changed") }
        let user = try ledger.disableConsoleUser(name, metadata: Self.metadata(session))
        await sessions.endAll(user: user.name)
        return try await usersPage(session, notice: "User \(user.name) is disabled; their logins have ended.")
    }

    static func notAdmin(_ session: ConsoleSession) -> Outcome {
        forbidden("User \(session.user) is a \(session.role.rawValue); managing users needs an admin. Nothing was changed.")
    }
}
