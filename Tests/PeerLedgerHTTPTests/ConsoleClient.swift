import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerConsole
import PeerLedgerDomain
import PeerLedgerPeeringDB
import PeerLedgerTestSupport

/// A browser's part in the console's HTTP tests: it keeps the cookies the server sets, reads
/// each form's CSRF token from the page it came from, and posts forms as a browser does.
final class ConsoleClient: @unchecked Sendable {
    let client: any TestClientProtocol
    private var cookies: [String: String] = [:]
    private let lock = NSLock()

    init(_ client: any TestClientProtocol) { self.client = client }

    /// A client of another server that sends the cookies `browser` holds: the same browser,
    /// sent to another node by a load balancer.
    init(_ client: any TestClientProtocol, cookiesOf browser: ConsoleClient) {
        self.client = client
        self.cookies = browser.lock.withLock { browser.cookies }
    }

    /// The cookies kept, as a `Cookie` header's value (for a connection of the test's own).
    var cookieHeader: String { lock.withLock { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") } }

    struct Page {
        var status: HTTPResponse.Status
        var location: String?
        var html: String
        var setCookies: [String]

        /// The first form's `csrf_token` on the page.
        var csrfToken: String? {
            guard let range = html.range(of: #"name="csrf_token" value="([0-9a-f]+)""#, options: .regularExpression) else { return nil }
            return String(html[range]).components(separatedBy: "value=\"").last?.dropLast().description
        }
    }

    func get(_ path: String) async throws -> Page {
        try await send(path, method: .get, body: nil)
    }

    /// Posts `fields` as `application/x-www-form-urlencoded`, as a form does.
    func post(_ path: String, _ fields: [(String, String)]) async throws -> Page {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await send(path, method: .post, body: body)
    }

    /// Posts the form of the page at `path`, with that page's CSRF token added.
    func submit(_ path: String, from page: String, _ fields: [(String, String)]) async throws -> Page {
        let form = try await get(page)
        guard let token = form.csrfToken else { throw TestFailure("\(page) has no csrf_token (status \(form.status)): \(form.html.prefix(300))") }
        return try await post(path, [("csrf_token", token)] + fields)
    }

    /// Logs in through `/login`; with a one-time password, changes it to `newPassword`.
    @discardableResult
    func logIn(_ user: String, _ password: String, newPassword: String = "a-long-new-password") async throws -> Page {
        let page = try await submit("/login", from: "/login", [("user", user), ("password", password)])
        if page.location == "/password" {
            let changed = try await submit(
                "/password", from: "/password", [("current", password), ("new", newPassword), ("repeat", newPassword)])
            guard changed.status == .ok, changed.html.contains("Your password was changed") else {
                throw TestFailure("the password change failed: \(changed.status) \(changed.html.prefix(500))")
            }
        }
        return page
    }

    private func send(_ path: String, method: HTTPRequest.Method, body: String?) async throws -> Page {
        var headers = HTTPFields()
        let cookieHeader = self.cookieHeader
        if !cookieHeader.isEmpty { headers[.cookie] = cookieHeader }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let setCookies = response.headers[values: .setCookie]
        lock.withLock {
            for line in setCookies {
                let pair = line.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                if pair[1].isEmpty { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
            }
        }
        return Page(status: response.status, location: response.headers[.location], html: String(buffer: response.body), setCookies: setCookies)
    }
}

/// The console's test world: the PeeringDB fixture (Equinix Ashburn and Chicago; 6connect AS8038
/// is us), the seed's Amazon.com session, and users of each role, on a clock that moves 1 s per
/// reading so every event has its own second.
struct ConsoleWorld {
    /// bcrypt's lowest cost: the tests check passwords, not bcrypt's strength, and must not keep
    /// the processors from the tests that run beside them.
    static let cost: UInt8 = 4
    let ledger: Ledger
    /// Each role's user and their one-time password.
    let operatorUser = "alice"
    let viewerUser = "victor"
    var passwords: [String: String] = [:]

    init() async throws {
        guard let start = Timestamp(parsing: "2026-11-20 09:00:00") else { throw TestFailure("bad start") }
        ledger = try Ledger.inMemory(clock: SteppingClock(start: start, stepMillis: 1000), ids: SequentialIDs())
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/peeringdb")
        _ = try await ledger.importPeeringDB(from: PeeringDBFolder(path: fixtures.path), metadata: EventMetadata(actor: "test"))
        try ledger.setOwnNetwork(asn: 8038, metadata: EventMetadata(actor: "test"))
        let answer = try await APIv1(ledger: ledger).call(amazon, actor: "test")
        guard answer.succeeded else { throw TestFailure("the seed's Amazon.com session was not added: \(answer.message)") }
        for (name, role) in [(operatorUser, ConsoleRole.operator), (viewerUser, .viewer)] {
            passwords[name] = try ConsoleAccounts.create(ledger, name: name, role: role, metadata: EventMetadata(actor: "test"), cost: Self.cost).password
        }
    }
}
