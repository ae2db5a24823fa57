import Foundation
import HummingbirdTesting
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// Headless Chromium drives the console through the live server, as a person would: log in,
/// replace the one-time password, send a request, add a session, find both on the audit page,
/// go back in time with "as of"; a form without its CSRF token and a viewer's write are refused.
/// Screenshots are written to `$TMPDIR/peerledger-console-screenshots` (the test prints where).
@Suite("Console in Chromium")
struct ConsoleBrowserTests {
    static let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-console-screenshots")

    @Test(
        "Chromium logs in, sends a request, adds a session, dry-runs a configuration, finds them in the audit log and goes back in time; CSRF and a viewer's write are refused",
        .enabled(if: HeadlessChromium.path != nil, "chromium is not installed (apt-get install chromium)"))
    func drivesTheConsole() async throws {
        let world = try await ConsoleWorld()
        // A second session, so the dashboard and the exchange show more than one.
        _ = try await APIv1(ledger: world.ledger).call(akamai, actor: "test")
        try registerAR1(world.ledger)
        let alice = try #require(world.passwords["alice"])
        let victor = try #require(world.passwords["victor"])
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        print("Console screenshots: \(Self.screenshots.path)")
        try await withLiveServer(world.ledger) { client in
            let port = try #require(client.port)
            let base = "http://127.0.0.1:\(port)"
            // The browser is driven off Swift's pool (its waits block); what it found wrong comes back.
            let problems = try await offPool {
                let browser = try HeadlessChromium(width: 1280, height: 900)
                defer { browser.close() }
                return try Self.drive(browser, base: base, world: world, alice: alice, victor: victor)
            }
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// Drives the console; returns what was not as expected, one line each.
    static func drive(_ browser: HeadlessChromium, base: String, world: ConsoleWorld, alice: String, victor: String) throws -> [String] {
        var problems: [String] = []
        func expect(_ holds: Bool, _ what: String, line: Int = #line) {
            if !holds { problems.append("line \(line): \(what)") }
        }
        // Log in with the one-time password, then choose a new one.
        try logIn(browser, base: base, user: "alice", password: alice)
        try browser.open(base + "/", path: "/")
        expect(try browser.text().contains("Dashboard"), "try browser.text().contains(\"Dashboard\")")
        // Send a peering request to 1&1 Internet at Equinix Ashburn.
        try browser.open(base + "/exchanges/1/networks/262", path: "/exchanges/1/networks/262")
        try browser.fill("#email_from", "ops@6connect.com")
        try browser.fill("#email_to", "peering@1und1.net")
        try browser.submit("form[action$='/request']")
        try browser.waitUntil("document.body.innerText.includes('Peering request 1 recorded')", what: "the request recorded")

        // Add the IPv4 session the form was pre-filled with (both sides' addresses from PeeringDB).
        expect(try browser.evaluate("document.querySelector('#source_ipaddr_0').value") as? String == "206.126.236.5", "try browser.evaluate(\"document.querySelector('#source_ipaddr_0').value\") as? String == \"206.126.236.5\"")
        expect(try browser.evaluate("document.querySelector('#peer_ipaddr_0').value") as? String == "206.126.236.200", "try browser.evaluate(\"document.querySelector('#peer_ipaddr_0').value\") as? String == \"206.126.236.200\"")
        try browser.fill("#prfx_max_0", "100")
        try browser.submit("form[action$='/sessions']")
        try browser.waitUntil("location.pathname === '/sessions/3' && document.readyState === 'complete'", what: "the new session's page")
        expect(try browser.text().contains("206.126.236.200"), "try browser.text().contains(\"206.126.236.200\")")
        // A dry run of the Amazon session's configuration (id 1) for its router (ar1.inoc.com): nothing is pushed.
        let beforeDryRun = try world.ledger.eventCount()
        try browser.open(base + "/sessions/1", path: "/sessions/1")
        _ = try browser.evaluate("document.querySelector('#mode').value = 'preview'")
        try browser.submit("form[action='/sessions/1/configure']")
        try browser.waitUntil("document.body.innerText.includes('nothing was pushed')", what: "the dry run")
        expect(try browser.text().contains("neighbor 206.126.236.68 remote-as 16509"), "try browser.text().contains(\"neighbor 206.126.236.68 remote-as 16509\")")
        try browser.screenshot(to: screenshots.appendingPathComponent("console-dry-run.png"))
        expect(try world.ledger.eventCount() == beforeDryRun, "try world.ledger.eventCount() == beforeDryRun")
        // Both changes are on the audit page under alice's name.
        try browser.open(base + "/audit?actor=user%3Aalice", path: "/audit")
        let audit = try browser.text()
        expect(audit.contains("PeeringRequestSent"), "audit.contains(\"PeeringRequestSent\")")
        expect(audit.contains("SessionAdded"), "audit.contains(\"SessionAdded\")")
        expect(audit.contains("user:alice"), "audit.contains(\"user:alice\")")
        try browser.screenshot(to: screenshots.appendingPathComponent("console-audit.png"))

        // As of the moment before alice's session, the exchange shows 2 live sessions, not 3.
        let added = try world.ledger.readingNowEvents(type: SessionAdded.type)
        let before = try #require(added.dropLast().last.flatMap { Timestamp(parsing: $0.recordedAt) }).iso8601
        try browser.open(base + "/exchanges/1?as_of=\(before)", path: "/exchanges/1")
        let past = try browser.text()
        expect(past.contains("Showing the ledger as it was at \(before)"), "past.contains(\"Showing the ledger as it was at \\(before)\")")
        expect(past.contains("2 live sessions of ours"), "past.contains(\"2 live sessions of ours\")")
        try browser.open(base + "/exchanges/1", path: "/exchanges/1")
        expect(try browser.text().contains("3 live sessions of ours"), "try browser.text().contains(\"3 live sessions of ours\")")
        try browser.screenshot(to: screenshots.appendingPathComponent("console-exchange.png"))
        try browser.open(base + "/", path: "/")
        try browser.screenshot(to: screenshots.appendingPathComponent("console-dashboard.png"))
        try browser.resize(width: 390, height: 844)
        try browser.open(base + "/", path: "/")
        try browser.screenshot(to: screenshots.appendingPathComponent("console-dashboard-390.png"))
        try browser.resize(width: 1280, height: 900)

        // A form whose CSRF token was taken out is refused and changes nothing.
        let count = try world.ledger.eventCount()
        try browser.open(base + "/sessions/1", path: "/sessions/1")
        try browser.fill("#f_peer_group", "FROM-A-FORGED-FORM")
        _ = try browser.evaluate("document.querySelector('form[action=\"/sessions/1\"] input[name=csrf_token]').remove()")
        try browser.submit("form[action='/sessions/1']")
        try browser.waitUntil("document.body.innerText.includes('CSRF token')", what: "the CSRF refusal")
        expect(try world.ledger.eventCount() == count, "try world.ledger.eventCount() == count")
        // A viewer's edit is refused with a 403 page and nothing is appended.
        try browser.open(base + "/", path: "/")
        try browser.submit("form[action='/logout']")
        try browser.waitUntil("location.pathname === '/login'", what: "the login page after logout")
        try logIn(browser, base: base, user: "victor", password: victor)
        let beforeViewer = try world.ledger.eventCount()
        try browser.open(base + "/sessions/1", path: "/sessions/1")
        try browser.fill("#f_peer_group", "VIEWER-GROUP")
        try browser.submit("form[action='/sessions/1']")
        try browser.waitUntil("document.body.innerText.includes('User victor is a viewer')", what: "the viewer's refusal")
        expect(try world.ledger.eventCount() == beforeViewer, "try world.ledger.eventCount() == beforeViewer")
        return problems
    }

    static func logIn(_ browser: HeadlessChromium, base: String, user: String, password: String) throws {
        try browser.open(base + "/login", path: "/login")
        try browser.fill("#user", user)
        try browser.fill("#password", password)
        try browser.submit("form[action='/login']")
        try browser.waitUntil("location.pathname === '/password' && document.readyState === 'complete'", what: "the password page")
        try browser.fill("#current", password)
        try browser.fill("#new", "\(user)-chose-this-one")
        try browser.fill("#repeat", "\(user)-chose-this-one")
        try browser.submit("form[action='/password']")
        try browser.waitUntil("document.body.innerText.includes('Your password was changed')", what: "the password changed")
    }
}
