import AsyncHTTPClient
import Foundation
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// Generated calls against a live `peerledger serve` child process: malformed, oversized,
/// duplicated, tampered after signing and re-signed with hostile values. A trap would end the
/// child, so "the server still answers" is checked after every call.
///
/// The seed is printed; set PEERLEDGER_FUZZ_SEED to run another (or to replay a failure), and
/// PEERLEDGER_FUZZ_CALLS for more calls.
@Suite(
    "Fuzz: hostile calls against a live server",
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct FuzzTests {
    static let calls: Int = ProcessInfo.processInfo.environment["PEERLEDGER_FUZZ_CALLS"].flatMap { Int($0) } ?? 2_400

    /// One generated call and what the server must do with it.
    struct Call {
        var body: String
        /// Sent exactly as signed: authentication must let it in (or refuse only its `time`).
        var exactlySigned: Bool
        var hasTime: Bool
        var what: String
    }

    /// The seed's calls, one per action, before any mutation (our network AS8038 at Equinix
    /// Ashburn, Amazon AS16509 as the peer).
    static let templates: [[(String, String)]] = [
        [("target", "peering"), ("action", "getSessions"), ("public_id", "1")],
        [("target", "peering"), ("action", "getPeers"), ("public_id", "1"), ("asn", "16509")],
        [("target", "peering"), ("action", "getCommunications"), ("public_id", "1")],
        [("target", "peering"), ("action", "getRequests"), ("peer_participant_id", "1418")],
        [
            ("target", "peering"), ("action", "addSession"), ("source_asn", "8038"), ("source_ipaddr", "1.2.3.5"),
            ("resource_id", "422"), ("peer_asn", "16509"), ("peer_name", "Amazon.com"), ("peer_participant_id", "1418"),
            ("peer_ipaddr", "206.126.236.68"), ("peer_group", "LAME-PEERS"), ("public_id", "1"), ("type", "Peer"),
            ("prfx_max", "200"), ("password", "ace12345"), ("note", "I'm a fancy note."),
        ],
        [("target", "peering"), ("action", "updateSession"), ("id", "1"), ("note", "updated")],
        [("target", "peering"), ("action", "deleteSession"), ("peer_ipaddr", "206.126.236.99"), ("public_id", "1")],
        [("target", "peering"), ("action", "configureSession"), ("session_id", "1")],
        [("target", "peering"), ("action", "resetPeerStatus"), ("participant_id", "1418"), ("public_id", "1")],
        [
            ("target", "peering"), ("action", "sendRequest"), ("public_id", "1"), ("peer_participant_id", "1418"),
            ("source_participant_id", "2"), ("peer_name", "Amazon.com"), ("peer_asn", "16509"),
            ("email_from", "peering@inoc.com"), ("email_to", "peering@amazon.com"), ("subject", "Peering at Equinix Ashburn"),
            ("body", "Hello"), ("type", "text"), ("status", "sent"),
        ],
        [("target", "peering"), ("action", "sendEmail"), ("participant_id", "1418"), ("public_id", "1")],
        [("target", "peering"), ("action", "updatePeer"), ("participant_id", "1418"), ("public_id", "1"), ("qualified", "1")],
        [("target", "audit"), ("action", "getEvents"), ("limit", "5")],
        [("target", "audit"), ("action", "getHistory"), ("session", "1")],
        [("target", "audit"), ("action", "verify")],
    ]

    /// Values that broke or could break a parser: overflowing numbers, impossible dates,
    /// injections into SQL, router commands and mail headers, bytes that are not text.
    static let hostileValues = [
        "", " ", "-1", "0", "+1", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "9223372036854776", "-9223372036854776", "99999999999999999999999999", "1e308", "NaN", "0x10", "4294967296",
        "AS4294967296", "2026-02-31", "2026-13-01", "0000-00-00", "9999-12-31 23:59:59", "2026-11-20T25:00:00Z",
        "'; DROP TABLE events; --", "1 OR 1=1", "%", "%%", "\u{0}", "a\nneighbor 1.2.3.4 remote-as 666", "x\r\nBcc: victim@example.com",
        "😀", "::ffff:1.2.3.4", "999.1.1.1", "2001:db8::1%eth0", "[]", "{}", "\\", "\"", "<script>", String(repeating: "9", count: 400),
    ]

    /// Numbers at and past the edges of 64-bit arithmetic, as seconds, milliseconds and ids.
    static let edgeNumbers = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "9223372036854776", "-9223372036854776",
        "18446744073709551615", "-1", "0", "2147483648", "4294967296",
    ]

    /// The parameters read as numbers or times.
    static let numberNames = [
        "id", "public_id", "peer_asn", "source_asn", "prfx_max", "as_of", "created", "modified", "date_created",
        "date_lastupdated", "since", "until", "after_position", "limit", "session", "session_id", "participant_id",
        "expected_version", "peer_participant_id", "resource_id",
    ]

    static let names = [
        "id", "public_id", "peer_asn", "source_asn", "prfx_max", "as_of", "created", "modified", "date_created", "date_lastupdated",
        "since", "until", "after_position", "limit", "session", "session_id", "participant_id", "expected_version", "time",
        "peer_ipaddr", "source_ipaddr", "ip_type", "state", "type", "status", "email_to", "email_from", "subject", "cc", "bcc",
        "peer_name", "peer_group", "password", "note", "resource_id", "qualified", "idempotency_key", "unknown_parameter",
    ]

    @Test("2,000+ hostile calls: no trap, no 5xx, the envelope on every answer, 401 unless exactly signed, no event from a refused call")
    func hostileCalls() async throws {
        let seed = try TestSeed.value("FuzzTests", fixed: 20_261_204, variable: "PEERLEDGER_FUZZ_SEED")
        print("FuzzTests: \(Self.calls) calls (PEERLEDGER_FUZZ_CALLS sets how many)")
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try await ServerProcess.start(database: database, extra: ["--outbox-interval", "0", "--poll-interval", "0"])
        defer { server.kill() }
        let ledger = try Ledger.open(at: database, access: .readOnly)
        var random = SplitMix64(seed: seed)
        var counts: [String: Int] = [:]
        try await withHTTPClient { client in
            for index in 0..<Self.calls {
                let call = Self.generate(&random, key: key.apiKey, secret: secret)
                counts[call.what, default: 0] += 1
                let before = try ledger.eventCount()
                let where_ = "call \(index) (\(call.what)), seed \(seed): \(call.body.prefix(300))"
                // Long or malformed text travels as a POST body (a URL could not carry it); the rest half and half.
                let post = random.next() % 2 == 0 || call.body.utf8.count > 4000 || call.what == "malformed-form"
                let answer: (status: Int, body: String)
                do {
                    answer = try await Self.send(call, client: client, port: server.port, post: post)
                } catch {
                    let state = server.process.isRunning ? "is still running" : "died (status \(server.process.terminationStatus))"
                    Issue.record("\(where_): no answer (\(error)); the server \(state)")
                    break
                }
                #expect(answer.status < 500, "\(where_) → \(answer.status)")
                let envelope = try? JSON.parse(answer.body)
                #expect(envelope?["success"] == .int(0) || envelope?["success"] == .int(1), "\(where_) → \(answer.body.prefix(200))")
                #expect(envelope?["message"]?.stringValue != nil, "\(where_) → \(answer.body.prefix(200))")
                if call.body.utf8.count > 1 << 20 {
                    #expect(answer.status == 413, "\(where_) → \(answer.status)")
                } else if !call.exactlySigned {
                    #expect(answer.status == 401, "\(where_) → \(answer.status) \(answer.body.prefix(200))")
                } else if !call.hasTime {
                    #expect(answer.status == 200, "\(where_) → \(answer.status) \(answer.body.prefix(200))")
                }
                if envelope?["success"] != .int(1) {
                    #expect(try ledger.eventCount() == before, "\(where_): a refused call appended events")
                }
                #expect(server.process.isRunning, "\(where_): the server died")
                if !server.process.isRunning { break }
            }
        }
        print("FuzzTests calls by kind: \(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        #expect(try ledger.verify().isValid)
    }

    /// One generated call: a mutation of a template, signed or not, before or after the mutation.
    static func generate(_ random: inout SplitMix64, key: String, secret: String) -> Call {
        var pairs = templates[Int(random.next() % UInt64(templates.count))]
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        func sign(_ pairs: [(String, String)]) -> (message: String, raw: String) {
            let message = (pairs + [("apiKey", key)]).map { "\(Parameters.encode($0.0))=\(Parameters.encode($0.1))" }.joined(separator: "&")
            return (message, appendingHash(to: message, secret: secret))
        }
        let hasTime: ([(String, String)]) -> Bool = { $0.contains { $0.0 == "time" } }
        switch random.next() % 10 {
        case 0:
            // A hostile value in a parameter the action reads, then signed: let in, then judged.
            // Half of them are numbers at the edges of 64 bits in a parameter read as a number.
            let edge = random.next() % 2 == 0
            let name = edge ? pick(numberNames) : pick(names)
            pairs.removeAll { $0.0 == name }
            pairs.append((name, edge ? pick(edgeNumbers) : pick(hostileValues)))
            return Call(body: sign(pairs).raw, exactlySigned: true, hasTime: hasTime(pairs), what: "hostile-value")
        case 1:
            // A template value replaced by a hostile one, then signed.
            let index = 2 + Int(random.next() % UInt64(max(1, pairs.count - 2)))
            if index < pairs.count { pairs[index].1 = pick(hostileValues) }
            return Call(body: sign(pairs).raw, exactlySigned: true, hasTime: false, what: "hostile-template")
        case 2:
            // Oversized: a value from 10 KB to 300 KB, signed.
            let size = 10_000 + Int(random.next() % 290_000)
            pairs.append((pick(["note", "body", "peer_name", "config", "subject"]), String(repeating: pick(["a", "é", "%", "\n"]), count: size)))
            return Call(body: sign(pairs).raw, exactlySigned: true, hasTime: false, what: "oversized")
        case 3:
            // A parameter given twice, signed.
            let duplicate = pick(pairs)
            pairs.insert(duplicate, at: Int(random.next() % UInt64(pairs.count + 1)))
            return Call(body: sign(pairs).raw, exactlySigned: true, hasTime: false, what: "duplicated")
        case 4:
            // Parameters appended after the hash.
            let raw = sign(pairs).raw + "&\(pick(names))=\(Parameters.encode(pick(hostileValues)))"
            return Call(body: raw, exactlySigned: false, hasTime: false, what: "appended-after-hash")
        case 5:
            // A second apiKey, hash or time inside the signed bytes.
            let extra = pick(["apiKey", "hash", "time"])
            var extended = pairs
            extended.append((extra, extra == "time" ? "0" : "1-OTHER"))
            if extra == "time" { extended.append(("time", "1")) }
            return Call(body: sign(extended).raw, exactlySigned: false, hasTime: true, what: "second-\(extra)")
        case 6:
            // One byte of the signed text changed after signing.
            var bytes = Array(sign(pairs).message.utf8)
            let position = Int(random.next() % UInt64(bytes.count))
            bytes[position] = bytes[position] == UInt8(ascii: "7") ? UInt8(ascii: "8") : UInt8(ascii: "7")
            let tampered = String(decoding: bytes, as: UTF8.self)
            let hash = signature(of: sign(pairs).message, secret: secret)
            return Call(body: "\(tampered)&hash=\(hash)", exactlySigned: false, hasTime: false, what: "tampered")
        case 7:
            // Unsigned, or signed with another secret.
            if random.next() % 2 == 0 {
                let raw = pairs.map { "\($0.0)=\(Parameters.encode($0.1))" }.joined(separator: "&")
                return Call(body: raw, exactlySigned: false, hasTime: false, what: "unsigned")
            }
            let message = (pairs + [("apiKey", key)]).map { "\($0.0)=\(Parameters.encode($0.1))" }.joined(separator: "&")
            let raw = appendingHash(to: message, secret: "0123456789abcdef0123456789abcdef")
            return Call(body: raw, exactlySigned: false, hasTime: false, what: "wrong-secret")
        case 8:
            // Malformed form text inside the signed bytes: bad escapes, bare names, stray separators.
            let junk = pick(["%", "%zz", "%C3", "=", "&&", "a=%E0%80%80", "==x", "note=%FF%FE"])
            let message = "\(pairs.map { "\($0.0)=\(Parameters.encode($0.1))" }.joined(separator: "&"))&\(junk)&apiKey=\(key)"
            return Call(
                body: appendingHash(to: message, secret: secret), exactlySigned: true,
                hasTime: false, what: "malformed-form")
        default:
            // The template as it is: a real call, so the log grows and later calls meet real rows.
            return Call(body: sign(pairs).raw, exactlySigned: true, hasTime: false, what: "valid")
        }
    }

    /// Sends a call as a GET query or a POST body; the status and the body.
    static func send(_ call: Call, client: HTTPClient, port: Int, post: Bool) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/api.php" + (post ? "" : "?\(call.body)"))
        if post {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: call.body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
