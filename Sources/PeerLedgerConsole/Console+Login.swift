import Foundation
import Logging
import HTTPTypes
import NIOCore
import Hummingbird
import PeerLedger
import PeerLedgerDomain

/// `/login`, `/logout` and `/password`: bcrypt-checked passwords, a lockout after repeated
/// failures, the one-time password changed at first login.
extension Console {
    func loginPage(_ request: Request, error: String? = nil, user: String = "", status: HTTPResponse.Status = .ok) async throws -> Response {
        if error == nil, await currentSession(request) != nil { return Self.redirect("/") }
        // Before a session exists, the login form's CSRF token is a cookie of its own that the
        // form must repeat (double submit); SameSite=Strict keeps other sites from sending it.
        let token = request.cookies[Self.loginCookie]?.value ?? ConsoleSessions.randomToken()
        var context: [String: Any] = ["csrf": token, "user": user]
        if let error { context["error"] = error }
        var response = render(nil, .page(title: "Log in", template: "login", context: context, status: status))
        response.setCookie(cookie(Self.loginCookie, token, maxAge: 3600))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        let form: ConsoleForm
        do {
            form = try await ConsoleForm.read(request, limit: Self.maxFormBytes)
        } catch let refusal as Refusal {
            return try await loginPage(request, error: refusal.message, status: .badRequest)
        }
        guard let cookieToken = request.cookies[Self.loginCookie]?.value, let token = form["csrf_token"],
            Self.constantTimeEqual(cookieToken, token)
        else {
            return render(nil, Self.forbidden("The login form did not carry its CSRF token (csrf_token); nothing was done. Open /login and try again."))
        }
        guard let name = form.text("user"), let password = form["password"], !password.isEmpty else {
            return try await loginPage(request, error: "Give both a user name and a password.", user: form["user"] ?? "", status: .badRequest)
        }
        let now = ledger.clock.now()
        let refused = "Wrong user name or password, or the user is disabled."
        if await sessions.isLockedOut(name, now: now) {
            return try await loginPage(
                request, error: "Too many failed logins for \(name): try again in 15 minutes.", user: name, status: .tooManyRequests)
        }
        let stored = try await ledger.reading { reader in try reader.storedConsoleUser(name) }
        // A hash is checked even for an unknown name, so the answer takes as long either way.
        let hash: String
        if let stored {
            hash = stored.passwordHash
        } else if let known = await sessions.unknownUserHash {
            hash = known
        } else {
            hash = await Self.hash(ConsoleAccounts.randomPassword(), cost: passwordCost)
            await sessions.keepUnknownUserHash(hash)
        }
        let matches = await Self.verify(password, hash: hash)
        guard let stored, matches, !stored.user.isDisabled else {
            await sessions.recordFailure(name, now: now)
            logger.notice("console login refused", metadata: ["user": "\(name)"])
            return try await loginPage(request, error: refused, user: name, status: .unauthorized)
        }
        guard let session = await sessions.start(
            user: stored.user.name, role: stored.user.role, mustChangePassword: stored.user.mustChangePassword, now: now)
        else {
            return try await loginPage(
                request, error: "Your login could not be kept: the nodes' shared store did not answer. Try again in a moment.",
                user: name, status: .serviceUnavailable)
        }
        logger.info("console login", metadata: ["user": "\(stored.user.name)"])
        var response = Self.redirect(session.mustChangePassword ? "/password" : "/")
        response.setCookie(cookie(Self.sessionCookie, session.id, maxAge: Int(ConsoleSessions.lifetimeSeconds)))
        response.setCookie(cookie(Self.loginCookie, "", maxAge: 0))
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        guard let session = await currentSession(request) else { return Self.redirect("/login") }
        let form = try? await ConsoleForm.read(request, limit: Self.maxFormBytes)
        guard let token = form?["csrf_token"], Self.constantTimeEqual(token, session.csrfToken) else {
            return render(session, Self.forbidden("The form did not carry the CSRF token of your login (csrf_token); you are still logged in."))
        }
        await sessions.end(session.id)
        var response = Self.redirect("/login")
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }

    func passwordPage(_ session: ConsoleSession, _ request: Request) async throws -> Outcome {
        .page(title: "Password", template: "password", context: ["mustChange": session.mustChangePassword])
    }

    func changePassword(_ session: ConsoleSession, _ form: ConsoleForm) async throws -> Outcome {
        func refused(_ text: String) -> Outcome {
            .page(
                title: "Password", template: "password", context: ["mustChange": session.mustChangePassword, "error": text],
                status: .badRequest)
        }
        guard let current = form["current"], let new = form["new"], let again = form["repeat"] else {
            return refused("Give the current password and the new one twice.")
        }
        guard new == again else { return refused("The two new passwords differ; nothing was changed.") }
        guard new != current else { return refused("The new password must differ from the current one; nothing was changed.") }
        let checked: String
        do { checked = try ConsoleAccounts.checkedNewPassword(new) } catch { return refused("\(error.message); nothing was changed.") }
        let name = session.user
        guard let stored = try await ledger.reading({ reader in try reader.storedConsoleUser(name) }),
            await Self.verify(current, hash: stored.passwordHash)
        else {
            return refused("The current password is wrong; nothing was changed.")
        }
        let hash = await Self.hash(checked, cost: passwordCost)
        _ = try await ledger.write(Self.metadata(session)) { transaction in
            try transaction.setConsoleUserPassword(name, passwordHash: hash, mustChange: false)
        }
        await sessions.passwordChanged(user: name, keeping: session.id)
        return .page(title: "Password", template: "password", context: ["done": true])
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// bcrypt is slow on purpose: it runs off Swift's cooperative pool.
    static func verify(_ password: String, hash: String) async -> Bool {
        await offPool { ConsoleAccounts.verify(password, hash: hash) }
    }

    static func hash(_ password: String, cost: UInt8) async -> String {
        await offPool { ConsoleAccounts.hash(password, cost: cost) }
    }

    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
