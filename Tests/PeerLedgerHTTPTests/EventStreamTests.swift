import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerHTTP
import PeerLedgerTestSupport
import Testing

/// `GET /api/v2/events/stream` over real HTTP on loopback: Server-Sent Events of the log, resumed
/// exactly with `Last-Event-ID`, woken by commits.
@Suite("APIv2 event stream")
struct EventStreamTests {
    let ledger: Ledger
    let writer: IssuedAPIKey
    let reader: IssuedAPIKey

    init() throws {
        (ledger, writer, reader) = try APIv2Tests.ledgerWithKeys()
    }

    @Test("a client that disconnects and reconnects with Last-Event-ID three times while 4 writers append receives ids 1...N exactly once, in order")
    func resumesExactlyUnderConcurrentWrites() async throws {
        let seed = try TestSeed.value("EventStreamTests.resumesExactlyUnderConcurrentWrites")
        var random = SplitMix64(seed: seed)
        // How many events the client reads before each of its three disconnections.
        let takes = (0..<3).map { _ in Int.random(in: 5...40, using: &random) }
        let writers = 4, sessionsPerWriter = 30
        try await withLiveServer(ledger) { client in
            let port = try #require(client.port)
            let token = reader.token
            async let written: Int = withThrowingTaskGroup(of: Int.self) { group in
                for writerIndex in 0..<writers {
                    group.addTask {
                        var created = 0
                        for index in 1...sessionsPerWriter {
                            let response = try await client.execute(
                                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                                body: ByteBuffer(string: APIv2Tests.session(peer: "10.9.\(writerIndex).\(index)")))
                            if response.status == .created { created += 1 }
                        }
                        return created
                    }
                }
                return try await group.reduce(0, +)
            }

            var received: [Int64] = []
            for take in takes {
                let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
                let messages = try await Self.open(connection, token: token, lastEventID: received.last)
                for _ in 0..<take {
                    guard let event = try await messages.next() else { break }
                    received.append(event.position)
                }
                connection.disconnect()
            }
            #expect(try await written == writers * sessionsPerWriter)
            let head = try ledger.headPosition()
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            let messages = try await Self.open(connection, token: token, lastEventID: received.last)
            while (received.last ?? 0) < head {
                let event = try #require(try await messages.next(), "the stream ended at \(received.last ?? 0) before the head, \(head)")
                received.append(event.position)
            }
            connection.disconnect()
            #expect(received.count == Int(head))
            #expect(received == Array(1...head), "seed \(seed)")
        }
    }

    @Test("each message's id is the event's position, its event its type and its data the item GET /api/v2/events answers")
    func messagesAreTheLogsItems() async throws {
        try await withLiveServer(ledger) { client in
            let port = try #require(client.port)
            let created = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: APIv2Tests.session(peer: "10.8.0.1")))
            #expect(created.status == .created)
            let listed = try await client.execute(uri: "/api/v2/events?limit=1000", method: .get, headers: bearer(reader)).json()
            let items = try #require(listed["items"]?.arrayValue)
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            let messages = try await Self.open(connection, token: reader.token, lastEventID: nil)
            for item in items {
                let message = try #require(try await messages.nextRaw())
                #expect(message.id.flatMap { Int64($0) } == item["position"]?.intValue)
                #expect(message.event == item["type"]?.stringValue)
                let data = try JSON.parse(try #require(message.data))
                #expect(data == item)
            }
            connection.disconnect()
        }
    }

    @Test("after beyond the head waits: the first event sent is the first one past it, appended after the client connected")
    func afterBeyondHeadWaits() async throws {
        try await withLiveServer(ledger) { client in
            let port = try #require(client.port)
            let head = try ledger.headPosition()
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            await connection.send(Self.request(token: reader.token, query: "after=\(head + 2)"))
            let answer = try #require(await connection.readHead())
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            let opening = try #require(await connection.readServerSentEvent())
            #expect(opening.comments == ["after \(head + 2)"] && opening.id == nil)
            for index in 1...3 {
                let response = try await client.execute(
                    uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                    body: ByteBuffer(string: APIv2Tests.session(peer: "10.7.0.\(index)")))
                #expect(response.status == .created)
            }
            let answered = ContinuousClock.now
            let first = try #require(await connection.readServerSentEvent())
            #expect(first.id == String(head + 3))
            // Woken by the commit, not found at the next heartbeat (15 s away).
            let waited = ContinuousClock.now - answered
            #expect(waited < .seconds(2), "the event reached the client \(waited) after its write was answered")
            connection.disconnect()
        }
    }

    @Test("a stream without events sends a keep-alive comment every heartbeat, and the events that follow")
    func heartbeats() async throws {
        let app = buildApplication(
            ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test"), streamHeartbeat: .milliseconds(200))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let head = try ledger.headPosition()
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            await connection.send(Self.request(token: reader.token, query: "after=\(head)"))
            #expect(await connection.readHead()?.status == 200)
            #expect(await connection.readServerSentEvent()?.comments == ["after \(head)"])
            let started = ContinuousClock.now
            for _ in 0..<2 {
                let beat = try #require(await connection.readServerSentEvent())
                #expect(beat == RawHTTPConnection.ServerSentEvent(comments: ["keep-alive"]))
            }
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            let response = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: APIv2Tests.session(peer: "10.5.0.1")))
            #expect(response.status == .created)
            var message = try #require(await connection.readServerSentEvent())
            while message.id == nil { message = try #require(await connection.readServerSentEvent()) }
            #expect(message.id == String(head + 1))
            connection.disconnect()
        }
    }

    @Test("no token is 401; a bad after or Last-Event-ID is a 400 problem naming it; Last-Event-ID wins over after")
    func refusals() async throws {
        try await withLiveServer(ledger) { client in
            let none = try await client.execute(uri: "/api/v2/events/stream", method: .get)
            #expect(none.status == .unauthorized)
            #expect(try none.json()["code"] == .string("auth.token-missing"))
            for bad in ["abc", "-1", "1.5", "99999999999999999999", "%201"] {
                let response = try await client.execute(uri: "/api/v2/events/stream?after=\(bad)", method: .get, headers: bearer(reader))
                #expect(response.status == .badRequest, "after=\(bad)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json()
                #expect(problem["code"] == .string("parameter.invalid"))
                #expect(problem["detail"]?.stringValue?.contains("after") == true, "after=\(bad)")
            }
            var headers = bearer(reader)
            headers[HTTPField.Name("Last-Event-ID")!] = "x1"
            let badID = try await client.execute(uri: "/api/v2/events/stream?after=1", method: .get, headers: headers)
            #expect(badID.status == .badRequest)
            #expect(try badID.json()["detail"]?.stringValue?.contains("Last-Event-ID") == true)

            // With both, the stream starts after Last-Event-ID's position, not after `after`'s.
            let port = try #require(client.port)
            let connection = try RawHTTPConnection(port: port, timeoutSeconds: 10)
            await connection.send(Self.request(token: reader.token, query: "after=0", lastEventID: 1))
            #expect(await connection.readHead()?.status == 200)
            let opening = try #require(await connection.readServerSentEvent())
            #expect(opening.comments == ["after 1"])
            let first = try #require(await connection.readServerSentEvent())
            #expect(first.id == "2")
            connection.disconnect()
        }
    }

    // MARK: Helpers

    /// An event as the test reads it off the stream.
    struct Received {
        var position: Int64
    }

    /// The events of one connection's stream, opened after the answer's head was read.
    final class Messages: @unchecked Sendable {
        let connection: RawHTTPConnection
        init(_ connection: RawHTTPConnection) { self.connection = connection }

        /// The next event (keep-alive comments skipped), its id checked against its data's
        /// position; nil when the stream ended or the connection's time limit passed.
        func next() async throws -> Received? {
            guard let message = try await nextRaw() else { return nil }
            let id = try #require(message.id.flatMap { Int64($0) }, "an event without a numeric id: \(message)")
            let data = try JSON.parse(try #require(message.data))
            #expect(data["position"]?.intValue == id)
            #expect(data["type"]?.stringValue == message.event)
            return Received(position: id)
        }

        /// The next message that carries an event.
        func nextRaw() async throws -> RawHTTPConnection.ServerSentEvent? {
            while let message = await connection.readServerSentEvent() {
                if message.id != nil || message.data != nil { return message }
            }
            return nil
        }
    }

    /// Sends the stream's request (always `after=0`: a reconnection's `Last-Event-ID` wins) and
    /// reads the answer's head, which must be a 200 event stream.
    static func open(_ connection: RawHTTPConnection, token: String, lastEventID: Int64?) async throws -> Messages {
        await connection.send(request(token: token, query: "after=0", lastEventID: lastEventID))
        let head = try #require(await connection.readHead(), "no answer to the stream's request")
        #expect(head.status == 200)
        #expect(head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        return Messages(connection)
    }

    static func request(token: String, query: String, lastEventID: Int64? = nil) -> String {
        var text = "GET /api/v2/events/stream?\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        text += "Authorization: Bearer \(token)\r\n"
        if let lastEventID { text += "Last-Event-ID: \(lastEventID)\r\n" }
        return text + "\r\n"
    }
}
