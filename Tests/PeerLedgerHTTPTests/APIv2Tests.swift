import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerAPIv2
import PeerLedgerDomain
import PeerLedgerPeeringDB
import PeerLedgerTestSupport
import Testing
import Yams

/// APIv2 over the live server: bearer tokens and scopes, problems with refusal codes, sessions
/// with ETags, If-Match and Idempotency-Key, keyset pages, the log, and the served spec.
@Suite("APIv2")
struct APIv2Tests {
    let ledger: Ledger
    let writer: IssuedAPIKey
    let reader: IssuedAPIKey

    init() throws {
        (ledger, writer, reader) = try APIv2Tests.ledgerWithKeys()
    }

    /// An in-memory ledger with a write key ("automation") and a read key, as each APIv2 suite starts.
    static func ledgerWithKeys(readerName: String = "dashboard") throws -> (Ledger, IssuedAPIKey, IssuedAPIKey) {
        let ledger = try Ledger.inMemory()
        let metadata = EventMetadata(actor: "cli:test")
        return (
            ledger, try ledger.createAPIKey(name: "automation", scope: .write, metadata: metadata),
            try ledger.createAPIKey(name: readerName, scope: .read, metadata: metadata)
        )
    }

    /// The seed's Amazon.com session at exchange 1, as a JSON body.
    static let amazon = """
        {"public_id":1,"source_asn":8038,"source_ipaddr":"1.2.3.5","peer_asn":16509,"peer_name":"Amazon.com",
        "peer_ipaddr":"206.126.236.68","type":"Peer","prfx_max":200,"password":"ace12345"}
        """

    static func session(peer address: String, asn: Int = 64500) -> String {
        #"{"public_id":1,"peer_asn":\#(asn),"peer_ipaddr":"\#(address)"}"#
    }

    // MARK: Auth

    @Test("no token and a wrong token answer 401 with WWW-Authenticate; a read key writing answers 403; neither writes")
    func unauthorizedAndForbiddenKeptApart() async throws {
        let before = try ledger.eventCount()
        try await withLiveServer(ledger) { client in
            let none = try await client.execute(uri: "/api/v2/sessions", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(none.headers[.contentType] == "application/problem+json")
            #expect(try none.json()["code"] == .string("auth.token-missing"))

            let wrong = try await client.execute(
                uri: "/api/v2/sessions", method: .get, headers: [.authorization: "Bearer plt_" + String(repeating: "0", count: 64)])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try wrong.json()["code"] == .string("auth.token-invalid"))

            let readOK = try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader))
            #expect(readOK.status == .ok)

            let forbidden = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(reader, json: true), body: ByteBuffer(string: Self.amazon))
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.headers[.wwwAuthenticate] == nil)
            let problem = try forbidden.json()
            #expect(problem["code"] == .string("auth.scope-insufficient"))
            #expect(problem["status"] == .int(403))
            #expect(problem["title"] == .string("Forbidden"))
            #expect(problem["type"]?.stringValue?.isEmpty == false)
        }
        #expect(try ledger.eventCount() == before)
    }

    @Test("a revoked key's token answers 401 token-invalid")
    func revokedToken() async throws {
        _ = try ledger.revokeAPIKey("dashboard", metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger) { client in
            let response = try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader))
            #expect(response.status == .unauthorized)
            #expect(try response.json()["code"] == .string("auth.token-invalid"))
        }
    }

    @Test("the ledger keeps only the token's SHA-256: no event or key listing holds the token or the secret")
    func tokenNeverStored() throws {
        #expect(writer.token.hasPrefix("plt_") && writer.token.count == 68)
        #expect(writer.key.scope == .write && reader.key.scope == .read && reader.key.readOnly)
        let log = try ledger.readNow { db in try AuditQuery().events(db) }.map { $0.payload + $0.metadata }.joined()
        #expect(!log.contains(writer.token) && !log.contains(writer.secret))
        let listed = try ledger.apiKeys().map { $0.json.serialized() }.joined()
        #expect(!listed.contains(writer.token) && !listed.contains(writer.secret))
        #expect(listed.contains(#""scope":"write""#))
    }

    // MARK: Sessions

    @Test("create answers 201 with Location and ETag; get answers the same ETag; a PATCH with a stale If-Match is 412 with the current version")
    func createGetPatchWithStaleIfMatch() async throws {
        try await withLiveServer(ledger) { client in
            let created = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.amazon))
            #expect(created.status == .created)
            let session = try created.json()
            let id = try #require(session["id"]?.intValue)
            #expect(created.headers[.location] == "/api/v2/sessions/\(id)")
            #expect(created.headers[.eTag] == "\"1\"")
            #expect(created.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            #expect(session["peer_asn"] == .int(16509))
            #expect(session["public_id"] == .int(1))
            #expect(session["prfx_max"] == .int(200))
            #expect(session["peer_ipaddr"] == .string("206.126.236.68"))
            #expect(session["state"] == .string("not configured"))
            #expect(session["has_password"] == .bool(true))
            #expect(session["password"] == nil)
            #expect(session["deleted"] == .bool(false))

            let got = try await client.execute(uri: "/api/v2/sessions/\(id)", method: .get, headers: bearer(reader))
            #expect(got.status == .ok)
            #expect(got.headers[.eTag] == "\"1\"")
            #expect(try got.json()["version"] == .int(1))

            var headers = bearer(writer, json: true)
            headers[.ifMatch] = "\"1\""
            let patched = try await client.execute(
                uri: "/api/v2/sessions/\(id)", method: .patch, headers: headers, body: ByteBuffer(string: #"{"note":"moved"}"#))
            #expect(patched.status == .ok)
            #expect(patched.headers[.eTag] == "\"2\"")
            #expect(try patched.json()["note"] == .string("moved"))

            let stale = try await client.execute(
                uri: "/api/v2/sessions/\(id)", method: .patch, headers: headers, body: ByteBuffer(string: #"{"note":"again"}"#))
            #expect(stale.status == .preconditionFailed)
            #expect(stale.headers[.contentType] == "application/problem+json")
            let problem = try stale.json()
            #expect(problem["code"] == .string("version.mismatch"))
            #expect(problem["current_version"] == .int(2))

            let unchanged = try await client.execute(uri: "/api/v2/sessions/\(id)", method: .get, headers: bearer(reader))
            #expect(try unchanged.json()["note"] == .string("moved"))

            var deleting = bearer(writer)
            deleting[.ifMatch] = "1"
            let staleDelete = try await client.execute(uri: "/api/v2/sessions/\(id)", method: .delete, headers: deleting)
            #expect(staleDelete.status == .preconditionFailed)
            deleting[.ifMatch] = "\"2\""
            let deleted = try await client.execute(uri: "/api/v2/sessions/\(id)", method: .delete, headers: deleting)
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/api/v2/sessions/\(id)", method: .get, headers: bearer(reader))
            #expect(try gone.json()["deleted"] == .bool(true))
            #expect(gone.headers[.eTag] == "\"3\"")
        }
        let patches = try ledger.readNow { db in try AuditQuery(type: "SessionUpdated").events(db) }
        #expect(patches.count == 1)
        let metadata = try JSON.parse(patches[0].metadata)
        #expect(metadata["actor"] == .string("automation"))
        #expect(metadata["client_address"] == .string("127.0.0.1"))
        #expect(metadata["request_id"]?.stringValue?.isEmpty == false)
    }

    @Test("8 concurrent PATCHes with the same If-Match: one applies, seven are 412 naming version 2")
    func concurrentPatchesOneWins() async throws {
        try await withLiveServer(ledger) { client in
            let created = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.amazon))
            let id = try #require(try created.json()["id"]?.intValue)
            var headers = bearer(writer, json: true)
            headers[.ifMatch] = "\"1\""
            let outcomes = try await withThrowingTaskGroup(of: (UInt, Int64?).self) { group in
                for index in 0..<8 {
                    group.addTask { [headers] in
                        let response = try await client.execute(
                            uri: "/api/v2/sessions/\(id)", method: .patch, headers: headers,
                            body: ByteBuffer(string: #"{"note":"writer \#(index)"}"#))
                        return (UInt(response.status.code), try response.json()["current_version"]?.intValue)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.0 == 200 }.count == 1)
            #expect(outcomes.filter { $0.0 == 412 }.count == 7)
            #expect(outcomes.filter { $0.0 == 412 }.allSatisfy { $0.1 == 2 })
        }
        #expect(try ledger.readNow { db in try AuditQuery(type: "SessionUpdated").events(db) }.count == 1)
    }

    @Test("a create repeated with the same Idempotency-Key answers exactly the first answer, even after a change, and adds nothing; another body with that key is refused")
    func idempotentCreateReplay() async throws {
        try await withLiveServer(ledger) { client in
            var headers = bearer(writer, json: true)
            headers[HTTPField.Name("Idempotency-Key")!] = "create-amazon-1"
            let first = try await client.execute(uri: "/api/v2/sessions", method: .post, headers: headers, body: ByteBuffer(string: Self.amazon))
            #expect(first.status == .created)
            let count = try ledger.eventCount()
            let again = try await client.execute(uri: "/api/v2/sessions", method: .post, headers: headers, body: ByteBuffer(string: Self.amazon))
            #expect(again.status == .created)
            #expect(try again.json()["id"] == first.json()["id"])
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again.body == first.body)
            #expect(again.headers[.eTag] == first.headers[.eTag])
            #expect(try ledger.eventCount() == count)

            // Changed since, the session is not what a repeat answers: the first answer is.
            let id = try #require(try first.json()["id"]?.intValue)
            var patch = bearer(writer, json: true)
            patch[.ifMatch] = first.headers[.eTag]
            let changed = try await client.execute(
                uri: "/api/v2/sessions/\(id)", method: .patch, headers: patch, body: ByteBuffer(string: #"{"note":"moved to port 7"}"#))
            #expect(changed.status == .ok)
            let later = try await client.execute(uri: "/api/v2/sessions", method: .post, headers: headers, body: ByteBuffer(string: Self.amazon))
            #expect(later.status == .created)
            #expect(later.body == first.body)
            #expect(later.headers[.eTag] == first.headers[.eTag])
            #expect(try later.json()["note"] == nil)
            let countAfterChange = try ledger.eventCount()

            let other = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: headers, body: ByteBuffer(string: Self.session(peer: "206.126.236.99")))
            #expect(other.status == .unprocessableContent)
            #expect(try other.json()["code"] == .string("idempotency.key-reused"))
            #expect(try ledger.eventCount() == countAfterChange)
        }
        let added = try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }
        #expect(added.count == 1)
    }

    @Test("a second live session on the same address is a 409 problem with code session.address-taken")
    func addressTakenProblem() async throws {
        try await withLiveServer(ledger) { client in
            let body = ByteBuffer(string: Self.session(peer: "206.126.236.68"))
            let first = try await client.execute(uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: body)
            #expect(first.status == .created)
            let second = try await client.execute(uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: body)
            #expect(second.status == .conflict)
            #expect(second.headers[.contentType] == "application/problem+json")
            let problem = try second.json()
            #expect(problem["code"] == .string("session.address-taken"))
            #expect(problem["status"] == .int(409))
            #expect(problem["detail"]?.stringValue?.isEmpty == false)

            let missing = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"public_id":1,"peer_asn":64500}"#))
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.json()["code"] == .string("session.missing-field"))
        }
    }

    @Test("bad input answers 400 problems naming the parameter, never a 500")
    func badInputNamesTheParameter() async throws {
        try await withLiveServer(ledger) { client in
            let cases: [(String, HTTPRequest.Method, String?, String, String)] = [
                ("/api/v2/sessions?peer_asn=99999999999999999999", .get, nil, "parameter.invalid", "peer_asn"),
                ("/api/v2/sessions?limit=0", .get, nil, "parameter.invalid", "limit"),
                ("/api/v2/sessions?limit=1001", .get, nil, "parameter.invalid", "limit"),
                ("/api/v2/sessions?limit=ten", .get, nil, "parameter.invalid", "limit"),
                ("/api/v2/sessions?cursor=-4", .get, nil, "parameter.invalid", "cursor"),
                ("/api/v2/sessions?as_of=2026-02-31", .get, nil, "parameter.invalid", "as_of"),
                ("/api/v2/sessions/abc", .get, nil, "parameter.invalid", "id"),
                ("/api/v2/sessions/99999999999999999999", .get, nil, "parameter.invalid", "id"),
                ("/api/v2/events?since=yesterday", .get, nil, "parameter.invalid", "since"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":"many","peer_ipaddr":"10.0.0.1"}"#, "parameter.invalid", "peer_asn"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":64500,"peer_ipaddr":"10.0.0.999"}"#, "parameter.invalid", "peer_ipaddr"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":4294967296,"peer_ipaddr":"10.0.0.1"}"#, "parameter.invalid", "peer_asn"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":1e30,"peer_ipaddr":"10.0.0.1"}"#, "parameter.invalid", "body"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":64500,"peer_ipaddr":"10.0.0.1","ip_type":"ipv5"}"#, "parameter.invalid", "ip_type"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":64500,"peer_ipaddr":"10.0.0.1","note":"a\nb"}"#, "parameter.invalid", "note"),
                ("/api/v2/sessions", .post, #"{"public_id":1,"peer_asn":64500,"peer_ipaddr":"10.0.0.1","peer_gruop":"x"}"#, "parameter.invalid", "peer_gruop"),
                ("/api/v2/sessions", .post, "{not json", "parameter.invalid", "body"),
            ]
            for (uri, method, body, code, name) in cases {
                let response = try await client.execute(
                    uri: uri, method: method, headers: bearer(writer, json: body != nil), body: body.map { ByteBuffer(string: $0) })
                #expect(response.status.code >= 400 && response.status.code < 500, "\(uri) \(body ?? ""): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(uri)")
                let problem = try response.json()
                #expect(problem["code"] == .string(code), "\(uri) \(body ?? ""): \(problem)")
                #expect(problem["detail"]?.stringValue?.contains(name) == true, "\(uri) \(body ?? ""): \(problem)")
            }
            let missing = try await client.execute(uri: "/api/v2/sessions/4242", method: .get, headers: bearer(reader))
            #expect(missing.status == .notFound)
            #expect(try missing.json()["code"] == .string("resource.not-found"))
        }
        #expect(try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }.isEmpty)
    }

    @Test("hostile values in every filter, path, header and body field answer 2xx or a 4xx problem, never a 5xx")
    func hostileInputNeverAServerError() async throws {
        var random = SplitMix64(seed: try TestSeed.value("APIv2 hostile input"))
        let pieces = [
            "", "0", "-1", "1", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "1e9", "0x10", "+5",
            "AS16509", "206.126.236.68", "::1", "2001:db8::", "1.2.3.999", "2026-02-31", "2026-11-20", "9999-12-31T23:59:59Z",
            "%00", "%0A", "%ZZ", "%", "é", "💥", "'; DROP TABLE sessions; --", "null", "true", "[]", "{}", "\u{0}",
            String(repeating: "9", count: 300), String(repeating: "a", count: 5000),
        ]
        func piece() -> String { pieces[Int(random.next() % UInt64(pieces.count))] }
        let filters = [
            "public_id", "id", "source_asn", "source_ipaddr", "resource_id", "peer_asn", "peer_name", "peer_participant_id",
            "peer_ipaddr", "state", "prfx_max", "ip_type", "created", "deleted", "as_of", "cursor", "limit",
        ]
        let jsonValues = ["1", "-1", "0", "4294967296", "9223372036854775807", "1.5", "1e400", "\"x\"", "null", "true", "[]", "{}"]
        // Every request is drawn before the server starts, so a seed repeats them exactly.
        var reads: [String] = []
        for _ in 0..<150 {
            let name = filters[Int(random.next() % UInt64(filters.count))]
            let value = piece().addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            switch random.next() % 4 {
            case 0: reads.append("/api/v2/sessions?\(name)=\(value)")
            case 1: reads.append("/api/v2/sessions/\(value)")
            case 2: reads.append("/api/v2/events?\(["stream", "type", "actor", "since", "until", "cursor", "limit"][Int(random.next() % 7)])=\(value)")
            default: reads.append("/api/v2/exchanges?\(["as_of", "cursor", "limit"][Int(random.next() % 3)])=\(value)")
            }
        }
        var writes: [(method: HTTPRequest.Method, body: String, ifMatch: String?)] = []
        for _ in 0..<60 {
            let field = ["public_id", "peer_asn", "peer_ipaddr", "prfx_max", "ip_type", "note", "source_asn", "state"][Int(random.next() % 8)]
            let value = random.next() % 2 == 0 ? jsonValues[Int(random.next() % UInt64(jsonValues.count))] : "\"\(piece())\""
            let body = #"{"public_id":1,"peer_asn":64500,"peer_ipaddr":"10.9.0.\#(random.next() % 250 + 1)","\#(field)":\#(value)}"#
            let ifMatch = random.next() % 4 == 0 ? piece() : nil
            writes.append((random.next() % 2 == 0 ? .post : .patch, body, ifMatch))
        }
        try await withLiveServer(ledger) { [reads, writes] client in
            for uri in reads {
                let response = try await client.execute(uri: uri, method: .get, headers: bearer(reader))
                #expect(response.status.code < 500, "\(uri): \(response.status)")
                if response.status.code >= 400 { #expect(response.headers[.contentType] == "application/problem+json", "\(uri)") }
            }
            for (method, body, ifMatch) in writes {
                var headers = bearer(writer, json: true)
                if let ifMatch { headers[.ifMatch] = ifMatch }
                let uri = method == .post ? "/api/v2/sessions" : "/api/v2/sessions/1"
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status.code < 500, "\(method) \(body): \(response.status)")
                if response.status.code >= 400 { #expect(response.headers[.contentType] == "application/problem+json", "\(body)") }
            }
        }
        #expect(try await ledger.reading { reader in try reader.verifyLog() }.isValid)
    }

    @Test("listing 25 sessions 10 at a time follows next to the end: every session once, in id order, the filters kept")
    func paginationFollowsNextToTheEnd() async throws {
        try await withLiveServer(ledger) { client in
            for index in 1...25 {
                let created = try await client.execute(
                    uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                    body: ByteBuffer(string: Self.session(peer: "10.0.0.\(index)", asn: index % 2 == 0 ? 64500 : 64501)))
                #expect(created.status == .created)
            }
            var seen: [Int64] = []
            var pages = 0
            var next: String? = "/api/v2/sessions?public_id=1&limit=10"
            while let uri = next {
                let page = try await client.execute(uri: uri, method: .get, headers: bearer(reader))
                #expect(page.status == .ok)
                let json = try page.json()
                seen += (json["items"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue }
                next = json["next"]?.stringValue
                pages += 1
                if pages > 5 { break }
            }
            #expect(pages == 3)
            #expect(seen == Array(1...25))

            var filtered: [Int64] = []
            next = "/api/v2/sessions?peer_asn=64500&limit=5"
            pages = 0
            while let uri = next {
                let json = try await client.execute(uri: uri, method: .get, headers: bearer(reader)).json()
                filtered += (json["items"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue }
                next = json["next"]?.stringValue
                if let next { #expect(next.contains("peer_asn=64500")) }
                pages += 1
                if pages > 5 { break }
            }
            #expect(filtered == Array(stride(from: 2, through: 24, by: 2)))

            let all = try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader)).json()
            #expect(all["items"]?.arrayValue?.count == 25)
            #expect(all["next"] == nil)
        }
    }

    // MARK: The log

    @Test("events filter by type, stream and actor, and page by position")
    func eventsFilter() async throws {
        try await withLiveServer(ledger) { client in
            for index in 1...3 {
                _ = try await client.execute(
                    uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                    body: ByteBuffer(string: Self.session(peer: "10.0.1.\(index)")))
            }
            let added = try await client.execute(uri: "/api/v2/events?type=SessionAdded", method: .get, headers: bearer(reader)).json()
            let items = try #require(added["items"]?.arrayValue)
            #expect(items.count == 3)
            #expect(items.allSatisfy { $0["type"] == .string("SessionAdded") })
            #expect(items.map { $0["stream"]?.stringValue } == ["session-1", "session-2", "session-3"])
            #expect(items[0]["metadata"]?["actor"] == .string("automation"))
            #expect(items[0]["payload"]?["session_id"] == .int(1))
            #expect(items[0]["payload"]?["fields"]?["peer_ipaddr"] == .string("10.0.1.1"))
            #expect(items[0]["hash"]?.stringValue?.count == 64)
            #expect(items[0]["recorded_at"]?.stringValue?.hasSuffix("Z") == true)

            let stream = try await client.execute(uri: "/api/v2/events?stream=session-2", method: .get, headers: bearer(reader)).json()
            #expect(stream["items"]?.arrayValue?.map { $0["stream"]?.stringValue } == ["session-2"])

            let byActor = try await client.execute(uri: "/api/v2/events?actor=cli:test", method: .get, headers: bearer(reader)).json()
            #expect(byActor["items"]?.arrayValue?.map { $0["type"]?.stringValue } == ["APIKeyCreated", "APIKeyCreated"])

            var positions: [Int64] = []
            var next: String? = "/api/v2/events?limit=2"
            var pages = 0
            while let uri = next, pages < 10 {
                let json = try await client.execute(uri: uri, method: .get, headers: bearer(reader)).json()
                positions += (json["items"]?.arrayValue ?? []).compactMap { $0["position"]?.intValue }
                next = json["next"]?.stringValue
                pages += 1
            }
            #expect(positions == Array(1...5))
            #expect(pages == 3)
        }
    }

    @Test("verify answers the chain's report over APIv2")
    func verifyOverV2() async throws {
        try await withLiveServer(ledger) { client in
            let report = try await client.execute(uri: "/api/v2/verify", method: .get, headers: bearer(reader)).json()
            #expect(report["valid"] == .bool(true))
            #expect(report["events"] == .int(2))
        }
    }

    @Test("a session's history is its stream's events in order; as_of answers the session as it stood then")
    func historyAndAsOf() async throws {
        let stepping = try TestLedger(start: "2026-11-20 09:00:00", stepMillis: 1000)
        let ledger = stepping.ledger
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: EventMetadata(actor: "cli:test"))
        try await withLiveServer(ledger) { client in
            let created = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.amazon))
            let id = try #require(try created.json()["id"]?.intValue)
            let before = try #require(try created.json()["modified"]?.stringValue)
            let patched = try await client.execute(
                uri: "/api/v2/sessions/\(id)", method: .patch, headers: bearer(writer, json: true),
                body: ByteBuffer(string: #"{"note":"renewed contract"}"#))
            #expect(try patched.json()["note"] == .string("renewed contract"))

            let history = try await client.execute(uri: "/api/v2/sessions/\(id)/history", method: .get, headers: bearer(writer)).json()
            let events = try #require(history["items"]?.arrayValue)
            #expect(events.map { $0["type"]?.stringValue } == ["SessionAdded", "SessionUpdated"])
            #expect(events.map { $0["stream_version"]?.intValue } == [1, 2])

            let then = try await client.execute(
                uri: "/api/v2/sessions/\(id)?as_of=\(before)", method: .get, headers: bearer(writer)).json()
            #expect(then["note"] == nil)
            #expect(then["version"] == .int(1))
            let listedThen = try await client.execute(
                uri: "/api/v2/sessions?public_id=1&as_of=\(before)", method: .get, headers: bearer(writer)).json()
            #expect(listedThen["items"]?.arrayValue?.first?["version"] == .int(1))

            let historyThen = try await client.execute(
                uri: "/api/v2/sessions/\(id)/history?as_of=\(before)", method: .get, headers: bearer(writer)).json()
            #expect(historyThen["items"]?.arrayValue?.map { $0["type"]?.stringValue } == ["SessionAdded"])
            let logThen = try await client.execute(uri: "/api/v2/events?as_of=\(before)", method: .get, headers: bearer(writer)).json()
            #expect(logThen["items"]?.arrayValue?.last?["type"] == .string("SessionAdded"))
            let verifiedThen = try await client.execute(uri: "/api/v2/verify?as_of=\(before)", method: .get, headers: bearer(writer)).json()
            #expect(verifiedThen["valid"] == .bool(true))
            #expect(verifiedThen["events"] == .int(2))

            let none = try await client.execute(uri: "/api/v2/sessions/77/history", method: .get, headers: bearer(writer))
            #expect(none.status == .notFound)
        }
    }

    // MARK: Exchanges

    @Test("exchanges come from PeeringDB with our live sessions at each, paged by id; an unknown one is 404")
    func exchangesFromPeeringDB() async throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/peeringdb")
        _ = try await ledger.importPeeringDB(from: PeeringDBFolder(path: fixtures.path), metadata: EventMetadata(actor: "test"))
        try await withLiveServer(ledger) { client in
            for address in ["206.126.236.10", "206.126.236.11"] {
                let created = try await client.execute(
                    uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true),
                    body: ByteBuffer(string: Self.session(peer: address)))
                #expect(created.status == .created)
            }
            let first = try await client.execute(uri: "/api/v2/exchanges?limit=1", method: .get, headers: bearer(reader)).json()
            let ashburn = try #require(first["items"]?.arrayValue?.first)
            #expect(ashburn["id"] == .int(1))
            #expect(ashburn["name"] == .string("Equinix Ashburn"))
            #expect(ashburn["city"] == .string("Ashburn"))
            #expect(ashburn["live_sessions"] == .int(2))
            let next = try #require(first["next"]?.stringValue)
            let second = try await client.execute(uri: next, method: .get, headers: bearer(reader)).json()
            #expect(second["items"]?.arrayValue?.count == 1)
            #expect(second["items"]?.arrayValue?.first?["live_sessions"] == .int(0))
            #expect(second["next"] == nil)

            let one = try await client.execute(uri: "/api/v2/exchanges/1", method: .get, headers: bearer(reader))
            #expect(one.status == .ok)
            #expect(try one.json()["name"] == .string("Equinix Ashburn"))
            let unknown = try await client.execute(uri: "/api/v2/exchanges/999", method: .get, headers: bearer(reader))
            #expect(unknown.status == .notFound)
            #expect(try unknown.json()["code"] == .string("resource.not-found"))
        }
    }

    @Test("a path APIv2 does not have, or a method it does not take, is a problem too")
    func unknownPathsAreProblems() async throws {
        try await withLiveServer(ledger) { client in
            let missing = try await client.execute(uri: "/api/v2/nothing-here", method: .get, headers: bearer(reader))
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(try missing.json()["code"] == .string("resource.not-found"))
            let put = try await client.execute(uri: "/api/v2/sessions", method: .put, headers: bearer(writer))
            #expect(put.status.code == 404 || put.status.code == 405)
            #expect(put.headers[.contentType] == "application/problem+json")
        }
    }

    // MARK: The spec

    @Test("the spec is served without a token, is the embedded openapi.yaml and parses as OpenAPI 3.1 with every operation")
    func specServed() async throws {
        try await withLiveServer(ledger) { client in
            let response = try await client.execute(uri: "/api/v2/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let text = String(buffer: response.body)
            #expect(text == APIv2Spec.yaml)
            let document = try #require(try Yams.load(yaml: text) as? [String: Any])
            let version = try #require(document["openapi"] as? String)
            #expect(version.hasPrefix("3.1."))
            let paths = try #require(document["paths"] as? [String: Any])
            #expect(
                Set(paths.keys).isSuperset(of: [
                    "/api/v2/sessions", "/api/v2/sessions/{id}", "/api/v2/events", "/api/v2/exchanges", "/api/v2/verify", "/api/v2/openapi.yaml",
                ]))
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/PeerLedgerAPIv2/openapi.yaml")
        #expect(try String(contentsOf: source, encoding: .utf8) == APIv2Spec.yaml)
    }

    @Test("APIv1's HMAC keys keep working beside bearer tokens")
    func apiV1Unchanged() async throws {
        try await withLiveServer(ledger) { client in
            let signedClient = SignedClient(client, key: writer.key.apiKey, secret: writer.secret)
            let answer = try await signedClient.call(PeerLedgerTestSupport.amazon)
            #expect(answer.status == 200)
            #expect(answer.body["success"] == .int(1))
            let listed = try await client.execute(uri: "/api/v2/sessions?public_id=1", method: .get, headers: bearer(writer)).json()
            #expect(listed["items"]?.arrayValue?.count == 1)
            // A write over APIv2 is seen by APIv1's next read (its kept answers follow the ledger).
            let cached = try await signedClient.call("action=getSessions&public_id=1")
            #expect(cached.body["data"]?.arrayValue?.first?["note"] == .string("I'm a fancy note."))
            _ = try await client.execute(
                uri: "/api/v2/sessions/1", method: .patch, headers: bearer(writer, json: true), body: ByteBuffer(string: #"{"note":"v2"}"#))
            let fresh = try await signedClient.call("action=getSessions&public_id=1")
            #expect(fresh.body["data"]?.arrayValue?.first?["note"] == .string("v2"))
        }
    }

    @Test("the request log names the key and the operation, never the token")
    func logsHoldNoToken() async throws {
        let logs = LogCapture()
        try await withLiveServer(ledger, logger: logs.logger) { client in
            _ = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: bearer(writer, json: true), body: ByteBuffer(string: Self.amazon))
            _ = try await client.execute(uri: "/api/v2/sessions", method: .get, headers: bearer(reader))
        }
        let text = logs.text
        #expect(text.contains("createSession") && text.contains("automation"))
        #expect(!text.contains(writer.token) && !text.contains(reader.token))
        #expect(!text.contains(writer.secret) && !text.contains("ace12345"))
    }
}

/// `peerledger keys create` prints the token beside the apiKey and the secret, with its scope,
/// and the token it prints is what APIv2 accepts.
@Suite(
    "keys create issues bearer tokens", .serialized,
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct KeysTokenTests {
    @Test("keys create prints apiKey, secret, token and scope; --scope admin and --read-only are kept; a bad scope is refused")
    func keysCreatePrintsToken() async throws {
        let folder = Scratch.url("keys-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        #expect(try await peerledger(["init", "--db", path]).status == 0)

        let admin = try await peerledger(["keys", "create", "--db", path, "--name", "ops", "--scope", "admin"])
        #expect(admin.status == 0, "\(admin.errors)")
        let printed = try JSON.parse(admin.output.trimmingCharacters(in: .whitespacesAndNewlines))
        let token = try #require(printed["token"]?.stringValue)
        #expect(token.hasPrefix("plt_") && token.count == 68)
        #expect(printed["scope"] == .string("admin"))
        #expect(printed["apiKey"]?.stringValue?.isEmpty == false && printed["secret"]?.stringValue?.count == 32)

        let readOnly = try await peerledger(["keys", "create", "--db", path, "--name", "dash", "--read-only"])
        #expect(try JSON.parse(readOnly.output.trimmingCharacters(in: .whitespacesAndNewlines))["scope"] == .string("read"))

        let bad = try await peerledger(["keys", "create", "--db", path, "--name", "x", "--scope", "root"])
        #expect(bad.status != 0)
        #expect(bad.errors.contains("--scope must be read, write or admin"))

        let ledger = try Ledger.open(at: path)
        try await withLiveServer(ledger) { client in
            let response = try await client.execute(
                uri: "/api/v2/sessions", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: APIv2Tests.amazon))
            #expect(response.status == .created)
        }
    }
}
