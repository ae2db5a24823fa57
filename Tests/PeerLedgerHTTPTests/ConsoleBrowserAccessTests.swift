import Foundation
import HummingbirdTesting
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// The console in headless Chromium for a person who uses only the keyboard, and on a phone's
/// screen (390 px) as on a laptop's (1280 px). Screenshots go where `ConsoleBrowserTests` puts its own.
@Suite("Console in Chromium: keyboard and widths")
struct ConsoleBrowserAccessTests {
    /// The main navigation of an operator, in the order Tab reaches it from the top of a page.
    static let operatorTabOrder = [
        "a:Skip to content", "a:PeerLedger", "a:Dashboard", "a:Exchanges", "a:Routers", "a:Audit", "a:Password", "button:Log out",
    ]

    @Test(
        "a keyboard user logs in with Tab and Enter, reaches the main navigation in order with a visible focus, skips to the content and verifies the log",
        .enabled(if: HeadlessChromium.path != nil, "chromium is not installed (apt-get install chromium)"))
    func keyboardOnly() async throws {
        let world = try await ConsoleWorld()
        let alice = try #require(world.passwords["alice"])
        try FileManager.default.createDirectory(at: ConsoleBrowserTests.screenshots, withIntermediateDirectories: true)
        try await withLiveServer(world.ledger) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let problems = try await offPool {
                let browser = try HeadlessChromium(width: 1280, height: 900)
                defer { browser.close() }
                return try Self.useByKeyboard(browser, base: base, world: world, password: alice)
            }
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    static func useByKeyboard(_ browser: HeadlessChromium, base: String, world: ConsoleWorld, password: String) throws -> [String] {
        var problems: [String] = []
        func expect(_ holds: Bool, _ what: String, line: Int = #line) {
            if !holds { problems.append("line \(line): \(what)") }
        }
        // The login page: the skip link first, then the brand, then the form's fields.
        try browser.open(base + "/login", path: "/login")
        let toUser = try browser.tab(to: "input:user")
        expect(toUser == ["a:Skip to content", "a:PeerLedger", "input:user"], "Tab order on /login: \(toUser)")
        expect(try browser.focusIsVisible(), "the user field shows its focus")
        try browser.type("alice")
        try browser.press(.tab)
        expect(try browser.focused() == "input:password", "Tab from the user field reaches the password")
        try browser.type(password)
        try browser.press(.enter)
        try browser.waitUntil("location.pathname === '/password'", what: "the password page after a login by Enter")
        // The one-time password replaced by keyboard too.
        _ = try browser.tab(to: "input:current")
        try browser.type(password)
        try browser.press(.tab)
        try browser.type("alice-typed-this-one")
        try browser.press(.tab)
        try browser.type("alice-typed-this-one")
        try browser.press(.enter)
        try browser.waitUntil("document.body.innerText.includes('Your password was changed')", what: "the password changed by Enter")

        // The dashboard: every stop of the navigation, in order, shows where the focus is.
        try browser.open(base + "/", path: "/")
        var order: [String] = []
        for index in operatorTabOrder.indices {
            try browser.press(.tab)
            order.append(try browser.focused())
            expect(try browser.focusIsVisible(), "\(operatorTabOrder[index]) shows a visible focus")
            if index == 0 { try browser.screenshot(to: ConsoleBrowserTests.screenshots.appendingPathComponent("console-skip-link.png")) }
        }
        expect(order == operatorTabOrder, "Tab order on /: \(order)")
        // The skip link moves the focus to the content: the next Tab is the page's first control.
        try browser.open(base + "/", path: "/")
        try browser.press(.tab)
        try browser.press(.enter)
        try browser.waitUntil("document.activeElement === document.getElementById('main')", what: "the focus on the content after the skip link")
        try browser.press(.tab)
        expect(try browser.focused() == "input:as_of", "after the skip link, Tab reaches the as-of field, not the navigation")
        // A navigation link followed with Enter.
        try browser.open(base + "/", path: "/")
        _ = try browser.tab(to: "a:Audit")
        try browser.press(.enter)
        try browser.waitUntil("location.pathname === '/audit'", what: "the audit page reached by Enter")
        // Verify the log with the keyboard: it is recorded under alice's name.
        _ = try browser.tab(to: "button:Verify the hash chain", limit: 40)
        expect(try browser.focusIsVisible(), "the verify button shows its focus")
        try browser.press(.enter)
        try browser.waitUntil("document.body.innerText.includes('hash chain intact')", what: "the verify's outcome")
        let verified = try world.ledger.readingNowEvents(type: LogVerified.type)
        expect(verified.map { ConsoleTests.actor($0) } == ["user:alice"], "the verify recorded as alice's: \(verified.map { ConsoleTests.actor($0) })")
        return problems
    }

    /// The pages checked at each width: the dashboard, an exchange, a network there, a session
    /// (with its state timeline and chart), the routers and the audit log (every detail opened).
    static let pages = ["/", "/exchanges/1", "/exchanges/1/networks/262", "/sessions/1", "/routers", "/audit"]

    @Test(
        "at 390 and at 1280 px wide no console page scrolls sideways: wide tables scroll inside their own box",
        .enabled(if: HeadlessChromium.path != nil, "chromium is not installed (apt-get install chromium)"))
    func readableAt390And1280() async throws {
        let world = try await ConsoleWorld()
        try registerAR1(world.ledger)
        _ = try await APIv1(ledger: world.ledger).call(akamai, actor: "test")
        for (state, prefixes, error) in [("established", 180, nil), ("idle", 0, "Hold timer expired")] as [(String, Int64, String?)] {
            _ = try await world.ledger.write(EventMetadata(actor: "routers-poll")) { transaction in
                try transaction.append(
                    .sessionStateObserved(SessionStateObserved(sessionID: 1, routerID: 422, state: state, prefixesReceived: prefixes, lastError: error)),
                    to: Session.stream(1), expecting: .exactly(try transaction.version(of: Session.stream(1)) ?? 0))
            }
        }
        let alice = try #require(world.passwords["alice"])
        try FileManager.default.createDirectory(at: ConsoleBrowserTests.screenshots, withIntermediateDirectories: true)
        try await withLiveServer(world.ledger) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let overflows = try await offPool {
                let browser = try HeadlessChromium(width: 1280, height: 900)
                defer { browser.close() }
                try ConsoleBrowserTests.logIn(browser, base: base, user: "alice", password: alice)
                var found: [String] = []
                for width in [390, 1280] {
                    try browser.resize(width: width, height: width < 600 ? 844 : 900)
                    for page in Self.pages {
                        try browser.open(base + page, path: String(page.split(separator: "?")[0]))
                        _ = try browser.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; })")
                        let wide = try browser.evaluate(Self.overflow(width)) as? String ?? "the page could not be measured"
                        if !wide.isEmpty { found.append("\(page) at \(width) px: \(wide)") }
                        let name = page == "/" ? "dashboard" : page.split(separator: "/").joined(separator: "-")
                        try browser.screenshot(to: ConsoleBrowserTests.screenshots.appendingPathComponent("console-\(name)-\(width).png"))
                    }
                }
                return found
            }
            #expect(overflows.isEmpty, "\(overflows.joined(separator: "\n"))")
        }
    }

    /// Empty when the page is no wider than `width`; otherwise its width and the elements that
    /// stick out (outside any box that scrolls sideways). `width` is the screen's, not
    /// `innerWidth`: a phone's browser zooms out of a page too wide, which widens `innerWidth`.
    static func overflow(_ width: Int) -> String {
        """
        (function () {
          var width = \(width), page = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
          if (page <= width) { return ''; }
          var out = [];
          document.querySelectorAll('body *').forEach(function (e) {
            if (out.length >= 5 || e.getBoundingClientRect().right <= width + 1) { return; }
            for (var p = e.parentElement; p; p = p.parentElement) {
              var x = getComputedStyle(p).overflowX;
              if (x === 'auto' || x === 'scroll' || x === 'hidden') { return; }
            }
            out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' to ' + Math.round(e.getBoundingClientRect().right));
          });
          return 'page ' + page + ' px on a screen of ' + width + ': ' + out.join(', ');
        })()
        """
    }
}
