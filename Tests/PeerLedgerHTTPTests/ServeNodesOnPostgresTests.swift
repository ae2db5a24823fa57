import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// Three `peerledger serve` processes on one PostgreSQL log (`--store`), each with its own file
/// as its copy: what a load balancer in front of several nodes relies on.
@Suite(
    "Several serve nodes on one PostgreSQL log",
    .enabled(if: postgresAvailable, Comment(rawValue: "needs PostgreSQL 15's server programs and root: \(postgresMissing ?? "")")))
struct ServeNodesOnPostgresTests {
    /// A write key made through node 1's file (the key reaches the others through the log), and
    /// three nodes started on the log, polling (and so campaigning for the poller) every second.
    static func withNodes(_ body: (_ nodes: [ServerProcess], _ token: String, _ url: String) async throws -> Void) async throws {
        try await withPostgresDatabase { url in
            let files = (1...3).map { _ in temporaryDatabasePath() }
            let made = try await peerledger(["keys", "create", "--db", files[0], "--store", url, "--name", "automation"])
            #expect(made.status == 0, "keys create: \(made.errors)")
            let token = try #require(try JSON.parse(made.output)["token"]?.stringValue)
            var nodes: [ServerProcess] = []
            defer { for node in nodes { node.kill() } }
            for file in files {
                nodes.append(
                    try await ServerProcess.start(
                        database: file, extra: ["--store", url, "--poll-interval", "1", "--outbox-interval", "0"]))
            }
            try await body(nodes, token, url)
        }
    }

    static func call(
        _ client: HTTPClient, _ node: ServerProcess, _ method: HTTPMethod, _ path: String, token: String, body: String? = nil,
        ifMatch: String? = nil
    ) async throws -> (status: UInt, json: JSON, etag: String?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.port)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        if let ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
        let response = try await client.execute(request, timeout: .seconds(20))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, try JSON.parse(String(buffer: bytes)), response.headers.first(name: "ETag"))
    }

    @Test("8 writers over three nodes with one expected version: one winner per version, a gap-free log, and each write read at once on another node")
    func oneWinnerPerVersionAcrossNodes() async throws {
        try await Self.withNodes { nodes, token, url in
            try await withHTTPClient(connections: 16) { client in
                let created = try await Self.call(
                    client, nodes[0], .POST, "/api/v2/sessions", token: token,
                    body: #"{"public_id":1,"source_asn":8038,"source_ipaddr":"1.2.3.5","peer_asn":16509,"peer_ipaddr":"206.126.236.68","type":"Peer","password":"ace12345"}"#)
                #expect(created.status == 201)
                let id = try #require(created.json["id"]?.intValue)
                // Acknowledged by node 1, read by the next read on node 2.
                let read = try await Self.call(client, nodes[1], .GET, "/api/v2/sessions/\(id)", token: token)
                #expect(read.status == 200 && read.etag == "\"1\"")
                #expect(read.json["peer_ipaddr"] == .string("206.126.236.68"))

                for version in 1...3 {
                    let outcomes = try await withThrowingTaskGroup(of: (UInt, Int).self) { group in
                        for writer in 0..<8 {
                            group.addTask {
                                let answer = try await Self.call(
                                    client, nodes[writer % 3], .PATCH, "/api/v2/sessions/\(id)", token: token,
                                    body: #"{"note":"version \#(version) writer \#(writer)"}"#, ifMatch: "\"\(version)\"")
                                return (answer.status, writer)
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(outcomes.filter { $0.0 == 200 }.count == 1, "version \(version): \(outcomes)")
                    #expect(outcomes.filter { $0.0 == 412 }.count == 7, "version \(version): \(outcomes)")
                    let winner = try #require(outcomes.first { $0.0 == 200 }?.1)
                    // Every node answers the winner's change right after it was acknowledged.
                    for node in nodes {
                        let now = try await Self.call(client, node, .GET, "/api/v2/sessions/\(id)", token: token)
                        #expect(now.etag == "\"\(version + 1)\"")
                        #expect(now.json["note"] == .string("version \(version) writer \(winner)"))
                    }
                }
                let events = try await Self.call(client, nodes[2], .GET, "/api/v2/events?limit=100", token: token)
                let positions = events.json["items"]?.arrayValue?.compactMap { $0["position"]?.intValue } ?? []
                // The key, the session and its three changes: one gap-free log.
                #expect(positions == Array(1...5))
            }
            let verified = try await peerledger(["verify", "--store", url])
            #expect(verified.status == 0, "verify: \(verified.output) \(verified.errors)")
        }
    }

    /// The PeeringDB pages the replays import (Replays/fixtures).
    static let peeringDBFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Replays/fixtures/equinix-ashburn-peers").path

    @Test("commands given --store write through their file to the log of record, and another file following it gets all of it")
    func commandsWriteToTheLogOfRecord() async throws {
        try await withPostgresDatabase { url in
            let fixtures = Self.peeringDBFixtures
            let (first, second) = (temporaryDatabasePath(), temporaryDatabasePath())
            _ = try await peerledger(["keys", "create", "--db", first, "--store", url, "--name", "loader"])
            let imported = try await peerledger(["peeringdb", "import", fixtures, "--db", first, "--store", url])
            #expect(imported.status == 0, "peeringdb import: \(imported.errors)")
            let made = try await peerledger(["users", "create", "alice", "--role", "viewer", "--db", second, "--store", url])
            #expect(made.status == 0, "users create: \(made.errors)")
            let verified = try await peerledger(["verify", "--store", url])
            #expect(verified.status == 0)
            // The second file copied the log in (the key, the import) before its own command.
            let exported = try await peerledger(["export", "--db", second])
            let fromRecord = try await peerledger(["export", "--store", url])
            #expect(exported.status == 0 && fromRecord.status == 0)
            #expect(exported.output == fromRecord.output)
            let lines = fromRecord.output.split(separator: "\n")
            #expect(lines.count > 3)
            #expect(lines.first?.contains("APIKeyCreated") == true)
            #expect(lines.last?.contains("UserCreated") == true)
            #expect(lines.contains { $0.contains("PeeringDBObjectCreated") })
            // The key made through the first file is the second's too.
            let keys = try await peerledger(["keys", "list", "--db", second])
            #expect(keys.output.contains("\"name\":\"loader\""))
        }
    }

    @Test("a command given --store whose write PostgreSQL refuses exits 1 with the server's reason, its connection closed, not a crash")
    func refusedWriteThroughTheStoreExitsCleanly() async throws {
        try await withPostgresDatabase { url in
            let file = temporaryDatabasePath()
            let first = try await peerledger(["keys", "create", "--db", file, "--store", url, "--name", "first"])
            #expect(first.status == 0, "keys create: \(first.errors)")
            // From now on the log refuses every insert, as a server out of disk would.
            let database = String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
            try await PostgresCluster.shared().psql(
                """
                CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the test refuses events'; END $$;
                CREATE TRIGGER refuse_events BEFORE INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION refuse_events();
                """,
                database: database)
            let refused = try await peerledger(["keys", "create", "--db", file, "--store", url, "--name", "second"])
            #expect(refused.status == 1, "keys create: \(refused.status) \(refused.errors)")
            #expect(refused.errors.contains("the test refuses events"), "\(refused.errors)")
            #expect(!refused.errors.contains("crashed"), "\(refused.errors)")
            let keys = try await peerledger(["keys", "list", "--db", file])
            #expect(keys.output.contains("\"name\":\"first\""))
            #expect(!keys.output.contains("\"name\":\"second\""))
        }
    }

    @Test("rebuild, snapshots and audit --as-of given --store work on a node's copy brought level with the log first")
    func projectionCommandsOnANodesCopy() async throws {
        try await withPostgresDatabase { url in
            let fixtures = Self.peeringDBFixtures
            let (writer, copy) = (temporaryDatabasePath(), temporaryDatabasePath())
            #expect(try await peerledger(["init", "--db", writer]).status == 0)
            let imported = try await peerledger(["peeringdb", "import", fixtures, "--db", writer, "--store", url])
            #expect(imported.status == 0, "peeringdb import: \(imported.errors)")
            let events = try await peerledger(["export", "--store", url]).output.split(separator: "\n").count
            #expect(events > 10)

            // A log that cannot be reached leaves no new file behind.
            let unreachable = try await peerledger(["rebuild", "--db", copy, "--store", "postgres://postgres@127.0.0.1:1/nowhere"])
            #expect(unreachable.status == 1, "\(unreachable.errors)")
            #expect(unreachable.errors.contains("postgres://postgres@127.0.0.1:1/nowhere"), "\(unreachable.errors)")
            #expect(!FileManager.default.fileExists(atPath: copy))

            // A file that has never seen the log: copied in, its projections built by the copy's
            // one replay and not replayed again.
            let made = try await peerledger(["rebuild", "--db", copy, "--store", url])
            #expect(made.status == 0, "rebuild: \(made.output) \(made.errors)")
            #expect(made.output.contains("copied \(events) events from the log and built the projections"), "\(made.output)")
            #expect(!made.output.contains("rebuilt "), "\(made.output)")
            let madeChecksum = made.output.split(separator: "\n")
                .first { $0.hasPrefix("a copy made from nothing: no projections before to compare with (checksum ") }?
                .split(separator: " ").last?.dropLast()
            #expect(madeChecksum?.count == 64, "\(made.output)")

            // The copy exists now: brought level, then rebuilt; the rebuild gives what the copy built.
            let rebuilt = try await peerledger(["rebuild", "--db", copy, "--store", url])
            #expect(rebuilt.status == 0, "rebuild: \(rebuilt.output) \(rebuilt.errors)")
            #expect(rebuilt.output.contains("rebuilt \(events) events"), "\(rebuilt.output)")
            #expect(rebuilt.output.contains("projections identical to before (checksum \(madeChecksum ?? "none"))"), "\(rebuilt.output)")

            let snapshots = try await peerledger(["snapshots", "backfill", "--every", "10", "--db", copy, "--store", url])
            #expect(snapshots.status == 0, "snapshots: \(snapshots.errors)")
            let written = Int(snapshots.output.split(separator: " ").first ?? "") ?? 0
            #expect(written >= events / 10 - 1 && written > 0, "\(snapshots.output)")

            // As of now, the copy answers what the file that made the import answers.
            let call = "target=peering&action=getPeers&public_id=1"
            let now = SystemClock().now().iso8601
            let fromCopy = try await peerledger(["audit", "--as-of", now, "--json", call, "--db", copy, "--store", url])
            let fromWriter = try await peerledger(["audit", "--as-of", now, "--json", call, "--db", writer])
            #expect(fromCopy.status == 0 && fromWriter.status == 0, "\(fromCopy.errors) \(fromWriter.errors)")
            #expect(fromCopy.output == fromWriter.output)
            #expect(fromCopy.output.contains("\"asn\""))
        }
    }

    @Test("a list a node keeps for repeated reads answers a write made through another node at the next read")
    func keptListsFollowOtherNodes() async throws {
        try await Self.withNodes { nodes, token, _ in
            try await withHTTPClient { client in
                for round in 1...3 {
                    // Read twice on node 2 (the second answer is the kept one), then write on node 1.
                    for _ in 0..<2 {
                        let list = try await Self.call(client, nodes[1], .GET, "/api/v2/sessions?public_id=1", token: token)
                        #expect(list.status == 200)
                        #expect(list.json["items"]?.arrayValue?.count == round - 1)
                    }
                    let created = try await Self.call(
                        client, nodes[0], .POST, "/api/v2/sessions", token: token,
                        body: #"{"public_id":1,"source_asn":8038,"source_ipaddr":"1.2.3.5","peer_asn":16509,"peer_ipaddr":"206.126.236.\#(round)","type":"Peer"}"#)
                    #expect(created.status == 201)
                }
                let list = try await Self.call(client, nodes[1], .GET, "/api/v2/sessions?public_id=1", token: token)
                #expect(list.json["items"]?.arrayValue?.count == 3)
            }
        }
    }

    @Test("a client of one node's live event stream hears a write made through another node")
    func liveStreamHearsOtherNodes() async throws {
        try await Self.withNodes { nodes, token, _ in
            let connection = try RawHTTPConnection(port: nodes[2].port, timeoutSeconds: 10)
            await connection.send(
                "GET /api/v2/events/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer \(token)\r\n\r\n")
            let head = try #require(await connection.readHead(), "no answer to the stream's request")
            #expect(head.status == 200)
            /// The next message carrying an event (comments and keep-alives skipped).
            func nextEvent() async -> RawHTTPConnection.ServerSentEvent? {
                while let message = await connection.readServerSentEvent() {
                    if message.id != nil { return message }
                }
                return nil
            }
            // The key's creation, already in the log.
            #expect(await nextEvent()?.event == "APIKeyCreated")
            try await withHTTPClient { client in
                let created = try await Self.call(
                    client, nodes[0], .POST, "/api/v2/sessions", token: token,
                    body: #"{"public_id":1,"source_asn":8038,"source_ipaddr":"1.2.3.5","peer_asn":16509,"peer_ipaddr":"206.126.236.68","type":"Peer"}"#)
                #expect(created.status == 201)
            }
            // Within the connection's 10 s limit, with no read made on node 3 meanwhile.
            let heard = await nextEvent()
            #expect(heard?.event == "SessionAdded")
            #expect(heard?.id == "2")
        }
    }

    @Test("the router poller runs on one node; SIGKILL that node and another leads it within 10 seconds")
    func pollerLeadershipMovesWhenItsNodeDies() async throws {
        try await Self.withNodes { nodes, _, url in
            let cluster = try await PostgresCluster.shared()
            let database = String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
            /// The pids of the processes holding the poller's lock, from their connections' names.
            func leaders() async throws -> [Int32] {
                let names = try await cluster.psql(
                    """
                    SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'peerledger router-poller %'
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """, database: database)
                return names.split(separator: "\n").compactMap { Int32($0.split(separator: " ").last ?? "") }
            }
            var leading: [Int32] = []
            try await waitUntil("one node to lead the poller", within: .seconds(10), every: .milliseconds(200)) {
                leading = try await leaders()
                return leading.count == 1
            }
            let leader = try #require(nodes.first { $0.process.processIdentifier == leading.first })
            leader.kill()
            let killed = ContinuousClock.now
            try await waitUntil("another node to lead the poller", within: .seconds(10), every: .milliseconds(100)) {
                leading = try await leaders()
                return leading.count == 1 && leading != [leader.process.processIdentifier]
            }
            print("poller leadership: node pid \(leader.process.processIdentifier) killed; pid \(leading[0]) led after \(ContinuousClock.now - killed)")
            #expect(nodes.contains { $0.process.processIdentifier == leading[0] && $0.process.isRunning })
        }
    }
}
