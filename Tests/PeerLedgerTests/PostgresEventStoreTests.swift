import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerPostgres

/// A PostgreSQL store on a new, empty database of the tests' throw-away cluster, closed after
/// `body`; `body` gets the database's URL too.
func withPostgresStore<T>(
    clock: any LedgerClock = SystemClock(), _ body: (PostgresEventStore, String) async throws -> T
) async throws -> T {
    try await withPostgresDatabase { url in
        let store = try await PostgresEventStore.connect(url: url, clock: clock)
        do {
            let value = try await body(store, url)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }
}

let postgresNeeded = Comment(rawValue: "needs PostgreSQL 15's server programs and root: \(postgresMissing ?? "")")

/// The event-store conformance suite's own test bodies, run on PostgreSQL.
@Suite("Event store conformance on PostgreSQL", .enabled(if: postgresAvailable, postgresNeeded))
struct PostgresEventStoreConformanceTests {
    @Test("appended events are read back in order, by position and by stream, with the head after them")
    func appendAndRead() async throws {
        try await withPostgresStore { store, _ in try await EventStoreConformanceTests.appendAndRead(store) }
    }

    @Test("options=-c search_path=… in the URL keeps a ledger in a schema of its own: two ledgers in one database do not see each other")
    func ledgersInSchemasOfTheirOwn() async throws {
        try await withPostgresDatabase { url in
            let cluster = try await PostgresCluster.shared()
            let database = String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
            _ = try await cluster.psql("CREATE SCHEMA east; CREATE SCHEMA west;", database: database)
            let east = try await PostgresEventStore.connect(url: "\(url)&options=-c%20search_path%3Deast")
            let west = try await PostgresEventStore.connect(url: "\(url)&options=-c%20search_path%3Dwest")
            try await EventStoreConformanceTests.appendThree(east)
            #expect(try await east.head().position == 3)
            #expect(try await west.head().position == 0)
            await east.close()
            await west.close()
            let tables = try await cluster.psql(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'events' ORDER BY 1", database: database)
            #expect(tables.split(separator: "\n").map(String.init) == ["east", "west"])
        }
    }

    @Test("an append at a stale expected version is a conflict and appends nothing")
    func conflicts() async throws {
        try await withPostgresStore { store, _ in try await EventStoreConformanceTests.conflicts(store) }
    }

    @Test("concurrent writers leave a gap-free log, and of those expecting one version exactly one wins")
    func concurrentWriters() async throws {
        try await withPostgresStore { store, _ in try await EventStoreConformanceTests.concurrentWriters(store) }
    }

    @Test("an idempotency key repeats its first outcome with the same fingerprint and refuses another")
    func idempotency() async throws {
        try await withPostgresStore { store, _ in try await EventStoreConformanceTests.idempotency(store) }
    }

    @Test("the hash chain verifies, and one altered byte is found at its position")
    func tamperingIsFound() async throws {
        try await withPostgresStore { store, _ in
            try await EventStoreConformanceTests.tamperingIsFound(store) { position in
                // The append-only trigger disabled (as its owner may), one byte of a payload changed.
                try await store.executeUnchecked("""
                    ALTER TABLE events DISABLE TRIGGER events_refuse_update;
                    UPDATE events SET payload = replace(payload, '16509', '16508') WHERE position = \(position);
                    """)
            }
        }
    }

    @Test("a secret is kept apart: the log holds its ref, never its value")
    func secretsStayOutOfTheLog() async throws {
        try await withPostgresStore { store, _ in try await EventStoreConformanceTests.secretsStayOutOfTheLog(store) }
    }

    @Test("a write is read by the next read, from any reader")
    func readYourWrites() async throws {
        try await withPostgresStore { store, _ in try await EventStoreConformanceTests.readYourWrites(store) }
    }
}

/// What the PostgreSQL store guarantees beyond the shared suite: the same bytes and hashes as
/// SQLite, a log its triggers keep append-only, several connections writing one log, and its
/// migrations.
@Suite("PostgreSQL event store", .enabled(if: postgresAvailable, postgresNeeded))
struct PostgresEventStoreTests {
    typealias Conformance = EventStoreConformanceTests
    static let start = Timestamp(parsing: "2026-11-20 09:00:00")!

    @Test("an event appended on PostgreSQL has the bytes and hash SQLite gives the same event, metadata, time and predecessor")
    func sameHashesAsSQLite() async throws {
        // A clock that stands still: both stores record the same time however often they read it.
        let sqlite = try Ledger.inMemory(clock: SteppingClock(start: Self.start, stepMillis: 0), ids: SequentialIDs())
        try await withPostgresStore(clock: SteppingClock(start: Self.start, stepMillis: 0)) { postgres, _ in
            for store in [sqlite as any EventStore, postgres as any EventStore] {
                try await Conformance.appendThree(store)
            }
            let onSQLite = try await sqlite.events(after: 0, limit: 10)
            let onPostgres = try await postgres.events(after: 0, limit: 10)
            #expect(onSQLite.count == 3)
            #expect(onPostgres == onSQLite)
            #expect(onPostgres.map(\.hash) == onSQLite.map(\.hash))
            #expect(try await postgres.head() == sqlite.head())
        }
    }

    @Test("UPDATE, DELETE and TRUNCATE of the log are refused by its triggers, and its heads move only with it")
    func appendOnly() async throws {
        try await withPostgresStore { store, _ in
            try await Conformance.appendThree(store)
            for statement in [
                "UPDATE events SET payload = '{}' WHERE position = 1", "DELETE FROM events WHERE position = 3",
                "TRUNCATE events CASCADE", "UPDATE log_head SET position = 2", "DELETE FROM stream_heads",
                "INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash) VALUES (9, 's', 1, 'T', 1, '{}', '{}', '', '', 'x')",
            ] {
                let error = await #expect(throws: PostgresStoreError.self, Comment(rawValue: statement)) {
                    try await store.executeUnchecked(statement)
                }
                // insufficient_privilege from the append-only triggers, check_violation from the gap check.
                #expect(["42501", "23514"].contains(error?.sqlState), "\(statement): \(String(describing: error))")
            }
            let report = try await store.verify()
            #expect(report.isValid, "\(report.summary)")
            #expect(report.events == 3)
        }
    }

    @Test("the log's table is indexed by position alone; an event whose hash repeats an earlier one is found by verify at its position")
    func hashesAreCheckedByVerifyNotByAnIndex() async throws {
        try await withPostgresStore { store, _ in
            let indexes = try await store.read("SELECT indexdef FROM pg_indexes WHERE tablename = 'events' ORDER BY indexname")
                .map { try $0.decode(String.self) }
            #expect(indexes.count == 1, "\(indexes)")
            #expect(indexes.first?.contains("(\"position\")") == true, "\(indexes)")

            try await Conformance.appendThree(store)
            // A fourth event that follows the head (its prev_hash is the head's hash) but carries
            // the first event's hash: the insert takes it, and verify names it.
            try await store.executeUnchecked("""
                INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at,
                                    prev_hash, hash, previous_in_stream)
                SELECT 4, 'session-9', 1, 'SessionNoted', 1, '{}', '{}', '', l.hash, e.hash, NULL
                FROM log_head l, events e WHERE e.position = 1
                """)
            #expect(try await store.head().position == 4)
            let report = try await store.verify()
            #expect(!report.isValid)
            #expect(report.firstBad?.position == 4, "\(report.summary)")
            #expect(report.firstBad?.reason.contains("hash does not match the event's content") == true, "\(report.summary)")
            #expect(report.events == 3, "\(report.summary)")
        }
    }

    /// The heads are read by their keys whatever the planner knew when it planned a statement
    /// (`Migrations/postgres/0013_heads_read_by_their_keys.sql`). `log_head` keeps one row, but
    /// every event's insert writes a new version of it, and none written inside a running
    /// transaction can be pruned: a bulk append leaves the table many pages long. `log_append`'s
    /// plan is made once per connection: one made while `stream_heads` was empty must still look
    /// a stream's head up by its key once the table holds thousands.
    @Test("log_head grown many pages long and stream_heads grown from empty are read by their keys, never scanned whole")
    func theHeadsAreReadByTheirKeys() async throws {
        try await withPostgresStore { store, _ in
            // The reader's connection plans `log_append` while `stream_heads` is empty (rolled back).
            _ = try await store.read("BEGIN")
            let first = try await store.read("\(unescaped: Self.appendOne(at: 1, to: "first", version: 1, after: RecordedEvent.genesisHash))")
            _ = try await store.read("ROLLBACK")
            #expect(try first.first?.decode(Int64.self) == 1)

            // Then one transaction of 2,000 events, each the first of its stream.
            _ = try await store.append(Conformance.metadata, idempotency: nil, record: { _ in "" }) { log in
                for n in 1...2_000 { try log.append(Conformance.noted(Int64(n), "bulk"), to: "bulk-\(n)", expecting: .noStream) }
            }
            try await store.executeUnchecked("ANALYZE log_head")
            let pages = try await store.read("SELECT pg_relation_size('log_head') / current_setting('block_size')::bigint")
                .first?.decode(Int64.self) ?? 0
            #expect(pages >= 20, "log_head is \(pages) pages long")
            let head = try await store.head()

            // On that connection, in one transaction (rolled back), each statement that reads a
            // head; the transaction's own counts say how each table was read.
            _ = try await store.read("BEGIN")
            _ = try await store.read("\(unescaped: PostgresEventStore.HeadQuery.sql)")
            _ = try await store.read(PostgresEventStore.headLock)
            let tail = try await store.read("SELECT head_position FROM log_lock_and_tail(\(head.position), 10)")
            #expect(try tail.first?.decode(Int64.self) == head.position)
            // The procedure's lock, given a head that is not the log's: it answers false before it would commit.
            let arrays = Array(repeating: "'{}'", count: 25).joined(separator: ", ")
            let committed = try await store.read("CALL log_commit_on_head(0, '', \(unescaped: arrays), NULL)")
            #expect(try committed.first?.decode(Bool.self) == false)
            // An event continuing a stream: `log_append` finds the stream's head, and the trigger
            // moves both heads.
            let inserted = try await store.read("\(unescaped: Self.appendOne(at: head.position + 1, to: "bulk-1", version: 2, after: head.hash))")
            #expect(try inserted.first?.decode(Int64.self) == 1)
            let scans = try await store.read("""
                SELECT relname, seq_scan, idx_scan FROM pg_stat_xact_user_tables
                WHERE relname IN ('log_head', 'stream_heads') ORDER BY relname
                """).map { try $0.decode((String, Int64, Int64).self) }
            _ = try await store.read("ROLLBACK")
            #expect(scans.map(\.0) == ["log_head", "stream_heads"])
            #expect(scans.map(\.1) == [0, 0], "scanned whole: \(scans)")
            #expect(scans.first.map { $0.2 >= 6 } == true, "\(scans)")
            #expect(scans.last.map { $0.2 >= 2 } == true, "\(scans)")
            #expect(try await store.head() == head)
        }
    }

    /// `log_append` of one event of the stream `stream` (a plain name), at `position`, following the hash `after`.
    static func appendOne(at position: Int64, to stream: String, version: Int64, after: String) -> String {
        """
        SELECT log_append(ARRAY[\(position)]::bigint[], ARRAY['\(stream)'], ARRAY[\(version)]::bigint[],
                          ARRAY['SessionNoted'], ARRAY[1]::bigint[], ARRAY['{}'], ARRAY['{}'], ARRAY[''],
                          ARRAY['\(after)'], ARRAY[repeat('9', 64)])
        """
    }

    @Test("an event that does not follow its stream's head is refused by the log's insert trigger, and neither head moves",
          arguments: [
              ("session-2", 3, "2"), // the stream's head is position 3, not 2
              ("session-2", 2, "3"), // version 2 is taken: the head is version 2
              ("session-1", 1, "NULL"), // a second first event
              ("session-9", 2, "NULL"), // a stream with no head yet starts at version 1
              ("session-9", 1, "3"), // a first event names no predecessor
          ])
    func streamHeadsRefuseWhatDoesNotFollow(_ stream: String, _ version: Int, _ previous: String) async throws {
        try await withPostgresStore { store, _ in
            try await Conformance.appendThree(store)
            let statement = """
                INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at,
                                    prev_hash, hash, previous_in_stream)
                SELECT 4, '\(stream)', \(version), 'SessionNoted', 1, '{}', '{}', '', hash, repeat('4', 64), \(previous) FROM log_head
                """
            let error = await #expect(throws: PostgresStoreError.self) { try await store.executeUnchecked(statement) }
            #expect(error?.sqlState == "23514")
            #expect(error?.message.contains("version \(version) of \(stream) does not follow its stream's head") == true, "\(String(describing: error))")
            // The log's head and every stream's head are where the three events left them.
            let report = try await store.verify()
            #expect(report.isValid, "\(report.summary)")
            #expect(report.events == 3)
            #expect(try await store.head().position == 3)
        }
    }

    /// The grants docs/postgres.md gives the server's role: it appends and reads, and the
    /// privileges themselves (before any trigger) refuse it changing or removing the log or
    /// switching its triggers off.
    @Test("a role with only the documented grants appends, reads and runs nodes, and may not change, delete or unguard the log")
    func restrictedRole() async throws {
        try await withPostgresStore { owner, url in
            let role = "pl_writer_\(UInt32.random(in: 0...UInt32.max))"
            guard var parts = URLComponents(string: url) else { throw TestFailure("not a URL: \(url)") }
            let database = String(parts.path.dropFirst())
            try await owner.executeUnchecked("""
                CREATE ROLE \(role) LOGIN;
                GRANT CONNECT ON DATABASE \(database) TO \(role);
                GRANT USAGE ON SCHEMA public TO \(role);
                \(PostgresEventStore.serverRoleGrants.replacingOccurrences(of: "peerledger;", with: "\(role);"))
                """)
            parts.user = role
            let restricted = try await PostgresEventStore.connect(url: parts.string ?? url)
            do {
                try await Conformance.appendAndRead(restricted)
                for statement in [
                    "UPDATE events SET payload = '{}' WHERE position = 1", "DELETE FROM events WHERE position = 3", "TRUNCATE events",
                    "ALTER TABLE events DISABLE TRIGGER events_refuse_update", "DELETE FROM secrets", "UPDATE log_head SET position = 2",
                    "DROP TABLE events", "UPDATE ledger_migrations SET sha256 = ''",
                ] {
                    let error = await #expect(throws: PostgresStoreError.self, Comment(rawValue: statement)) {
                        try await restricted.executeUnchecked(statement)
                    }
                    // insufficient_privilege, from the grants (or, for log_head, which the role may
                    // lock, from its trigger).
                    #expect(error?.sqlState == "42501", "\(statement): \(String(describing: error))")
                }
                // Nodes on this role: a command's lock, catch-up and commit (`log_lock_and_tail`),
                // and a new node's copy of the log with its secrets (`log_tail`).
                let writer = try await FollowingPostgresTests.Node.start(parts.string ?? url)
                let id = try await writer.addSession(200, password: "s3cr3t-bgp")
                await writer.close()
                let late = try await FollowingPostgresTests.Node.start(parts.string ?? url)
                #expect(try await late.session(id)?.values[.password] == .text("s3cr3t-bgp"))
                await late.close()
                let report = try await restricted.verify()
                #expect(report.isValid, "\(report.summary)")
                #expect(report.events == 4)
            } catch {
                await restricted.close()
                throw error
            }
            await restricted.close()
        }
    }

    @Test("writers on several connections get a gap-free log, and of those expecting one version exactly one wins")
    func severalConnections() async throws {
        try await withPostgresStore { first, url in
            var connected = [first]
            for _ in 1..<4 { connected.append(try await PostgresEventStore.connect(url: url)) }
            let stores = connected
            let others = stores.dropFirst()
            do {
                try await Conformance.append(first, Conformance.added(1), to: "session-1", expecting: .noStream)
                let winners = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, store) in stores.enumerated() {
                        for writer in 0..<2 {
                            let id = Int64(100 + index * 2 + writer)
                            group.addTask {
                                try await Conformance.append(store, Conformance.added(id), to: "session-\(id)", expecting: .noStream)
                                for round in 1..<5 {
                                    try await Conformance.append(
                                        store, Conformance.noted(id, "round \(round)"), to: "session-\(id)",
                                        expecting: .exactly(Int64(round)))
                                }
                                return 0
                            }
                            group.addTask {
                                do {
                                    try await Conformance.append(
                                        store, Conformance.noted(1, "writer \(id)"), to: "session-1", expecting: .exactly(1))
                                    return 1
                                } catch let error as LedgerError {
                                    #expect(error == .conflict(stream: "session-1", expected: 1, actual: 2))
                                    return 0
                                }
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(winners == 1)
                let all = try await first.events(after: 0, limit: 1000)
                #expect(all.map(\.position) == Array(1...Int64(1 + 8 * 5 + 1)))
                #expect(try await stores[3].events(inStream: "session-1").map(\.streamVersion) == [1, 2])
                #expect(try await first.verify().isValid)
            } catch {
                for store in others { await store.close() }
                throw error
            }
            for store in others { await store.close() }
        }
    }

    @Test("the migrations are applied once, and one whose text has changed since is refused by name")
    func migrations() async throws {
        try await withPostgresStore { store, url in
            let again = try await PostgresEventStore.connect(url: url)
            await again.close()
            try await Conformance.appendThree(store)
            // Applied once: a second migration of 0001 would have failed on its CREATE TABLEs.
            #expect(try await store.head().position == 3)
            try await store.executeUnchecked(
                "UPDATE ledger_migrations SET sha256 = 'edited' WHERE file_name = '\(Migration.postgres[0].fileName)'")
            await #expect(throws: LedgerError.migrationChanged(fileName: "0001_event_log.sql")) {
                let refused = try await PostgresEventStore.connect(url: url)
                await refused.close()
            }
        }
    }
}

/// The PostgreSQL store's parts that need no server: its embedded schema and its URLs.
@Suite("PostgreSQL event store, without a server")
struct PostgresEventStoreOfflineTests {
    @Test("the binary carries every PostgreSQL migration file, in order, with its text as in Migrations/postgres/")
    func embedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Migrations/postgres")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Migration.postgres.map(\.fileName) == files)
        for migration in Migration.postgres {
            let text = try String(contentsOf: folder.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(migration.sql + "\n" == text, "\(migration.fileName) is embedded with other text")
        }
    }

    @Test("a URL is read for host, port, user, database and sslmode; an unknown mode or parameter, or no user, is refused by name")
    func urls() throws {
        let target = try PostgresStoreTarget(url: "postgres://ledger:pw@db.example:6543/peering?sslmode=disable")
        #expect(target.servers == [PostgresStoreTarget.Server(host: "db.example", port: 6543)])
        #expect(target.configuration.host == "db.example")
        #expect(target.configuration.username == "ledger")
        #expect(target.password == "pw")
        #expect(target.configuration.database == "peering")
        #expect(target.sessionAttributes == .any)
        #expect(target.description == "postgres://ledger@db.example:6543/peering")
        #expect(!target.configuration.tls.isEnforced && !target.configuration.tls.isAllowed)
        #expect(try PostgresStoreTarget(url: "postgres://u@h/db?sslmode=require").configuration.tls.isEnforced)
        #expect(try PostgresStoreTarget(url: "postgres://u@h/db?sslmode=verify-full").configuration.tls.isEnforced)
        let prefer = try PostgresStoreTarget(url: "postgres://u@h/db?sslmode=prefer").configuration.tls
        #expect(prefer.isAllowed && !prefer.isEnforced)
        #expect(refusal("postgres://u:secret@h/db?sslmode=allow").contains("sslmode=allow is not one of disable, prefer, require, verify-ca, verify-full"))
        #expect(!refusal("postgres://u:secret@h/db?sslmode=allow").contains("secret"))
        #expect(refusal("postgres://u@h/db?sslmode=require&connect_timeout=3").contains("unknown parameter 'connect_timeout'"))
        let options = try PostgresStoreTarget(url: "postgres://u@h/db?options=-c%20search_path%3Dledger")
        #expect(options.configuration.options.additionalStartupParameters.map { "\($0.0)=\($0.1)" } == ["options=-c search_path=ledger"])
        #expect(refusal("postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem").contains("sslrootcert /nonexistent/ca.pem is not a readable file"))
        #expect(refusal("postgres://h/db").contains("is not a postgres://USER@HOST[:PORT]/DB URL"))
        #expect(refusal("/var/lib/peerledger/ledger.sqlite").contains("is not a postgres://USER@HOST[:PORT]/DB URL"))
        #expect(refusal("postgres://u@h:99999/db").contains("port 99999 of h is not a port (1 to 65535)"))
        #expect(refusal("postgres://u@h:5432x/db").contains("port 5432x of h is not a port"))
    }

    @Test("a URL's host list is read in order, with libpq's target_session_attrs; a password in it is never shown")
    func hostLists() throws {
        let target = try PostgresStoreTarget(
            url: "postgres://ledger:pw@db1.example:6543,db2.example,[2001:db8::5]:6544/peering?target_session_attrs=read-write")
        #expect(target.servers == [
            PostgresStoreTarget.Server(host: "db1.example", port: 6543), PostgresStoreTarget.Server(host: "db2.example", port: 5432),
            PostgresStoreTarget.Server(host: "2001:db8::5", port: 6544),
        ])
        #expect(target.sessionAttributes == .readWrite)
        #expect(target.password == "pw")
        #expect(target.configuration.database == "peering")
        #expect(target.description == "postgres://ledger@db1.example:6543,db2.example:5432,[2001:db8::5]:6544/peering")
        // Each server gets the shared settings with its own address.
        let second = target.configuration(for: target.servers[1])
        #expect(second.host == "db2.example" && second.port == 5432 && second.username == "ledger" && second.password == "pw")
        #expect(StoreLocation("postgres://ledger:pw@db1:1,db2:2/peering").description == "postgres://ledger:***@db1:1,db2:2/peering")
        #expect(refusal("postgres://u:pw@h1,,h2/db").contains("a server in the host list has no host"))
        #expect(refusal("postgres://u@h1,h2/db?target_session_attrs=primary").contains("target_session_attrs=primary is not one of any, read-write"))
        #expect(refusal("postgres://u@h1,[::1/db").contains("'[::1' has no closing ]"))
        #expect(!refusal("postgres://u:pw@h1,,h2/db").contains(":pw@"))
    }
}

/// Why `url` is refused as a store's URL, or "accepted".
private func refusal(_ url: String) -> String {
    do {
        _ = try PostgresStoreTarget(url: url)
        return "accepted"
    } catch {
        return "\(error)"
    }
}

/// TLS to PostgreSQL: a cluster of the test's own with `ssl=on` and a certificate from a CA of
/// the test's own, for 127.0.0.1 and localhost.
@Suite(
    "PostgreSQL over TLS", .enabled(if: postgresAvailable, postgresNeeded),
    .enabled(if: TestCertificates.available, "needs openssl to make the test's certificates"))
struct PostgresTLSTests {
    @Test("sslmode=require and verify-full connect over TLS; verify-full refuses a certificate from another CA; require refuses a server without TLS")
    func tls() async throws {
        let authority = try TestCertificates()
        let server = try authority.issue(commonName: "localhost", serial: 2, name: "postgres")
        try await withPostgresCluster(tls: server) { cluster in
            let base = "postgres://postgres@127.0.0.1:\(cluster.port)/ledger"
            for url in [
                "\(base)?sslmode=require", "\(base)?sslmode=verify-ca&sslrootcert=\(authority.caFile)",
                "postgres://postgres@localhost:\(cluster.port)/ledger?sslmode=verify-full&sslrootcert=\(authority.caFile)",
            ] {
                let store = try await PostgresEventStore.connect(url: url)
                let encrypted = try await store.usesTLS()
                try await EventStoreConformanceTests.append(
                    store, EventStoreConformanceTests.added(Int64(url.count)), to: "session-\(url.count)", expecting: .noStream)
                let verified = try await store.verify()
                await store.close()
                #expect(encrypted, "\(url)")
                #expect(verified.isValid, "\(url): \(verified.summary)")
            }
            let plain = try await PostgresEventStore.connect(url: "\(base)?sslmode=disable")
            #expect(try await plain.usesTLS() == false)
            #expect(try await plain.head().position == 3)
            await plain.close()

            let stranger = try TestCertificates()
            await #expect(throws: (any Error).self) {
                let store = try await PostgresEventStore.connect(url: "\(base)?sslmode=verify-full&sslrootcert=\(stranger.caFile)")
                await store.close()
            }
        }
        // The tests' shared cluster has no TLS: require refuses it rather than connecting in the clear.
        try await withPostgresDatabase { url in
            let required = url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=require")
            await #expect(throws: (any Error).self) {
                let store = try await PostgresEventStore.connect(url: required)
                await store.close()
            }
            let preferred = try await PostgresEventStore.connect(url: url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=prefer"))
            #expect(try await preferred.usesTLS() == false)
            await preferred.close()
        }
    }
}
