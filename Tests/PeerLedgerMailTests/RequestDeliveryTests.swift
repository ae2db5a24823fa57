import Foundation
import GRDB
import NIOCore
@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import Testing

@testable import PeerLedgerMail
import PeerLedgerTestSupport

/// The seed's world, as in the core tests: 6connect (2335, AS8038) asks Amazon.com (1418, AS16509).
let directory = FixedPeeringDirectory(
    exchanges: [1: "Equinix Ashburn", 5: "Equinix San Jose", 7: "Equinix Palo Alto"],
    networks: [
        DirectoryNetwork(participantID: 2335, asn: 8038, name: "6connect, Inc.", peeringDBURL: "http://as8038.peeringdb.com"),
        DirectoryNetwork(participantID: 1418, asn: 16509, name: "Amazon.com"),
    ],
    presences: [
        .init(participantID: 2335, publicID: 1, addresses: ["206.126.236.20", "2001:504:0:2::8038:1"]),
        .init(participantID: 1418, publicID: 1, addresses: ["206.126.236.68", "2001:504:0:2::1:6509"]),
        .init(participantID: 1418, publicID: 5, addresses: ["206.223.116.177"]),
    ],
    contacts: [1418: [NetworkContact(role: "Policy", name: "Amazon Peering", email: "peering@amazon.com")]])

/// An end-to-end world: a ledger file, the API over it, and the outbox worker with real SMTP.
struct MailWorld {
    let path: String
    let clock: SteppingClock
    let ledger: Ledger
    let api: APIv1

    init(path: String? = nil, clock: SteppingClock? = nil) throws {
        self.path = path ?? Scratch.url("mail-\(UUID().uuidString).sqlite").path
        self.clock = clock ?? SteppingClock(start: Timestamp(parsing: "2014-04-23 10:31:33")!, stepMillis: 0)
        ledger = try Ledger.open(at: self.path, clock: self.clock, ids: SequentialIDs())
        api = APIv1(
            ledger: ledger,
            requests: PeeringRequestSettings(
                directory: directory, ourParticipantID: 2335, sender: try Mailbox(parsing: "Operations <ops@6connect.com>", field: "sender")))
    }

    @discardableResult
    func call(_ query: String) async throws -> APIAnswer { try await api.call(query) }

    func worker(_ sink: SMTPSink, port: Int? = nil) -> OutboxWorker {
        OutboxWorker(
            ledger: ledger,
            transport: SMTPTransport(configuration: SMTPConfiguration(host: "127.0.0.1", port: port ?? sink.port, timeout: .seconds(5))),
            retry: RetryPolicy(maximumAttempts: 5, firstDelaySeconds: 60))
    }

    func request(_ id: Int) async throws -> JSON? {
        try await call("action=getRequests").data?.arrayValue?.first { $0["id"] == .string(String(id)) }
    }
}

let request =
    "action=sendRequest&public_id=1&peer_participant_id=1418&source_participant_id=2335&source_asn=8038&peer_name=Amazon.com&peer_asn=16509"
    + "&email_from=Operations+%3Cops%406connect.com%3E&email_to=Amazon+Peering+%3Cpeering%40amazon.com%3E"
    + "&cc=noc%406connect.com&bcc=archive%406connect.com&type=text&status=sent"
    + "&subject=Peering+request+from+6connect%2C+Inc.+%E2%80%93+M%C3%BCnchen+too"
    + "&body=Peering%2C%0D%0A%0D%0A6connect%2C+Inc.%2C+8038%2C+would+like+to+peer+with+Amazon.com.%0D%0A.%0D%0ASch%C3%B6ne+Gr%C3%BC%C3%9Fe%0D%0A"

@Suite("Peering requests by SMTP", .serialized, .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
struct RequestDeliveryTests {
    @Test("the message as received: headers, RFC 2047 subject, quoted-printable body, Bcc in the envelope only")
    func receivedMessage() async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let world = try MailWorld()
        #expect(try await world.call(request).message == "Request sent")
        #expect(try await world.worker(sink).deliverDue().delivered == [1])
        let received = try sink.received()
        #expect(received.count == 1)
        let mail = received[0]
        #expect(mail.mailFrom == "ops@6connect.com")
        #expect(mail.rcptTos == ["peering@amazon.com", "noc@6connect.com", "archive@6connect.com"])
        #expect(mail.header("From") == "Operations <ops@6connect.com>")
        #expect(mail.header("To") == "Amazon Peering <peering@amazon.com>")
        #expect(mail.header("Cc") == "noc@6connect.com")
        #expect(mail.header("Bcc") == nil)
        #expect(!mail.content.contains("archive@6connect.com"))
        #expect(mail.header("Message-ID") == "<request-1@peerledger.6connect.com>")
        #expect(mail.header("Date") == "Wed, 23 Apr 2014 10:31:33 +0000")
        let subject = try #require(mail.header("Subject"))
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(mail.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(mail.body == "Peering,\n\n6connect, Inc., 8038, would like to peer with Amazon.com.\n.\nSch=C3=B6ne Gr=C3=BC=C3=9Fe\n")
        // Python's own MIME parser reads it back to the original words.
        #expect(try await decodedByPython(mail.content) == "Peering request from 6connect, Inc. – München too\u{1F}Peering,\n\n6connect, Inc., 8038, would like to peer with Amazon.com.\n.\nSchöne Grüße\n")

        let shown = try #require(try await world.request(1))
        #expect(shown["delivery_status"] == .string("delivered"))
        #expect(shown["delivery_reply"] == .string("250 2.0.0 Ok: queued as SINK0"))
    }

    @Test("server down at send time: recorded and queued; when it comes up the worker delivers it once")
    func serverDownThenUp() async throws {
        let sink = try SMTPSink()
        let world = try MailWorld()
        #expect(try await world.call(request).message == "Request sent")
        #expect(try await world.request(1)?["delivery_status"] == .string("queued"))
        let worker = world.worker(sink)
        #expect(try await worker.deliverDue().retrying == [1])
        let waiting = try #require(try await world.request(1))
        #expect(waiting["delivery_status"] == .string("retrying"))
        #expect(waiting["delivery_reply"]?.stringValue?.hasPrefix("cannot connect to 127.0.0.1:\(sink.port)") == true)
        #expect(waiting["next_attempt"] == .string("2014-04-23 10:32:33"))

        try await sink.start()
        #expect(try await worker.deliverDue().isEmpty)  // not due yet
        world.clock.set(Timestamp(parsing: "2014-04-23 10:32:33")!)
        #expect(try await worker.deliverDue().delivered == [1])
        #expect(try await worker.deliverDue().isEmpty)
        world.clock.set(Timestamp(parsing: "2014-04-24 10:32:33")!)
        #expect(try await worker.deliverDue().isEmpty)
        #expect(try sink.received().count == 1)
        #expect(try await world.request(1)?["delivery_attempts"] == .string("2"))
    }

    @Test("killed between commit and delivery: after the restart the message is delivered once")
    func restart() async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let path: String
        do {
            let world = try MailWorld()
            path = world.path
            #expect(try await world.call(request).message == "Request sent")
        }  // the process "dies" here: nothing was sent
        #expect(try sink.received().isEmpty)
        let restarted = try MailWorld(path: path)
        #expect(try await restarted.worker(sink).deliverDue().delivered == [1])
        #expect(try await restarted.worker(sink).deliverDue().isEmpty)
        #expect(try sink.received().count == 1)
    }

    @Test(
        "a child process killed after the commit leaves the message to be delivered once by the next one",
        .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
    func killedChild() async throws {
        let binary = try #require(peerledgerBinaryPath)
        let sink = try SMTPSink()
        try await sink.start()
        let silent = try SMTPSink(mode: "silent")
        try await silent.start()
        let world = try MailWorld(clock: SteppingClock(start: Timestamp(Date()), stepMillis: 0))
        #expect(try await world.call(request).message == "Request sent")
        // A `peerledger outbox deliver` whose server never answers, killed while it waits.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = ["outbox", "deliver", "--db", world.path, "--smtp-host", "127.0.0.1", "--smtp-port", String(silent.port), "--smtp-timeout", "30"]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        var claimed = false
        try await waitUntil("peerledger outbox deliver to claim request 1", within: .seconds(20), every: .milliseconds(100)) {
            claimed = try await world.ledger.read { db in
                try String.fetchOne(db, sql: "SELECT claimed_until FROM outbox WHERE request_id = 1") != nil
            }
            return claimed
        }
        #expect(claimed)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(try await world.request(1)?["delivery_status"] == .string("queued"))
        // Once its claim (10 x the 30 s timeout) lapses, the next worker delivers it, once.
        world.clock.set(Timestamp(millis: world.clock.now().millis + 301_000))
        #expect(try await world.worker(sink).deliverDue().delivered == [1])
        #expect(try await world.worker(sink).deliverDue().isEmpty)
        #expect(try sink.received().count == 1)
    }

    @Test(
        "peerledger outbox deliver sends what is due, once, and says so",
        .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
    func deliverCommand() async throws {
        let binary = try #require(peerledgerBinaryPath)
        let sink = try SMTPSink()
        try await sink.start()
        let world = try MailWorld(clock: SteppingClock(start: Timestamp(Date()), stepMillis: 0))
        #expect(try await world.call(request).message == "Request sent")
        for expected in ["delivered 1, retrying 0, failed 0\n", "delivered 0, retrying 0, failed 0\n"] {
            let run = try await runProgram(binary, ["outbox", "deliver", "--db", world.path, "--smtp-port", String(sink.port)])
            #expect(run.output == expected)
            #expect(run.status == 0)
        }
        #expect(try sink.received().count == 1)
        #expect(try await world.request(1)?["delivery_status"] == .string("delivered"))
    }

    @Test("header injection attempts are refused and nothing is queued or sent", arguments: [
        "subject=Hello%0D%0ABcc%3A+victim%40example.net", "email_to=Eve+%0D%0ABcc%3A+x%40example.net+%3Cpeering%40amazon.com%3E",
        "email_to=peering%40amazon.com%0D%0ARCPT+TO%3A%3Cvictim%40example.net%3E", "cc=noc%406connect.com%0ABcc%3A+victim%40example.net",
        "email_from=Operations%0D%0AX-Evil%3A+1+%3Cops%406connect.com%3E",
    ])
    func injection(_ change: String) async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let world = try MailWorld()
        var pairs = try Parameters(formEncoded: request).pairs
        let replacement = try Parameters(formEncoded: change).pairs[0]
        let index = try #require(pairs.firstIndex { $0.name == replacement.name })
        pairs[index].value = replacement.value
        let answer = try await world.call(try Parameters(pairs).formEncoded)
        #expect(!answer.succeeded)
        #expect(answer.message.hasPrefix("\(replacement.name) must not contain control characters"))
        #expect(try await world.worker(sink).deliverDue().isEmpty)
        #expect(try sink.received().isEmpty)
        #expect(try world.ledger.eventCount() == 0)
    }

    @Test("a crash after the server accepted but before the record resends with the same Message-ID")
    func duplicateIsRecognisable() async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let world = try MailWorld()
        try await world.call(request)
        let now = world.clock.now()
        let claimed = try await world.ledger.database.write { db in
            try Outbox.claimDue(db, now: now, until: Timestamp(millis: now.millis + 300_000), limit: 1)
        }
        // The worker sends, then dies before recording the server's acceptance.
        _ = try await SMTPTransport(configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.port)).deliver(claimed[0].mail)
        world.clock.set(Timestamp(millis: now.millis + 300_000))
        #expect(try await world.worker(sink).deliverDue().delivered == [1])
        let received = try sink.received()
        #expect(received.count == 2)
        #expect(received.map { $0.header("Message-ID") } == ["<request-1@peerledger.6connect.com>", "<request-1@peerledger.6connect.com>"])
    }

    @Test("sendEmail's default request reaches the Policy contact with both addresses at the common exchange")
    func sendEmail() async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let world = try MailWorld()
        #expect(try await world.call("action=sendEmail&participant_id=1418&public_id=1").message == "Request sent")
        try await world.worker(sink).deliverDue()
        let mail = try #require(try sink.received().first)
        #expect(mail.rcptTos == ["peering@amazon.com"])
        #expect(mail.header("Subject") == "Peering request from 6connect, Inc. (AS8038)")
        #expect(mail.body.contains("Equinix Ashburn - 206.126.236.68\nEquinix Ashburn - 2001:504:0:2::1:6509\n"))
        #expect(mail.body.contains("Equinix Ashburn, 206.126.236.20\nEquinix Ashburn, 2001:504:0:2::8038:1\n"))
        #expect(mail.body.contains("PeeringDB: http://as8038.peeringdb.com"))
    }
}

/// Subject and text body as Python's email package decodes them, joined by U+001F.
func decodedByPython(_ message: String) async throws -> String {
    let file = Scratch.url("msg-\(UUID().uuidString).eml")
    try message.write(to: file, atomically: true, encoding: .utf8)
    let script =
        "import email, email.policy, sys; m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default); "
        + "sys.stdout.buffer.write((str(m['subject']) + '\\x1f' + m.get_content()).encode())"
    return try await runProgram("/usr/bin/python3", ["-c", script, file.path], seconds: 30).output
}
