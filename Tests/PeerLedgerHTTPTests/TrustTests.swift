import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// What outside testing found and must never come back: parameters outside the signature, traps
/// from numbers, answers that are not the envelope, HTTP/1.0 connections left open, a full disk
/// answered "Internal error".
@Suite("HTTP: every applied parameter signed, every answer an envelope")
struct TrustTests {
    let ledger: Ledger
    let key: APIKey
    let secret: String

    init() throws {
        ledger = try Ledger.inMemory()
        (key, secret) = try ledger.createAPIKey(name: "noc-automation", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
    }

    func get(_ client: some TestClientProtocol, _ query: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/api.php?" + query, method: .get)
    }

    func addAmazon(_ client: some TestClientProtocol) async throws {
        let added = try await get(client, signed(HTTPTests.addAmazon, key: key.apiKey, secret: secret))
        #expect(try added.json()["success"] == .int(1))
    }

    func session(_ client: some TestClientProtocol) async throws -> JSON? {
        let answer = try await get(client, signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret))
        return try answer.json()["data"]?.arrayValue?.first
    }

    @Test("parameters appended after the hash of a signed updateSession get 401 and change nothing")
    func parametersAfterTheHashChangeNothing() async throws {
        try await withLiveServer(ledger) { client in
            try await addAmazon(client)
            let events = try ledger.eventCount()
            let update = signed("target=peering&action=updateSession&id=1&note=signed", key: key.apiKey, secret: secret)
            let rewritten = try await get(client, update + "&peer_asn=666&password=evil")
            #expect(rewritten.status == .unauthorized)
            #expect(try rewritten.json()["message"] == .string("hash must be the last parameter: nothing after it is signed"))
            #expect(try rewritten.json()["success"] == .int(0))
            #expect(try ledger.eventCount() == events)
            #expect(try await session(client)?["peer_asn"] == .string("16509"))
            // The same call as signed is applied.
            let honest = try await get(client, update)
            #expect(try honest.json()["success"] == .int(1))
            #expect(try await session(client)?["note"] == .string("signed"))
        }
    }

    @Test("a second apiKey or hash in a signed POST body is refused with 401")
    func duplicatedAuthenticationInAPostBody() async throws {
        try await withLiveServer(ledger) { client in
            let body = signed("target=peering&action=getSessions&public_id=1&apiKey=9-OTHER", key: key.apiKey, secret: secret)
            let answer = try await client.execute(
                uri: "/api/v1/api.php", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: body))
            #expect(answer.status == .unauthorized)
            #expect(try answer.json()["message"] == .string("apiKey is given more than once; a signed call names it once"))
        }
    }

    @Test("a POST with parameters in both its body and its query is refused with 401")
    func aPostWithBodyAndQueryIsRefused() async throws {
        try await withLiveServer(ledger) { client in
            let body = signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret)
            let answer = try await client.execute(
                uri: "/api/v1/api.php?peer_asn=666", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: body))
            #expect(answer.status == .unauthorized)
            #expect(try answer.json()["success"] == .int(0))
        }
    }

    @Test("an unsigned or badly signed call with invalid parameters gets 401, never a validation message")
    func authenticationComesBeforeValidation() async throws {
        try await withLiveServer(ledger) { client in
            let invalid = "target=peering&action=addSession&peer_asn=not-a-number&peer_ipaddr=999.1.1.1&id=1&id=2"
            let unsigned = try await get(client, invalid)
            #expect(unsigned.status == .unauthorized)
            #expect(try unsigned.json()["message"] == .string("Authentication required: sign the call with apiKey and hash"))
            let badlySigned = try await get(client, signed(invalid, key: key.apiKey, secret: "00000000000000000000000000000000"))
            #expect(badlySigned.status == .unauthorized)
            #expect(try badlySigned.json()["message"] == .string("Invalid apiKey or hash"))
            let malformed = "target=peering&action=getSessions&note=%zz"
            #expect(try await get(client, signed(malformed, key: "1-NOSUCHKEY", secret: secret)).status == .unauthorized)
            // Signed by a real key, the same call is told what is wrong with it.
            let told = try await get(client, signed(malformed, key: key.apiKey, secret: secret))
            #expect(told.status == .ok)
            #expect(try told.json()["message"] == .string("parameter note has a malformed %-escape"))
        }
    }

    @Test("a time of Int64.min or one whose milliseconds overflow is refused, and the server keeps answering")
    func extremeTimesAreRefusedNotTrapped() async throws {
        try await withLiveServer(ledger) { client in
            let minimum = try await get(
                client, signed("target=peering&action=getSessions&public_id=1&time=-9223372036854775808", key: key.apiKey, secret: secret))
            #expect(minimum.status == .unauthorized)
            #expect(try minimum.json()["message"]?.stringValue?.hasSuffix("refused as a possible replay") == true)
            let maximum = try await get(
                client, signed("target=peering&action=getSessions&public_id=1&time=9223372036854775807", key: key.apiKey, secret: secret))
            #expect(maximum.status == .unauthorized)
            let huge = try await get(
                client, signed("target=peering&action=getSessions&public_id=1&time=99999999999999999999", key: key.apiKey, secret: secret))
            #expect(try huge.json()["message"] == .string("time must be Unix seconds, got '99999999999999999999'"))
            let after = try await get(client, signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret))
            #expect(try after.json()["success"] == .int(1))
        }
    }

    @Test("a GET of 200 KB is answered with the envelope; over 1 MiB it is 414 with the envelope")
    func longQueriesAreAnsweredWithTheEnvelope() async throws {
        try await withLiveServer(ledger) { client in
            let port = try #require(client.port)
            let note = String(repeating: "a", count: 200_000)
            let long = try RawHTTPConnection(port: port)
            let query = signed("target=peering&action=getSessions&public_id=1&note=\(note)", key: key.apiKey, secret: secret)
            await long.send("GET /api/v1/api.php?\(query) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let answer = try #require(await long.readResponse())
            #expect(answer.status == 200)
            #expect(try JSON.parse(answer.body)["success"] == .int(0))
            #expect(try JSON.parse(answer.body)["message"]?.stringValue?.isEmpty == false)

            for size in [(1 << 20) + 10, 3 << 20] {
                let tooLong = try RawHTTPConnection(port: port)
                await tooLong.send("GET /api/v1/api.php?target=peering&note=\(String(repeating: "b", count: size)) HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let refused = try #require(await tooLong.readResponse(), "no answer to a query of \(size) bytes")
                #expect(refused.status == 414, "query of \(size) bytes")
                #expect(refused.header("content-type") == "application/json; charset=utf-8")
                #expect(try JSON.parse(refused.body)["success"] == .int(0))
            }
        }
    }

    @Test("PUT, DELETE, PATCH, OPTIONS and TRACE on the API path get 405, an Allow header and the envelope")
    func otherMethodsGet405() async throws {
        try await withLiveServer(ledger) { client in
            for method in [HTTPRequest.Method.put, .delete, .patch, .options, .trace] {
                let answer = try await client.execute(uri: "/api/v1/api.php", method: method)
                #expect(answer.status == .methodNotAllowed, "\(method)")
                #expect(answer.headers[.allow] == "GET, POST", "\(method)")
                #expect(try answer.json()["message"] == .string("\(method.rawValue) is not supported: call the API with GET or POST"))
            }
            #expect(try ledger.eventCount() == 1)
        }
    }

    @Test("an HTTP/1.0 request without keep-alive has its connection closed after the answer; with keep-alive it stays")
    func http10ConnectionsCloseAsHTTP10Says() async throws {
        try await withLiveServer(ledger) { client in
            let port = try #require(client.port)
            let query = signed("target=peering&action=getSessions&public_id=1", key: key.apiKey, secret: secret)
            let plain = try RawHTTPConnection(port: port)
            await plain.send("GET /api/v1/api.php?\(query) HTTP/1.0\r\n\r\n")
            let answer = try #require(await plain.readResponse())
            #expect(answer.status == 200)
            #expect(try JSON.parse(answer.body)["success"] == .int(1))
            #expect(await plain.isClosedByServer(within: 5))

            let kept = try RawHTTPConnection(port: port)
            await kept.send("GET /api/v1/api.php?\(query) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(await kept.readResponse()?.status == 200)
            #expect(await !kept.isClosedByServer(within: 1))

            let http11 = try RawHTTPConnection(port: port)
            await http11.send("GET /api/v1/api.php?\(query) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await http11.readResponse()?.status == 200)
            #expect(await !http11.isClosedByServer(within: 1))
            await http11.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await http11.readResponse()?.body == "ok\n")
        }
    }

    @Test("a request that is not HTTP gets a 400 with the envelope")
    func garbageGetsTheEnvelope() async throws {
        try await withLiveServer(ledger) { client in
            let port = try #require(client.port)
            let garbage = try RawHTTPConnection(port: port)
            await garbage.send("\u{01}\u{02}NOT HTTP AT ALL\r\n\r\n")
            let answer = try #require(await garbage.readResponse())
            #expect(answer.status == 400)
            #expect(try JSON.parse(answer.body)["success"] == .int(0))
        }
    }
}

@Suite("HTTP: a full disk")
struct FullDiskTests {
    @Test("a write on a full disk is told the ledger's storage is full and nothing was changed")
    func aFullDiskIsNamed() async throws {
        let path = Scratch.url("full-\(UUID().uuidString).sqlite").path
        let ledger = try Ledger.open(at: path)
        let (key, secret) = try ledger.createAPIKey(name: "noc-automation", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
        // SQLite refuses to grow the file past max_page_count with SQLITE_FULL, as a full disk does.
        try await ledger.database.barrierWriteWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        try await withLiveServer(ledger) { client in
            var full: JSON?
            var added = 0
            for id in 1...200 where full == nil {
                let call = HTTPTests.addAmazon.replacingOccurrences(of: "206.126.236.68", with: "206.126.237.\(id % 250)")
                    .replacingOccurrences(of: "public_id=1", with: "public_id=\(id)")
                let before = try ledger.eventCount()
                let answer = try JSON.parse(String(buffer: try await client.execute(
                    uri: "/api/v1/api.php?" + signed(call, key: key.apiKey, secret: secret), method: .get).body))
                if answer["success"] == .int(1) {
                    added += 1
                } else {
                    full = answer
                    #expect(try ledger.eventCount() == before)
                }
            }
            let message = try #require(full?["message"]?.stringValue, "the ledger never filled up after \(added) sessions")
            #expect(message.hasPrefix("The ledger's storage is full (request "))
            #expect(message.contains("nothing was changed"))
        }
    }
}
