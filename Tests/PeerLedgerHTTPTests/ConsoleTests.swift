import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PeerLedger
@testable import PeerLedgerConsole
import PeerLedgerDomain
import PeerLedgerHTTP
import PeerLedgerRouters
import PeerLedgerTestSupport
import Testing

/// The console over HTTP (Hummingbird's router testing): login, the one-time password, lockout,
/// CSRF, roles, the actor of a console change, version conflicts and "as of".
@Suite("Console")
struct ConsoleTests {
    static func withConsole<Value>(_ world: ConsoleWorld, _ body: @Sendable (ConsoleClient) async throws -> Value) async throws -> Value {
        try await buildApplication(
            ledger: world.ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), consolePasswordCost: ConsoleWorld.cost
        ).test(.router) { client in
            try await body(ConsoleClient(client))
        }
    }

    /// Runs `body` with a console client logged in as `user` (its one-time password replaced).
    static func loggedIn(_ user: String, _ world: ConsoleWorld, _ body: @Sendable @escaping (ConsoleClient) async throws -> Void) async throws {
        let password = try Self.password(world, user)
        try await withConsole(world) { console in
            try await console.logIn(user, password)
            try await body(console)
        }
    }

    static func password(_ world: ConsoleWorld, _ name: String) throws -> String {
        try #require(world.passwords[name])
    }

    @Test("a page without a session leads to /login; the one-time password leads to the password page, then to the dashboard")
    func loginWithOneTimePassword() async throws {
        let world = try await ConsoleWorld()
        let password = try Self.password(world, "alice")
        try await Self.withConsole(world) { console in
            let anonymous = try await console.get("/")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.location == "/login")

            let login = try await console.submit("/login", from: "/login", [("user", "alice"), ("password", password)])
            #expect(login.status == .seeOther)
            #expect(login.location == "/password")
            let session = try #require(login.setCookies.first { $0.hasPrefix("peerledger_session=") })
            #expect(session.contains("HttpOnly"))
            #expect(session.contains("SameSite=Strict"))
            #expect(!session.contains("Secure"))  // served over plain HTTP here

            // Until the one-time password is replaced, every page is the password page.
            #expect(try await console.get("/").location == "/password")
            let changed = try await console.submit(
                "/password", from: "/password", [("current", password), ("new", "correct horse battery"), ("repeat", "correct horse battery")])
            #expect(changed.html.contains("Your password was changed"))

            let dashboard = try await console.get("/")
            #expect(dashboard.status == .ok)
            #expect(dashboard.html.contains("<h1>Dashboard</h1>"))
            #expect(dashboard.html.contains("6connect, Inc. (AS8038)"))
            #expect(dashboard.html.contains("Equinix Ashburn"))
        }
        let changes = try world.ledger.readingNowEvents(type: UserPasswordChanged.type)
        #expect(changes.map(\.payload) == [#"{"name":"alice"}"#])
        #expect(changes.first.map { Self.actor($0) } == "user:alice")
    }

    @Test("five wrong passwords within 15 minutes lock the user out: the right password is then refused")
    func lockoutAfterFiveFailures() async throws {
        let world = try await ConsoleWorld()
        let password = try Self.password(world, "alice")
        try await Self.withConsole(world) { console in
            for _ in 1...5 {
                let wrong = try await console.submit("/login", from: "/login", [("user", "alice"), ("password", "not-the-password")])
                #expect(wrong.status == .unauthorized)
                #expect(wrong.html.contains("Wrong user name or password"))
            }
            let locked = try await console.submit("/login", from: "/login", [("user", "alice"), ("password", password)])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.html.contains("Too many failed logins for alice"))
            #expect(locked.setCookies.allSatisfy { !$0.hasPrefix("peerledger_session=") })
            // A name no user has is refused with the same words as a wrong password.
            let nobody = try await console.submit("/login", from: "/login", [("user", "nobody"), ("password", "not-the-password")])
            #expect(nobody.status == .unauthorized)
            #expect(nobody.html.contains("Wrong user name or password"))
            // Another user is not locked out by alice's failures.
            let victor = try await console.submit("/login", from: "/login", [("user", "victor"), ("password", Self.password(world, "victor"))])
            #expect(victor.location == "/password")
        }
    }

    @Test("a login form posted without its CSRF token is refused with 403 and starts no session")
    func loginWithoutCSRFToken() async throws {
        let world = try await ConsoleWorld()
        let password = try Self.password(world, "alice")
        try await Self.withConsole(world) { console in
            _ = try await console.get("/login")
            let refused = try await console.post("/login", [("user", "alice"), ("password", password)])
            #expect(refused.status == .forbidden)
            #expect(refused.html.contains("CSRF token"))
            #expect(try await console.get("/").location == "/login")
        }
    }

    @Test("a session edit posted without its CSRF token, or with another one, is refused with 403 and appends nothing")
    func editWithoutCSRFToken() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            let before = try world.ledger.eventCount()
            let missing = try await console.post("/sessions/1", [("version", "1"), ("peer_group", "NEW-GROUP")])
            #expect(missing.status == .forbidden)
            #expect(missing.html.contains("CSRF token of your login (csrf_token)"))
            let wrong = try await console.post("/sessions/1", [("csrf_token", String(repeating: "ab", count: 32)), ("version", "1"), ("peer_group", "NEW-GROUP")])
            #expect(wrong.status == .forbidden)
            #expect(try world.ledger.eventCount() == before)
        }
    }

    @Test("a viewer who edits a session gets a 403 page and nothing is appended")
    func viewerCannotWrite() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("victor", world) { console in
            let page = try await console.get("/sessions/1")
            #expect(page.status == .ok)
            #expect(page.html.contains("LAME-PEERS"))
            let before = try world.ledger.eventCount()
            let refused = try await console.submit("/sessions/1", from: "/sessions/1", [("version", "1"), ("peer_group", "NEW-GROUP")])
            #expect(refused.status == .forbidden)
            #expect(refused.html.contains("User victor is a viewer"))
            let request = try await console.submit(
                "/exchanges/1/networks/262/request", from: "/sessions/1",
                [("email_from", "ops@6connect.com"), ("email_to", "peering@1und1.net"), ("subject", "Peering"), ("body", "Hello.")])
            #expect(request.status == .forbidden)
            #expect(try world.ledger.eventCount() == before)
        }
    }

    @Test("a session edited in the console is a SessionUpdated event whose actor is user:alice")
    func consoleEditActor() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            let saved = try await console.submit("/sessions/1", from: "/sessions/1", [("version", "1"), ("peer_group", "NEW-GROUP")])
            #expect(saved.status == .seeOther)
            #expect(saved.location == "/sessions/1?saved=1")
            #expect(try await console.get("/sessions/1").html.contains("NEW-GROUP"))
        }
        let updates = try world.ledger.readingNowEvents(type: SessionUpdated.type)
        #expect(updates.count == 1)
        #expect(updates.first.map { Self.actor($0) } == "user:alice")
        #expect(updates.first?.payload.contains("NEW-GROUP") == true)
    }

    @Test("an edit of a version that is no longer the session's shows both versions and saves nothing")
    func editConflict() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            _ = try await console.submit("/sessions/1", from: "/sessions/1", [("version", "1"), ("peer_group", "FIRST")])
            let before = try world.ledger.eventCount()
            let conflict = try await console.submit("/sessions/1", from: "/sessions/1", [("version", "1"), ("peer_group", "SECOND")])
            #expect(conflict.status == .conflict)
            #expect(conflict.html.contains("You edited version 1; the ledger is at version 2"))
            #expect(conflict.html.contains("SECOND"))
            #expect(conflict.html.contains("FIRST"))
            #expect(try world.ledger.eventCount() == before)
        }
    }

    @Test("a send-request posted by an operator records the request with actor user:alice and queues its mail")
    func sendRequestFromExchange() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            let exchange = try await console.get("/exchanges/1?status=qualified")
            #expect(exchange.html.contains("1&amp;1 Internet"))
            #expect(!exchange.html.contains("Amazon.com"))  // peered, not qualified
            let before = try world.ledger.eventCount()
            let preview = try await console.submit(
                "/exchanges/1/networks/262/request", from: "/exchanges/1/networks/262",
                [("mode", "preview"), ("email_from", "ops@6connect.com"), ("email_to", "peering@1und1.net"), ("subject", "Peering at Equinix Ashburn"), ("body", "Hello.")])
            #expect(preview.status == .ok)
            #expect(preview.html.contains("The mail as it would be sent (nothing was sent)"))
            #expect(preview.html.contains("Subject: Peering at Equinix Ashburn"))
            #expect(preview.html.contains("To: peering@1und1.net"))
            #expect(try world.ledger.eventCount() == before)
            let sent = try await console.submit(
                "/exchanges/1/networks/262/request", from: "/exchanges/1/networks/262",
                [("email_from", "ops@6connect.com"), ("email_to", "peering@1und1.net"), ("subject", "Peering at Equinix Ashburn"), ("body", "Hello.")])
            #expect(sent.status == .ok)
            #expect(sent.html.contains("Peering request 1 recorded"))
            // The exchange's page says the request is out, and since when.
            let created = try #require(try world.ledger.readingNow { reader in try reader.request(id: 1)?.created })
            let after = try await console.get("/exchanges/1?status=requested")
            #expect(after.html.contains("1&amp;1 Internet"))
            #expect(after.html.contains("<td>sent \(created)</td>"))
            #expect(Console.requestLabel("accepted", sent: created) == "accepted (sent \(created))")
        }
        let requests = try world.ledger.readingNowEvents(type: PeeringRequestSent.type)
        #expect(requests.count == 1)
        #expect(requests.first.map { Self.actor($0) } == "user:alice")
    }

    @Test("add sessions at an exchange is pre-filled with both sides' addresses from PeeringDB and adds the session")
    func addSessionFromExchange() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            let page = try await console.get("/exchanges/1/networks/262")
            #expect(page.html.contains(#"name="source_ipaddr" value="206.126.236.5""#))
            #expect(page.html.contains(#"name="peer_ipaddr" value="206.126.236.200""#))
            let added = try await console.submit(
                "/exchanges/1/networks/262/sessions", from: "/exchanges/1/networks/262",
                [("source_ipaddr", "206.126.236.5"), ("peer_ipaddr", "206.126.236.200"), ("resource_id", ""), ("peer_group", ""), ("prfx_max", "100")])
            #expect(added.location == "/sessions/2")
            let refused = try await console.submit(
                "/exchanges/1/networks/262/sessions", from: "/exchanges/1/networks/262",
                [("source_ipaddr", "206.126.236.5"), ("peer_ipaddr", "not-an-address"), ("prfx_max", "100")])
            #expect(refused.status == .badRequest)
            #expect(refused.html.contains("peer_ipaddr"))
        }
        let added = try world.ledger.readingNowEvents(type: SessionAdded.type)
        #expect(added.map { Self.actor($0) } == ["test", "user:alice"])
    }

    @Test("as_of shows a session as it was before a console edit; an as_of that is no time is refused by name")
    func asOfShowsTheEarlierState() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            let before = try #require(try world.ledger.readingNowEvents(type: SessionAdded.type).first)
            _ = try await console.submit("/sessions/1", from: "/sessions/1", [("version", "1"), ("peer_group", "NEW-GROUP")])
            let moment = try #require(Timestamp(parsing: before.recordedAt)).iso8601
            let now = try await console.get("/sessions/1")
            #expect(now.html.contains("NEW-GROUP"))
            let past = try await console.get("/sessions/1?as_of=\(moment)")
            #expect(past.status == .ok)
            #expect(past.html.contains("LAME-PEERS"))
            #expect(!past.html.contains("NEW-GROUP"))
            #expect(past.html.contains("Showing the ledger as it was at \(moment)"))
            let bad = try await console.get("/sessions/1?as_of=yesterday")
            #expect(bad.status == .badRequest)
            #expect(bad.html.contains("as_of must be a time"))
        }
    }

    @Test("the audit page filters by actor and shows each event's hash; verify reports the chain intact")
    func auditFiltersAndVerify() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("alice", world) { console in
            _ = try await console.submit("/sessions/1", from: "/sessions/1", [("version", "1"), ("peer_group", "NEW-GROUP")])
            let audit = try await console.get("/audit?actor=user%3Aalice")
            let events = try world.ledger.readingNowEvents(type: SessionUpdated.type)
            #expect(audit.html.contains("SessionUpdated"))
            #expect(audit.html.contains("UserPasswordChanged"))
            #expect(!audit.html.contains("SessionAdded"))
            #expect(audit.html.contains(try #require(events.first?.hash)))
            #expect(try await console.get("/audit/verify").html.contains("Never verified from the console."))
            let verify = try await console.submit("/audit/verify", from: "/audit/verify", [])
            #expect(verify.status == .ok)
            #expect(verify.html.contains(#"class="ok""#))
            #expect(try await console.get("/").html.contains("by user:alice (through position "))
        }
    }

    @Test("a verify run from the console is a LogVerified event of its user, and the dashboard shows it after the ledger is reopened")
    func lastVerifySurvivesARestart() async throws {
        let path = Scratch.url("console-verify-\(UUID().uuidString).sqlite").path
        let head: Int64
        do {
            let ledger = try Ledger.open(at: path)
            let password = try ConsoleAccounts.create(ledger, name: "alice", role: .viewer, metadata: EventMetadata(actor: "test"), cost: ConsoleWorld.cost).password
            head = try ledger.eventCount()
            try await buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), consolePasswordCost: ConsoleWorld.cost)
                .test(.router) { client in
                    let console = ConsoleClient(client)
                    try await console.logIn("alice", password, newPassword: "alice-chose-this-one")
                    // A viewer may verify: the record changes nothing of the peering state.
                    let verify = try await console.submit("/audit/verify", from: "/audit/verify", [])
                    #expect(verify.status == .ok)
                    #expect(verify.html.contains("OK: \(head + 1) events, hash chain intact"))
                }
        }
        // Another server on the same file: its memory is new, the log is not.
        let reopened = try Ledger.open(at: path)
        let verified = try #require(try reopened.readingNowEvents(type: LogVerified.type).last)
        #expect(verified.stream == "log")
        #expect(Self.actor(verified) == "user:alice")
        guard case let .logVerified(payload) = try LedgerEvent(verified) else { throw TestFailure("not a LogVerified: \(verified.type)") }
        #expect(payload.position == head + 1)  // the password change came first
        #expect(payload.valid)
        #expect(payload.summary.hasPrefix("OK: \(head + 1) events, hash chain intact, last hash "))
        try await buildApplication(ledger: reopened, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), consolePasswordCost: ConsoleWorld.cost)
            .test(.router) { client in
                let console = ConsoleClient(client)
                try await console.logIn("alice", "alice-chose-this-one")
                let dashboard = try await console.get("/")
                let at = try #require(Timestamp(parsing: verified.recordedAt)).iso8601
                #expect(dashboard.html.contains("Last verified \(at) by user:alice (through position \(head + 1)): OK: \(head + 1) events"))
                // As of the moment before the verify, there was none yet.
                let before = try await console.get("/?as_of=" + (try #require(Timestamp(parsing: verified.recordedAt))).advanced(bySeconds: -1).iso8601)
                #expect(before.html.contains("Never verified from the console."))
            }
    }

    @Test("the dashboard shows each router's drift as its polls recorded it, as of any moment, without reaching the router")
    func dashboardDriftOnRouters() async throws {
        let world = try await ConsoleWorld()
        try registerAR1(world.ledger)
        let router = FakeRouter()
        let poller = RouterPoller(ledger: world.ledger, connector: router)
        // Amazon's session (1) is on ar1 but was never pushed; Cloudflare's 206.126.236.220 is in no session.
        router.report([
            ObservedNeighbor(address: "206.126.236.68", remoteASN: 16509, state: .established, prefixesReceived: 180, lastError: nil),
            ObservedNeighbor(address: "206.126.236.220", remoteASN: 13335, state: .active, prefixesReceived: nil, lastError: nil),
        ])
        let first = try #require(try await poller.pollAll().first)
        #expect(first.driftRecorded)
        // The same drift again (a stranger's state flapping included) records nothing more.
        router.report([
            ObservedNeighbor(address: "206.126.236.68", remoteASN: 16509, state: .established, prefixesReceived: 180, lastError: nil),
            ObservedNeighbor(address: "206.126.236.220", remoteASN: 13335, state: .idle, prefixesReceived: nil, lastError: nil),
        ])
        #expect(try await poller.pollAll().first?.driftRecorded == false)
        let recorded = try world.ledger.readingNowEvents(type: RouterDriftObserved.type)
        #expect(recorded.map(\.stream) == ["router-422"])
        let since = try #require(Timestamp(parsing: recorded[0].recordedAt))
        // The stranger is gone: the drift changed, and what is left is recorded.
        router.report([ObservedNeighbor(address: "206.126.236.68", remoteASN: 16509, state: .established, prefixesReceived: 180, lastError: nil)])
        #expect(try await poller.pollAll().first?.driftRecorded == true)
        let latest = try #require(try world.ledger.readingNowEvents(type: RouterDriftObserved.type).last.flatMap { Timestamp(parsing: $0.recordedAt) })
        router.fail(with: .unreachable("the dashboard must not reach the router"))
        try await Self.loggedIn("victor", world) { console in
            let asOf = since.iso8601
            let past = try await console.get("/?as_of=\(asOf)")
            #expect(past.status == .ok)
            #expect(past.html.contains("<h2>Drift on routers</h2>"))
            #expect(past.html.contains("<td>ar1.inoc.com</td><td><ul class=\"drift\"><li>neighbor 206.126.236.220 (AS13335) is in no session</li>"))
            #expect(past.html.contains(#"<li><a href="/sessions/1?as_of=\#(asOf)">session 1</a> is on ar1.inoc.com but was configured by hand</li></ul></td><td>\#(asOf)</td>"#))
            let now = try await console.get("/")
            #expect(!now.html.contains("206.126.236.220"))
            #expect(now.html.contains(#"<td>ar1.inoc.com</td><td><ul class="drift"><li><a href="/sessions/1">session 1</a> is on ar1.inoc.com but was configured by hand</li></ul></td><td>\#(latest.iso8601)</td>"#))
            let before = try await console.get("/?as_of=\(since.advanced(bySeconds: -1).iso8601)")
            #expect(before.html.contains("<td>ar1.inoc.com</td><td><span class=\"muted\">none recorded</span></td>"))
            // The routers page shows the same recorded drift, as of the same moments.
            let routers = try await console.get("/routers")
            #expect(routers.html.contains(#"<td><ul class="drift"><li><a href="/sessions/1">session 1</a> is on ar1.inoc.com but was configured by hand</li></ul></td>"#))
            let routersPast = try await console.get("/routers?as_of=\(asOf)")
            #expect(routersPast.html.contains("<li>neighbor 206.126.236.220 (AS13335) is in no session</li>"))
        }
    }

    @Test("users are events without their password or hash; a disabled user cannot log in")
    func usersAreEventsWithoutSecrets() async throws {
        let world = try await ConsoleWorld()
        let password = try Self.password(world, "alice")
        let created = try world.ledger.readingNowEvents(type: UserCreated.type)
        #expect(created.map(\.payload) == [#"{"name":"alice","role":"operator"}"#, #"{"name":"victor","role":"viewer"}"#])
        _ = try world.ledger.disableConsoleUser("alice", metadata: EventMetadata(actor: "test"))
        #expect(try world.ledger.consoleUsers().first { $0.name == "alice" }?.isDisabled == true)
        try await Self.withConsole(world) { console in
            let refused = try await console.submit("/login", from: "/login", [("user", "alice"), ("password", password)])
            #expect(refused.status == .unauthorized)
        }
        let everything = try world.ledger.readingNowEvents(type: nil)
        #expect(everything.allSatisfy { !$0.payload.contains(password) && !$0.payload.contains("$2") })
        #expect(throws: Refusal.self) { try world.ledger.createConsoleUser(name: "Bad Name", role: .viewer, passwordHash: "x", metadata: EventMetadata(actor: "test")) }
    }

    @Test("the network page shows its PeeringDB record, contacts, our session at each common exchange and the record's changes")
    func networkPage() async throws {
        let world = try await ConsoleWorld()
        try await Self.loggedIn("victor", world) { console in
            let page = try await console.get("/networks/1418")
            #expect(page.status == .ok)
            #expect(page.html.contains("<h1>Amazon.com (AS16509)</h1>"))
            #expect(page.html.contains(#"<a href="/sessions/1">Session 1</a>: 206.126.236.68"#))
            #expect(page.html.contains("Restrictive"))
            #expect(page.html.contains("<td>(created)</td>"))
            // A change of the record is shown field by field, with the value before and after.
            _ = try world.ledger.writeNow(EventMetadata(actor: "test")) { tx in
                try tx.append(
                    .peeringDBObjectChanged(.init(objectType: .net, objectID: 1418, changes: [
                        "info_prefixes4": .init(from: .int(5000), to: .int(6000)), "policy_general": .init(from: .text("Restrictive"), to: .text("Selective")),
                    ])), to: PeeringDBObjectType.net.stream(1418), expecting: .any)
            }
            let changed = try await console.get("/networks/1418")
            #expect(changed.html.contains("<td>info_prefixes4</td><td>5000</td><td>6000</td>"))
            #expect(changed.html.contains("<td>policy_general</td><td>Restrictive</td><td>Selective</td>"))
            let missing = try await console.get("/networks/99999")
            #expect(missing.status == .notFound)
            #expect(missing.html.contains("PeeringDB knows no network 99999"))
            let bad = try await console.get("/networks/-3")
            #expect(bad.status == .badRequest)
        }
    }

    @Test("the routers page lists each router; a session down now is on the dashboard since it left established, with its timeline and prefix chart")
    func routersAndStates() async throws {
        let world = try await ConsoleWorld()
        try registerAR1(world.ledger)
        var observedAt: [String] = []
        for (state, prefixes, error) in [("established", 180, nil), ("established", 195, nil), ("idle", 0, "Hold timer expired")] as [(String, Int64, String?)] {
            let event = try await world.ledger.write(EventMetadata(actor: "test")) { transaction in
                try transaction.append(
                    .sessionStateObserved(SessionStateObserved(sessionID: 1, routerID: 422, state: state, prefixesReceived: prefixes, lastError: error)),
                    to: Session.stream(1), expecting: .exactly(try transaction.version(of: Session.stream(1)) ?? 0))
            }
            observedAt.append(event.recordedAt)
        }
        let downSince = try #require(Timestamp(parsing: observedAt[2])).iso8601
        try await Self.loggedIn("victor", world) { console in
            let page = try await console.get("/routers")
            #expect(page.status == .ok)
            #expect(page.html.contains("<td>422</td><td>ar1.inoc.com</td><td>frr</td><td>local</td><td>1</td>"))
            let dashboard = try await console.get("/")
            #expect(dashboard.html.contains(#"<td class="state-down">idle</td><td>\#(downSince)</td><td>Hold timer expired</td>"#))
            let session = try await console.get("/sessions/1")
            #expect(session.html.contains("<polyline points=\"0.0,17.7 300.0,10.0 600.0,110.0\""))
            #expect(session.html.contains("Hold timer expired"))
            // A dry run renders the configuration for the router and pushes nothing.
            let before = try world.ledger.eventCount()
            let preview = try await console.submit("/sessions/1/configure", from: "/sessions/1", [("mode", "preview")])
            #expect(preview.status == .forbidden)  // victor is a viewer
            #expect(try world.ledger.eventCount() == before)
        }
        let operatorPassword = try Self.password(world, "alice")
        try await Self.withConsole(world) { console in
            try await console.logIn("alice", operatorPassword)
            let before = try world.ledger.eventCount()
            let preview = try await console.submit("/sessions/1/configure", from: "/sessions/1", [("mode", "preview")])
            #expect(preview.status == .ok)
            #expect(preview.html.contains("Dry run for ar1.inoc.com: nothing was pushed."))
            #expect(preview.html.contains("neighbor 206.126.236.68 remote-as 16509"))
            #expect(!preview.html.contains("ace12345"))  // the BGP password is redacted
            let bad = try await console.submit("/sessions/1/configure", from: "/sessions/1", [("mode", "sideways")])
            #expect(bad.status == .badRequest)
            #expect(bad.html.contains("mode must be preview or push; got &#39;sideways&#39;") || bad.html.contains("mode must be preview or push"))
            #expect(try world.ledger.eventCount() == before)
            // Poll now reports what the router answered, or why it could not be read.
            let polled = try await console.submit("/routers/422/poll", from: "/routers", [])
            #expect(polled.status == .ok)
            #expect(polled.html.contains("<h2>Poll report</h2><pre role=\"status\">ar1.inoc.com: "))
            let unknown = try await console.submit("/routers/9/poll", from: "/routers", [])
            #expect(unknown.status == .notFound)
        }
    }

    @Test("a pushed configuration's difference from the one before: removed lines with -, new ones with +")
    func configurationDiff() {
        #expect(Console.lineDiff(from: nil, to: "conf t\nneighbor 206.126.236.68 remote-as 16509") == "+ conf t\n+ neighbor 206.126.236.68 remote-as 16509")
        #expect(
            Console.lineDiff(from: "conf t\nneighbor 206.126.236.68 maximum-prefix 200", to: "conf t\nneighbor 206.126.236.68 maximum-prefix 250")
                == "- neighbor 206.126.236.68 maximum-prefix 200\n+ neighbor 206.126.236.68 maximum-prefix 250")
        #expect(Console.lineDiff(from: "conf t", to: "conf t") == "(the same text as the push before)")
    }

    static func actor(_ event: RecordedEvent) -> String {
        (try? JSONDecoder().decode(EventMetadata.self, from: Data(event.metadata.utf8)))?.actor ?? ""
    }
}

extension Ledger {
    /// The log's events of `type` (every event when nil), in order.
    func readingNowEvents(type: String?) throws -> [RecordedEvent] {
        try readingNow { reader in try reader.events(matching: AuditQuery(type: type)) }
    }
}

/// `/live`: how a page showing the present learns that the ledger moved on.
@Suite("Console live updates")
struct ConsoleLiveTests {
    @Test("a page at the present carries its position and one as of a moment does not; /live sends a logged-in browser each commit after it, and refuses anyone else")
    func liveFollowsCommits() async throws {
        let world = try await ConsoleWorld()
        let password = try ConsoleTests.password(world, "alice")
        try await buildApplication(
            ledger: world.ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), consolePasswordCost: ConsoleWorld.cost
        ).test(.live) { client in
            let console = ConsoleClient(client)
            try await console.logIn("alice", password)
            let drawnAt = try world.ledger.headPosition()
            let dashboard = try await console.get("/")
            #expect(dashboard.html.contains(#"data-refresh="live" data-position="\#(drawnAt)""#))
            let exchange = try await console.get("/exchanges/1")
            #expect(exchange.html.contains(#"data-refresh="live" data-position="\#(drawnAt)""#))
            let past = try await console.get("/?as_of=2000-01-01T00:00:00Z")
            #expect(past.html.contains(#"data-refresh="off""#))
            let port = try #require(client.port)

            let anonymous = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            await anonymous.send("GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await anonymous.readHead()?.status == 401)
            anonymous.disconnect()

            let badAfter = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            await badAfter.send("GET /live?after=-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(console.cookieHeader)\r\n\r\n")
            #expect(await badAfter.readHead()?.status == 400)
            badAfter.disconnect()

            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            await connection.send("GET /live?after=\(drawnAt) HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(console.cookieHeader)\r\n\r\n")
            let head = try #require(await connection.readHead(), "no answer to /live")
            #expect(head.status == 200)
            #expect(head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(await connection.readServerSentEvent() == RawHTTPConnection.ServerSentEvent(comments: ["after \(drawnAt)"]))
            _ = try world.ledger.createAPIKey(name: "live-test", scope: .read, metadata: EventMetadata(actor: "test"))
            let commit = await connection.readServerSentEvent()
            #expect(commit == RawHTTPConnection.ServerSentEvent(event: "commit", data: "\(drawnAt + 1)"))
            connection.disconnect()
        }
    }
}

/// Every form control on every page is labelled, so a screen reader names it and a click on the
/// label focuses it.
@Suite("Console accessibility")
struct ConsoleAccessibilityTests {
    /// The form controls of `html` that have no `<label for=…>` naming their id (hidden inputs and
    /// buttons need none; `aria-label` names a control too).
    static func unlabelled(_ html: String) throws -> [String] {
        let labelled = Set(
            html.matches(of: try Regex(#"<label[^>]*\bfor="([^"]+)""#)).compactMap { $0.output[1].substring.map(String.init) })
        var missing: [String] = []
        for match in html.matches(of: try Regex(#"<(input|select|textarea)\b[^>]*>"#)) {
            let tag = String(html[match.range])
            if tag.contains(#"type="hidden""#) || tag.contains(#"type="submit""#) || tag.contains("aria-label=") { continue }
            let id = try tag.firstMatch(of: Regex(#"\bid="([^"]+)""#))?.output[1].substring.map(String.init)
            if let id, labelled.contains(id) { continue }
            missing.append(tag)
        }
        return missing
    }

    @Test("every input, select and textarea on every console page has a label")
    func everyControlHasALabel() async throws {
        let world = try await ConsoleWorld()
        let login = try await ConsoleTests.withConsole(world) { console in try await console.get("/login") }
        #expect(try Self.unlabelled(login.html).isEmpty, "/login")
        try await ConsoleTests.loggedIn("alice", world) { console in
            let pages = [
                "/", "/exchanges", "/exchanges/1", "/exchanges/1/networks/262", "/networks/1418", "/sessions/1", "/routers", "/audit",
                "/password", "/?as_of=2000-01-01T00:00:00Z",
            ]
            for path in pages {
                let page = try await console.get(path)
                #expect(page.status == .ok, "\(path)")
                let missing = try Self.unlabelled(page.html)
                #expect(missing.isEmpty, "\(path): \(missing)")
            }
        }
        // The check itself finds a control without a label.
        #expect(try Self.unlabelled(#"<label for="a">A</label><input id="a" name="a"><input id="b" name="b">"#) == [#"<input id="b" name="b">"#])
    }
}

/// `/users`: admins manage the console's users from the console.
@Suite("Console users page")
struct ConsoleUsersPageTests {
    @Test("an admin creates a user whose one-time password, shown once, logs in, and disables one whose login ends at once; an operator is refused and nothing is appended")
    func adminManagesUsers() async throws {
        let world = try await ConsoleWorld()
        let adminPassword = try ConsoleAccounts.create(
            world.ledger, name: "ada", role: .admin, metadata: EventMetadata(actor: "test"), cost: ConsoleWorld.cost
        ).password
        try await ConsoleTests.loggedIn("alice", world) { console in
            #expect(try await console.get("/users").status == .forbidden)
            #expect(!(try await console.get("/").html.contains(#"href="/users""#)))
            let before = try world.ledger.eventCount()
            let refused = try await console.submit("/users", from: "/", [("name", "mallory"), ("role", "admin")])
            #expect(refused.status == .forbidden)
            #expect(try world.ledger.eventCount() == before)
        }
        let victorPassword = try ConsoleTests.password(world, "victor")
        try await ConsoleTests.withConsole(world) { admin in
            try await admin.logIn("ada", adminPassword)
            let page = try await admin.get("/users")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"href="/users""#))
            for name in ["alice", "victor", "ada"] { #expect(page.html.contains("<td>\(name)</td>")) }

            let created = try await admin.submit("/users", from: "/users", [("name", "olga"), ("role", "viewer")])
            #expect(created.status == .ok)
            let match = try #require(created.html.firstMatch(of: try Regex(#"<pre>([^<]+)</pre>"#)))
            let password = try #require(match.output[1].substring.map(String.init))
            let event = try #require(try world.ledger.readingNowEvents(type: UserCreated.type).last)
            #expect(ConsoleTests.actor(event) == "user:ada")
            #expect(event.payload == #"{"name":"olga","role":"viewer"}"#)
            #expect(!(try world.ledger.readingNowEvents(type: UserCreated.type).contains { $0.payload.contains(password) }))
            let olga = ConsoleClient(admin.client)
            try await olga.logIn("olga", password)
            #expect(try await olga.get("/").status == .ok)

            let victor = ConsoleClient(admin.client)
            try await victor.logIn("victor", victorPassword)
            #expect(try await victor.get("/").status == .ok)
            let disabled = try await admin.submit("/users/victor/disable", from: "/users", [])
            #expect(disabled.status == .ok)
            #expect(disabled.html.contains("User victor is disabled"))
            #expect(try await victor.get("/").location == "/login")
            #expect(try world.ledger.readingNowEvents(type: UserDisabled.type).last.map { ConsoleTests.actor($0) } == "user:ada")

            let before = try world.ledger.eventCount()
            #expect(try await admin.submit("/users/ada/disable", from: "/users", []).status == .badRequest)
            let badRole = try await admin.submit("/users", from: "/users", [("name", "pat"), ("role", "root")])
            #expect(badRole.status == .badRequest)
            #expect(badRole.html.contains("role must be one of viewer, operator, admin"))
            #expect(try await admin.submit("/users", from: "/users", [("name", "olga"), ("role", "viewer")]).status == .badRequest)
            #expect(try world.ledger.eventCount() == before)
        }
    }

    @Test("a user disabled from the command line is logged out of the console at their next request")
    func disabledElsewhereIsLoggedOut() async throws {
        let world = try await ConsoleWorld()
        try await ConsoleTests.loggedIn("victor", world) { console in
            #expect(try await console.get("/").status == .ok)
            _ = try world.ledger.disableConsoleUser("victor", metadata: EventMetadata(actor: "cli:root"))
            #expect(try await console.get("/").location == "/login")
        }
    }
}
