import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import Logging
import Mustache
public import PeerLedger
public import PeerLedgerRouters
import PeerLedgerDomain

/// The console: server-rendered pages for people at `/`, on the same port as the APIs. It reads
/// through the core's typed queries (as of any past moment, through `PointInTime`) and writes
/// through its commands, each event's actor `user:NAME`. Login with bcrypt-checked passwords,
/// session cookies, a CSRF token on every form and a lockout after repeated failures
/// (`ConsoleSessions`); works without JavaScript.
public struct Console: Sendable {
    let ledger: Ledger
    let logger: Logger
    let sessions: ConsoleSessions
    /// Cookies are marked Secure when the server speaks TLS.
    let secureCookies: Bool
    /// A second peering request to one network within this many seconds is refused.
    let quietPeriodSeconds: Int64
    /// bcrypt's cost for passwords users choose (`ConsoleAccounts.defaultCost`).
    let passwordCost: UInt8
    /// How a configuration is previewed against, and pushed to, a router.
    let routers: any RouterConnector

    static let sessionCookie = "peerledger_session"
    static let loginCookie = "peerledger_login"
    /// The largest form accepted: 64 KiB.
    static let maxFormBytes = 64 << 10

    public init(
        ledger: Ledger, secureCookies: Bool, quietPeriodSeconds: Int64 = 30 * 86_400, passwordCost: UInt8 = ConsoleAccounts.defaultCost,
        routers: any RouterConnector = ProcessRouterConnector(timeout: .seconds(10)), logger: Logger = Logger(label: "peerledger.console")
    ) {
        self.ledger = ledger
        self.routers = routers
        self.passwordCost = passwordCost
        self.secureCookies = secureCookies
        self.quietPeriodSeconds = quietPeriodSeconds
        self.logger = logger
        self.sessions = ConsoleSessions(shared: { [ledger] in ledger.sharedConsoleSessions }, logger: logger)
    }

    /// Registers the console's pages and assets on `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/console/console.css") { _, _ in Self.asset(ConsoleAssets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/console/console.js") { _, _ in Self.asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/login") { request, _ in try await loginPage(request) }
        router.post("/login") { request, _ in try await login(request) }
        router.post("/logout") { request, _ in try await logout(request) }
        router.get("/password") { request, _ in try await page(request, allowsPendingPassword: true) { try await passwordPage($0, request) } }
        router.post("/password") { request, _ in
            try await form(request, needs: .viewer, allowsPendingPassword: true) { session, form in try await changePassword(session, form) }
        }
        router.get("/") { request, _ in try await page(request) { try await dashboard($0, request) } }
        router.get("/live") { request, _ in try await live(request) }
        router.get("/audit") { request, _ in try await page(request) { try await auditPage($0, request) } }
        router.get("/audit/verify") { request, _ in try await page(request) { try await verifyPage($0) } }
        router.post("/audit/verify") { request, _ in try await form(request, needs: .viewer) { session, _ in try await verifyLog(session) } }
        router.get("/exchanges") { request, _ in try await page(request) { try await exchangesPage($0, request) } }
        router.get("/exchanges/:id") { request, context in
            try await page(request) { try await exchangePage($0, request, id: context.parameters.get("id")) }
        }
        router.get("/exchanges/:id/networks/:net") { request, context in
            try await page(request) {
                try await networkPage($0, exchange: context.parameters.get("id"), net: context.parameters.get("net"))
            }
        }
        router.post("/exchanges/:id/networks/:net/request") { request, context in
            try await form(request, needs: .operator) { session, form in
                try await sendRequest(session, form, exchange: context.parameters.get("id"), net: context.parameters.get("net"))
            }
        }
        router.post("/exchanges/:id/networks/:net/sessions") { request, context in
            try await form(request, needs: .operator) { session, form in
                try await addSession(session, form, exchange: context.parameters.get("id"), net: context.parameters.get("net"))
            }
        }
        router.get("/networks/:net") { request, context in
            try await page(request) { try await networkFactsPage($0, request, net: context.parameters.get("net")) }
        }
        router.get("/routers") { request, _ in try await page(request) { try await routersPage($0, asOf: Self.asOf(request)) } }
        router.get("/users") { request, _ in try await page(request) { try await usersPage($0) } }
        router.post("/users") { request, _ in try await form(request, needs: .admin) { session, form in try await createUser(session, form) } }
        router.post("/users/:name/disable") { request, context in
            try await form(request, needs: .admin) { session, _ in try await disableUser(session, name: context.parameters.get("name")) }
        }
        router.post("/routers/:id/poll") { request, context in
            try await form(request, needs: .operator) { session, _ in try await pollRouter(session, id: context.parameters.get("id")) }
        }
        router.get("/sessions/:id") { request, context in
            try await page(request) { try await sessionPage($0, request, id: context.parameters.get("id")) }
        }
        router.post("/sessions/:id/configure") { request, context in
            try await form(request, needs: .operator) { session, form in try await configureSession(session, form, id: context.parameters.get("id")) }
        }
        router.post("/sessions/:id") { request, context in
            try await form(request, needs: .operator) { session, form in try await updateSession(session, form, id: context.parameters.get("id")) }
        }
    }

    // MARK: Pages and forms

    /// What a page handler answers: a rendered page, or a redirect.
    enum Outcome {
        case page(title: String, template: String, context: [String: Any], status: HTTPResponse.Status = .ok, asOf: AsOfControl? = nil)
        case redirect(String)
    }

    /// The "as of" control of a list page: the moment shown (nil: now) and the query to keep.
    struct AsOfControl {
        var asOf: String?
        var keep: [(String, String)] = []
        var path: String
    }

    /// A GET page for a logged-in user: without a session, the login page; with a one-time
    /// password still to change, the password page.
    func page(
        _ request: Request, allowsPendingPassword: Bool = false, _ body: (ConsoleSession) async throws -> Outcome
    ) async throws -> Response {
        guard let session = await currentSession(request) else { return Self.redirect("/login") }
        if session.mustChangePassword, !allowsPendingPassword { return Self.redirect("/password") }
        // Read before the page's own reads: a write after it reloads the page (`/live`), at worst
        // once more than needed, never one fewer.
        let drawnAt = try? await ledger.reading { reader in try reader.projectionPosition() }
        return try await Self.$drawnAt.withValue(drawnAt) { try await respond(session) { try await body(session) } }
    }

    /// The log position a page is drawn at, for its `/live` stream.
    @TaskLocal static var drawnAt: Int64?

    /// A POST from a logged-in user: the CSRF token checked first (missing or wrong: 403, nothing
    /// done), then the role (a viewer's write: 403, nothing appended), then `body` with the form.
    func form(
        _ request: Request, needs role: ConsoleRole, allowsPendingPassword: Bool = false,
        _ body: (ConsoleSession, ConsoleForm) async throws -> Outcome
    ) async throws -> Response {
        guard let session = await currentSession(request) else { return Self.redirect("/login") }
        let form: ConsoleForm
        do {
            form = try await ConsoleForm.read(request, limit: Self.maxFormBytes)
        } catch let refusal as Refusal {
            return render(session, .page(title: "Bad request", template: "message", context: Self.message("Bad request", refusal.message), status: .badRequest))
        }
        guard let token = form["csrf_token"], Self.constantTimeEqual(token, session.csrfToken) else {
            return render(session, Self.forbidden("The form did not carry the CSRF token of your login (csrf_token); nothing was changed. Reload the page and try again."))
        }
        if session.mustChangePassword, !allowsPendingPassword { return Self.redirect("/password") }
        guard session.role.allows(role) else {
            return render(
                session,
                Self.forbidden("User \(session.user) is a \(session.role.rawValue); this needs an \(role.rawValue) or more. Nothing was changed."))
        }
        return try await respond(session) { try await body(session, form) }
    }

    /// Runs a handler and renders its outcome; a refusal becomes a 400 page naming what was
    /// wrong (nothing was changed), a version conflict a 409 page.
    func respond(_ session: ConsoleSession?, _ body: () async throws -> Outcome) async throws -> Response {
        do {
            return render(session, try await body())
        } catch let refusal as Refusal {
            return render(session, .page(title: "Refused", template: "message", context: Self.message("Refused", refusal.message), status: .badRequest))
        } catch let error as ConsoleNotFound {
            return render(session, .page(title: "Not found", template: "message", context: Self.message("Not found", error.message), status: .notFound))
        } catch let error as LedgerError {
            switch error {
            case .conflict:
                return render(
                    session, .page(title: "Conflict", template: "message", context: Self.message("Conflict", "\(error); nothing was changed"), status: .conflict))
            default:
                logger.error("console request failed", metadata: ["error": "\(error)"])
                return render(session, .page(title: "Error", template: "message", context: Self.message("Error", "The ledger could not answer: \(error)"), status: .internalServerError))
            }
        }
    }

    /// The page in the layout, or the redirect.
    func render(_ session: ConsoleSession?, _ outcome: Outcome) -> Response {
        switch outcome {
        case let .redirect(path): return Self.redirect(path)
        case let .page(title, template, context, status, asOf):
            return Self.html(html(session, title: title, template: template, context: context, asOf: asOf), status: status)
        }
    }

    /// The HTML of a GET page (`/`, `/exchanges/ID`, `/sessions/ID`, with their query) as a viewer
    /// sees it, without HTTP or a login: what `peerledger bench` times.
    package func renderedPage(_ uri: String) async throws -> String {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: uri), body: RequestBody(buffer: ByteBuffer()))
        let session = ConsoleSession(
            id: "", user: "bench", role: .viewer, csrfToken: "", mustChangePassword: false, started: ledger.clock.now())
        let parts = (uri.split(separator: "?").first ?? "").split(separator: "/").map(String.init)
        let outcome: Outcome
        switch (parts.first, parts.count) {
        case (nil, _): outcome = try await dashboard(session, request)
        case ("exchanges", 2): outcome = try await exchangePage(session, request, id: parts[1])
        case ("sessions", 2): outcome = try await sessionPage(session, request, id: parts[1])
        default: throw ConsoleNotFound(message: "no page \(uri) to render")
        }
        guard case let .page(title, template, context, _, asOf) = outcome else { throw ConsoleNotFound(message: "\(uri) is a redirect") }
        return html(session, title: title, template: template, context: context, asOf: asOf)
    }

    /// The page: its template rendered with `context`, in the layout.
    func html(_ session: ConsoleSession?, title: String, template: String, context: [String: Any], asOf: AsOfControl?) -> String {
        var context = context
        if let session { context["csrf"] = session.csrfToken }
        let body = ConsoleTemplates.library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let session {
            layout["session"] = [
                "user": session.user, "role": session.role.rawValue, "csrf": session.csrfToken, "admin": session.role.allows(.admin),
            ]
        }
        if let asOf {
            let keep = asOf.keep.map { ["name": $0.0, "value": $0.1] }
            var now = asOf.path
            if !asOf.keep.isEmpty { now += "?" + Self.query(asOf.keep) }
            var control: [String: Any] = ["keep": keep, "nowLink": now]
            if let moment = asOf.asOf { control["asOf"] = moment }
            layout["asOfControl"] = control
            if let moment = asOf.asOf { layout["asOf"] = moment }
        }
        // A page that can be seen as of a moment, shown at the present, follows the ledger live.
        let live = asOf != nil && asOf?.asOf == nil
        layout["refresh"] = live ? "live" : "off"
        if live, let drawnAt = Self.drawnAt { layout["position"] = drawnAt }
        return ConsoleTemplates.library.render(layout, withTemplate: "layout") ?? ""
    }

    /// The login `request` carries, while it lasts and its user is still enabled: a user disabled
    /// since (from the command line, or by another server on the same ledger) is logged out at
    /// their next request.
    func currentSession(_ request: Request) async -> ConsoleSession? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty,
            let session = await sessions.session(id, now: ledger.clock.now())
        else { return nil }
        // A ledger following a log of record is brought level first: the user may have been
        // disabled through another node a moment ago. (Nothing to do for a ledger of its own.)
        try? await ledger.catchUpIfBehind()
        let enabled = (try? ledger.readingNow { reader in try reader.storedConsoleUser(session.user) }).map { $0?.user.isDisabled == false }
        guard enabled == true else {
            await sessions.end(id)
            return nil
        }
        return session
    }

    // MARK: Responses

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Content-Security-Policy")!] = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }

    static func forbidden(_ text: String) -> Outcome {
        .page(title: "Forbidden", template: "message", context: message("Forbidden", text), status: .forbidden)
    }

    static func message(_ heading: String, _ text: String, kind: String = "error", back: String? = nil) -> [String: Any] {
        var context: [String: Any] = ["heading": heading, "text": text, "kind": kind]
        if let back { context["back"] = back }
        return context
    }

    /// `a=b&c=d`, each part percent-encoded.
    static func query(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return items.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// The metadata of a console change: the actor is `user:NAME`.
    static func metadata(_ session: ConsoleSession) -> EventMetadata { EventMetadata(actor: "user:\(session.user)") }
}

/// A page or row that does not exist (404).
struct ConsoleNotFound: Error {
    let message: String
}
