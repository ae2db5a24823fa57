import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerMail
import PeerLedgerTestSupport

@Suite("Outbox worker")
struct OutboxWorkerTests {
    @Test("a queued request is delivered once, its reply recorded, and a second pass sends nothing")
    func deliveredOnce() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest.replacingOccurrences(of: "bcc=", with: "bcc=archive%406connect.com"))
        let transport = RecordingTransport()
        let worker = OutboxWorker(ledger: t.ledger, transport: transport)
        let first = try await worker.deliverDue()
        #expect(first.delivered == [1])
        #expect(try await worker.deliverDue().isEmpty)
        #expect(transport.sent.count == 1)
        #expect(transport.sent[0].sender == "ops@6connect.com")
        #expect(transport.sent[0].recipients == ["nalinmk@gmail.com", "archive@6connect.com"])
        #expect(!transport.sent[0].message.contains("archive@6connect.com"))
        #expect(try t.events().map(\.type) == ["PeeringRequestSent", "PeeringRequestDelivered"])
        let request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["delivery_status"] == .string("delivered"))
        #expect(request["delivery_reply"] == .string("250 2.0.0 Ok: queued as TEST"))
        #expect(request["delivery_attempts"] == .string("1"))
        #expect(request["delivered"] == .string("2014-04-23 10:31:33"))
    }

    @Test("a temporary failure is retried with growing delays, then failed for good and shown in getRequests")
    func retriesThenFails() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest)
        let down = MailDeliveryError(reply: "cannot connect to 127.0.0.1:2525: connection refused", permanent: false)
        let transport = RecordingTransport([.failure(down), .failure(down), .failure(down)])
        let worker = OutboxWorker(
            ledger: t.ledger, transport: transport, retry: RetryPolicy(maximumAttempts: 3, firstDelaySeconds: 60, maximumDelaySeconds: 3600))
        #expect(try await worker.deliverDue().retrying == [1])
        var request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["delivery_status"] == .string("retrying"))
        #expect(request["next_attempt"] == .string("2014-04-23 10:32:33"))
        #expect(request["delivery_reply"] == .string(down.reply))
        // Not due yet: nothing is tried.
        #expect(try await worker.deliverDue().isEmpty)
        t.clock.set(Timestamp(parsing: "2014-04-23 10:32:33")!)
        #expect(try await worker.deliverDue().retrying == [1])
        request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["next_attempt"] == .string("2014-04-23 10:34:33"))
        t.clock.set(Timestamp(parsing: "2014-04-23 10:34:33")!)
        #expect(try await worker.deliverDue().failed == [1])
        request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["delivery_status"] == .string("failed"))
        #expect(request["delivery_attempts"] == .string("3"))
        #expect(transport.sent.count == 3)
        #expect(try t.events().map(\.type) == [
            "PeeringRequestSent", "PeeringRequestDeliveryFailed", "PeeringRequestDeliveryFailed", "PeeringRequestFailedPermanently",
        ])
        t.clock.set(Timestamp(parsing: "2014-05-23 10:34:33")!)
        #expect(try await worker.deliverDue().isEmpty)
    }

    @Test("a 5xx refusal fails the request for good at once, and a failed request does not start the quiet period")
    func permanentFailure() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest)
        let transport = RecordingTransport([.failure(MailDeliveryError(reply: "RCPT TO:<nalinmk@gmail.com>: 550 5.1.1 No such user", permanent: true))])
        let worker = OutboxWorker(ledger: t.ledger, transport: transport)
        #expect(try await worker.deliverDue().failed == [1])
        #expect(try await t.call(seedRequest).message == "Request sent")
    }

    @Test("the retry delay doubles up to its maximum")
    func backoff() {
        let policy = RetryPolicy(maximumAttempts: 10, firstDelaySeconds: 60, maximumDelaySeconds: 600)
        #expect((1...6).map(policy.delay(afterAttempt:)) == [60, 120, 240, 480, 600, 600])
    }

    @Test("a claimed row is not sent by a second worker; after a crash the claim lapses and it goes once")
    func claims() async throws {
        let path = temporaryDatabasePath()
        let t = try TestLedger(requests: seedSettings, path: path)
        try await t.call(seedRequest)
        // A worker claims the row and dies before sending (the claim is committed).
        let now = t.clock.now()
        let claimed = try await t.ledger.database.write { db in
            try Outbox.claimDue(db, now: now, until: Timestamp(millis: now.millis + 300_000), limit: 10)
        }
        #expect(claimed.map(\.requestID) == [1])
        let transport = RecordingTransport()
        let other = OutboxWorker(ledger: t.ledger, transport: transport)
        #expect(try await other.deliverDue().isEmpty)
        // After a restart, once the claim has lapsed, the message goes, once.
        t.clock.set(Timestamp(millis: now.millis + 300_000))
        let reopened = try Ledger.open(at: path, clock: t.clock, ids: SequentialIDs(prefix: "restart"))
        let worker = OutboxWorker(ledger: reopened, transport: transport)
        #expect(try await worker.deliverDue().delivered == [1])
        #expect(try await worker.deliverDue().isEmpty)
        #expect(transport.sent.count == 1)
        #expect(transport.sent[0].message.contains("Message-ID: <request-1@peerledger.6connect.com>"))
    }

    @Test("a request committed before a crash is delivered after the restart, once")
    func afterRestart() async throws {
        let path = temporaryDatabasePath()
        do {
            let t = try TestLedger(requests: seedSettings, path: path)
            try await t.call(seedRequest)
        }
        let reopened = try Ledger.open(at: path)
        let transport = RecordingTransport()
        let worker = OutboxWorker(ledger: reopened, transport: transport)
        #expect(try await worker.deliverDue().delivered == [1])
        #expect(try await worker.deliverDue().isEmpty)
        #expect(transport.sent.count == 1)
    }

    @Test("no SMTP secret appears in the log: events carry replies and addresses only")
    func noSecretsInEvents() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest)
        try await OutboxWorker(ledger: t.ledger, transport: RecordingTransport()).deliverDue()
        let payloads = try t.events().map(\.payload).joined()
        #expect(!payloads.contains("password"))
        #expect(payloads.contains("\"message_id\":\"request-1@peerledger.6connect.com\""))
    }
}
