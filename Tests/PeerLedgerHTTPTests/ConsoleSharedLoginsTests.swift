import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PeerLedger
@testable import PeerLedgerConsole
import PeerLedgerDomain
import PeerLedgerHTTP
import PeerLedgerPostgres
import PeerLedgerTestSupport
import Testing

/// Console logins on nodes that follow one PostgreSQL log: a browser sent to any node by a load
/// balancer stays logged in, and a logout or a lockout holds on every node.
@Suite(
    "Console logins shared by the nodes of one PostgreSQL log",
    .enabled(if: postgresAvailable, Comment(rawValue: "needs PostgreSQL 15's server programs and root: \(postgresMissing ?? "")")))
struct ConsoleSharedLoginsTests {
    /// Two nodes (in-memory ledgers following the log, each with its own console) and the
    /// one-time password of the operator `alice`, made through the first.
    static func withTwoNodes(_ body: @Sendable (_ a: any TestClientProtocol, _ b: any TestClientProtocol, _ password: String) async throws -> Void)
        async throws
    {
        try await withPostgresDatabase { url in
            let stores = [try await PostgresEventStore.connect(url: url), try await PostgresEventStore.connect(url: url)]
            do {
                var ledgers: [Ledger] = []
                for store in stores {
                    let ledger = try Ledger.inMemory()
                    try await ledger.follow(store)
                    ledgers.append(ledger)
                }
                let password = try ConsoleAccounts.create(
                    ledgers[0], name: "alice", role: .operator, metadata: EventMetadata(actor: "test"), cost: ConsoleWorld.cost
                ).password
                let (first, second) = (ledgers[0], ledgers[1])
                try await Self.app(first).test(.router) { a in
                    try await Self.app(second).test(.router) { b in try await body(a, b, password) }
                }
            } catch {
                for store in stores { await store.close() }
                throw error
            }
            for store in stores { await store.close() }
        }
    }

    static func app(_ ledger: Ledger) throws -> some ApplicationProtocol {
        try buildApplication(
            ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), consolePasswordCost: ConsoleWorld.cost)
    }

    @Test("a login made through one node is a login on the other; a logout through the other ends it on both")
    func loginsAndLogoutsHoldOnEveryNode() async throws {
        try await Self.withTwoNodes { a, b, password in
            let onA = ConsoleClient(a)
            #expect(try await onA.get("/").location == "/login")
            try await onA.logIn("alice", password)
            #expect(try await onA.get("/").status == .ok)

            let onB = ConsoleClient(b, cookiesOf: onA)
            let dashboard = try await onB.get("/")
            #expect(dashboard.status == .ok, "\(dashboard.location ?? "") \(dashboard.html.prefix(200))")
            #expect(dashboard.location == nil)
            // The login's CSRF token, shared with it, lets B take A's forms: the logout.
            let out = try await onB.submit("/logout", from: "/", [])
            #expect(out.location == "/login")
            #expect(try await ConsoleClient(a, cookiesOf: onA).get("/").location == "/login")
        }
    }

    @Test("a password changed through one node ends the user's other logins on every node and frees the one that changed it")
    func aPasswordChangeHoldsOnEveryNode() async throws {
        try await Self.withTwoNodes { a, b, password in
            let first = ConsoleClient(a)
            #expect(try await first.submit("/login", from: "/login", [("user", "alice"), ("password", password)]).location == "/password")
            let second = ConsoleClient(b)
            #expect(try await second.submit("/login", from: "/login", [("user", "alice"), ("password", password)]).location == "/password")
            // Both logins are held back to the password page, through either node.
            #expect(try await ConsoleClient(b, cookiesOf: first).get("/").location == "/password")

            let changed = try await first.submit(
                "/password", from: "/password", [("current", password), ("new", "a-long-new-password"), ("repeat", "a-long-new-password")])
            #expect(changed.status == .ok)
            #expect(changed.html.contains("Your password was changed"))

            #expect(try await ConsoleClient(b, cookiesOf: first).get("/").status == .ok)
            #expect(try await first.get("/").status == .ok)
            #expect(try await second.get("/").location == "/login")
            #expect(try await ConsoleClient(a, cookiesOf: second).get("/").location == "/login")
        }
    }

    @Test("failed logins through either node count toward one lockout")
    func lockoutCountsFailuresOnEveryNode() async throws {
        try await Self.withTwoNodes { a, b, password in
            for attempt in 0..<5 {
                let node = ConsoleClient(attempt % 2 == 0 ? a : b)
                let refused = try await node.submit("/login", from: "/login", [("user", "alice"), ("password", "wrong-\(attempt)")])
                #expect(refused.status == .unauthorized)
            }
            // The right password is refused now, through either node.
            for node in [a, b] {
                let locked = try await ConsoleClient(node).submit("/login", from: "/login", [("user", "alice"), ("password", password)])
                #expect(locked.status == .tooManyRequests)
            }
        }
    }
}

/// Logins when the nodes' shared store does not answer: none is granted, none is kept.
struct ConsoleLoginsWithoutTheirStoreTests {
    /// A store that never answers (PostgreSQL unreachable).
    struct Unreachable: SharedConsoleSessions {
        struct Down: Error {}
        func keep(_ session: SharedConsoleSession) async throws { throw Down() }
        func session(idHash: String) async throws -> SharedConsoleSession? { throw Down() }
        func end(idHash: String) async throws { throw Down() }
        func endAll(user: String) async throws { throw Down() }
        func passwordChanged(user: String, keepingIDHash idHash: String) async throws { throw Down() }
        func recordFailure(user: String, at moment: Timestamp) async throws { throw Down() }
        func failures(user: String, after moment: Timestamp) async throws -> Int { throw Down() }
        func prune(startedBefore moment: Timestamp, failuresBefore: Timestamp) async throws { throw Down() }
    }

    @Test("with the shared store unreachable a login is not started, and no cookie finds a login")
    func noLoginWithoutTheStore() async throws {
        let sessions = ConsoleSessions(shared: { Unreachable() })
        let now = Timestamp(millis: 1_800_000_000_000)
        #expect(await sessions.start(user: "alice", role: .operator, mustChangePassword: false, now: now) == nil)
        #expect(await sessions.session(ConsoleSessions.randomToken(), now: now) == nil)
        #expect(await sessions.isLockedOut("alice", now: now) == false)
    }
}
