import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerSettings
import PeerLedgerTestSupport
import PeerLedgerWebhooks
import Synchronization
import Testing

/// Webhooks end to end: subscriptions over APIv2, deliveries by the worker to a receiver on
/// loopback that checks each Standard Webhooks signature with the subscription's secret.
@Suite("Webhooks")
struct WebhookTests {
    static let metadata = EventMetadata(actor: "cli:test")

    // MARK: Delivery

    @Test("only events of the subscribed types appended after the subscription are delivered, in log order, each signed")
    func deliversMatchingEventsInOrder() async throws {
        let test = try TestLedger()
        let ledger = test.ledger
        // Before the subscription: never delivered.
        _ = try ledger.createAPIKey(name: "before", scope: .read, metadata: Self.metadata)
        _ = try ledger.revokeAPIKey("before", metadata: Self.metadata)
        try await withReceiver { receiver in
            let (webhook, secret) = try await ledger.subscribeWebhook(
                url: receiver.url, eventTypes: [APIKeyRevoked.type], metadata: Self.metadata)
            for name in ["a", "b", "c"] { _ = try ledger.createAPIKey(name: name, scope: .read, metadata: Self.metadata) }
            _ = try ledger.revokeAPIKey("c", metadata: Self.metadata)
            _ = try ledger.revokeAPIKey("a", metadata: Self.metadata)
            let revoked = try test.events().filter { $0.type == APIKeyRevoked.type && $0.position > webhook.position }
            #expect(revoked.count == 2)

            let pass = try await WebhookWorker(ledger: ledger).deliverDue()
            #expect(pass.delivered == revoked.map(\.position))
            let got = receiver.deliveries
            #expect(got.map(\.position) == revoked.map(\.position))
            #expect(got.map(\.type) == [APIKeyRevoked.type, APIKeyRevoked.type])
            #expect(got.compactMap { $0.json["payload"]?["name"]?.stringValue } == ["c", "a"])
            #expect(got.map(\.id) == revoked.map { "msg_\(webhook.id)_\($0.position)" })
            for delivery in got { #expect(delivery.verifies(secret: secret)) }
            // The body is the event as APIv2 answers it.
            #expect(got.first?.json["hash"] == .string(revoked[0].hash))
            #expect(got.first?.json["stream"] == .string(revoked[0].stream))

            // Nothing more is owed.
            #expect(try await WebhookWorker(ledger: ledger).deliverDue().isEmpty)
            #expect(receiver.deliveries.count == 2)
        }
    }

    @Test("the signature verifies with the subscription's secret, not with another secret nor over a tampered body")
    func signatureVerifiesOnlyTheBodySent() async throws {
        let test = try TestLedger()
        try await withReceiver { receiver in
            let (_, secret) = try await test.ledger.subscribeWebhook(
                url: receiver.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
            _ = try test.ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
            try await WebhookWorker(ledger: test.ledger).deliverDue()
            let delivery = try #require(receiver.deliveries.first)
            #expect(secret.hasPrefix("whsec_"))
            #expect(delivery.signature.hasPrefix("v1,"))
            #expect(delivery.verifies(secret: secret))
            var tampered = delivery
            tampered.body += Array(" ".utf8)
            #expect(!tampered.verifies(secret: secret))
            var otherTime = delivery
            otherTime.timestamp = String((Int64(delivery.timestamp) ?? 0) + 1)
            #expect(!otherTime.verifies(secret: secret))
            #expect(!delivery.verifies(secret: WebhookSignature.newSecret()))
        }
    }

    @Test("a receiver answering 500 three times is retried after 10, 20 and 40 s, then delivered; the delivery log shows each attempt")
    func retriedWithBackoffThenDelivered() async throws {
        let test = try TestLedger()
        let start = try #require(Timestamp(parsing: "2026-11-20 09:00:00"))
        try await withReceiver(failing: 3) { receiver in
            let (webhook, _) = try await test.ledger.subscribeWebhook(
                url: receiver.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
            _ = try test.ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
            let worker = WebhookWorker(ledger: test.ledger, retry: WebhookRetryPolicy(firstDelaySeconds: 10, maximumDelaySeconds: 3600))
            // Each due moment delivers once; a moment before it delivers nothing.
            for seconds: Int64 in [0, 10, 30, 70] {
                if seconds > 0 {
                    test.clock.set(start.advanced(bySeconds: seconds - 1))
                    #expect(try await worker.deliverDue().isEmpty, "an attempt before \(seconds) s")
                }
                test.clock.set(start.advanced(bySeconds: seconds))
                let pass = try await worker.deliverDue()
                #expect(pass.failed.count + pass.delivered.count == 1, "the attempt at \(seconds) s")
            }
            #expect(receiver.statuses == [500, 500, 500, 200])
            // One event, sent four times under one id.
            #expect(Set(receiver.deliveries.map(\.id)).count == 1)
            let log = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: webhook.id) }
            #expect(log.map(\.attempt) == [1, 2, 3, 4])
            #expect(log.map(\.status) == [500, 500, 500, 200])
            #expect(log.map(\.delivered) == [false, false, false, true])
            #expect(log.map(\.error) == ["HTTP status 500", "HTTP status 500", "HTTP status 500", nil])
            #expect(
                log.map(\.attemptedAt) == [0, 10, 30, 70].map { start.advanced(bySeconds: Int64($0)).iso8601 })
            #expect(Set(log.map(\.position)).count == 1)
        }
    }

    @Test("a receiver dead for more than the allowed days gets a WebhookDisabled event and no more attempts")
    func deadReceiverDisabled() async throws {
        let test = try TestLedger()
        let start = try #require(Timestamp(parsing: "2026-11-20 09:00:00"))
        let closed = try ClosedLoopbackPort()
        let dead = "http://127.0.0.1:\(closed.port)/hook"
        let (webhook, _) = try await test.ledger.subscribeWebhook(url: dead, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
        _ = try test.ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
        let worker = WebhookWorker(
            ledger: test.ledger, sender: HTTPWebhookSender(timeout: .seconds(1)),
            retry: WebhookRetryPolicy(firstDelaySeconds: 60, maximumDelaySeconds: 86_400, disableAfterSeconds: 3 * 86_400))
        var disabled: [Int64] = []
        // Every day for four days: failed attempts, then the subscription is disabled.
        for day in 0...4 {
            test.clock.set(start.advanced(bySeconds: Int64(day) * 86_400))
            let pass = try await worker.deliverDue()
            disabled += pass.disabled
            if day < 3 { #expect(pass.failed.count == 1 && pass.disabled.isEmpty, "day \(day)") }
        }
        #expect(disabled == [webhook.id])
        let current = try #require(try await test.ledger.reading { reader in try reader.webhook(id: webhook.id) })
        #expect(current.status == "disabled")
        #expect(current.failingSince == start.iso8601)
        let events = try test.events().filter { $0.type == WebhookDisabled.type }
        #expect(events.count == 1)
        #expect(events.first?.stream == Webhook.stream(webhook.id))
        #expect(try JSON.parse(events.first?.payload ?? "")["failing_since"] == .string(start.iso8601))
        let attempts = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: webhook.id) }
        #expect(attempts.count == 4)
        #expect(attempts.allSatisfy { !$0.delivered && $0.status == nil && $0.error != nil })
        // Disabled: no more attempts, whatever the time.
        test.clock.set(start.advanced(bySeconds: 30 * 86_400))
        #expect(try await worker.deliverDue().isEmpty)
        let after = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: webhook.id) }
        #expect(after.count == 4)
        withExtendedLifetime(closed) {}
    }

    @Test("/metrics counts the subscriptions failing now and those disabled")
    func metricsCountFailingAndDisabled() async throws {
        let test = try TestLedger()
        let start = try #require(Timestamp(parsing: "2026-11-20 09:00:00"))
        let reader = try test.ledger.createAPIKey(name: "prometheus", scope: .read, metadata: Self.metadata)
        let closed = try ClosedLoopbackPort()
        let dead = "http://127.0.0.1:\(closed.port)/hook"
        _ = try await test.ledger.subscribeWebhook(url: dead, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
        _ = try test.ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
        let worker = WebhookWorker(
            ledger: test.ledger, sender: HTTPWebhookSender(timeout: .seconds(1)), retry: WebhookRetryPolicy(disableAfterSeconds: 86_400))
        try await withLiveServer(test.ledger) { client in
            func gauges() async throws -> (failing: Double?, disabled: Double?) {
                let response = try await client.execute(uri: "/metrics", method: .get, headers: authorized(reader))
                let samples = try Exposition(parsing: String(buffer: response.body)).samples
                return (
                    samples.first { $0.name == "peerledger_webhooks_failing" }?.value,
                    samples.first { $0.name == "peerledger_webhooks_disabled" }?.value
                )
            }
            let before = try await gauges()
            #expect(before.failing == 0 && before.disabled == 0)
            try await worker.deliverDue()
            let failing = try await gauges()
            #expect(failing.failing == 1 && failing.disabled == 0)
            test.clock.set(start.advanced(bySeconds: 86_400))
            #expect(try await worker.deliverDue().disabled.count == 1)
            let disabled = try await gauges()
            #expect(disabled.failing == 0 && disabled.disabled == 1)
        }
        withExtendedLifetime(closed) {}
    }

    @Test("a worker stopped between a POST and its record sends that event again after a restart, then the rest, none skipped")
    func restartRedeliversFromTheCursor() async throws {
        let test = try TestLedger()
        let start = try #require(Timestamp(parsing: "2026-11-20 09:00:00"))
        try await withReceiver { receiver in
            let (webhook, secret) = try await test.ledger.subscribeWebhook(
                url: receiver.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
            for name in ["a", "b", "c"] { _ = try test.ledger.createAPIKey(name: name, scope: .read, metadata: Self.metadata) }
            let created = try test.events().filter { $0.type == APIKeyCreated.type && $0.position > webhook.position }.map(\.position)
            #expect(created.count == 3)

            // The first worker's POST reaches the receiver, then the worker stops before recording it.
            let stopping = WebhookWorker(ledger: test.ledger, sender: StopsAfterSending(), claimSeconds: 60)
            let first = Task { try await stopping.deliverDue() }
            try await waitUntil("the first POST", within: .seconds(20)) { receiver.deliveries.count == 1 }
            first.cancel()
            await #expect(throws: CancellationError.self) { try await first.value }
            let recorded = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: webhook.id) }
            #expect(recorded.isEmpty)

            // Restarted: the claim lapses, and delivery resumes from the cursor.
            let restarted = WebhookWorker(ledger: test.ledger, claimSeconds: 60)
            #expect(try await restarted.deliverDue().isEmpty, "the claim still holds")
            test.clock.set(start.advanced(bySeconds: 61))
            let pass = try await restarted.deliverDue()
            #expect(pass.delivered == created)
            let got = receiver.deliveries
            #expect(got.map(\.position) == [created[0]] + created)
            #expect(got[0].id == got[1].id)
            #expect(got.allSatisfy { $0.verifies(secret: secret) })
        }
    }

    @Test("as a service, the worker delivers an event as soon as its command commits, long before its interval")
    func serviceWokenByCommits() async throws {
        let ledger = try Ledger.inMemory()
        try await withReceiver { receiver in
            let (_, secret) = try await ledger.subscribeWebhook(url: receiver.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
            let worker = WebhookWorker(ledger: ledger, interval: .seconds(3600))
            let service = Task { await worker.run() }
            defer { service.cancel() }
            // Let the service's first pass find nothing, so the event must wake it.
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.deliveries.isEmpty)
            _ = try ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
            try await waitUntil("the delivery woken by the commit", within: .seconds(20)) { receiver.deliveries.count == 1 }
            #expect(receiver.deliveries.first?.type == APIKeyCreated.type)
            #expect(receiver.deliveries.first?.verifies(secret: secret) == true)
            service.cancel()
            await service.value
        }
    }

    @Test("a receiver that fails holds back only its own subscription's events, not another's")
    func failingReceiverHoldsBackOnlyItsOwn() async throws {
        let test = try TestLedger()
        try await withReceiver(failing: 100) { failing in
            try await withReceiver { healthy in
                let (bad, _) = try await test.ledger.subscribeWebhook(url: failing.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
                let (good, _) = try await test.ledger.subscribeWebhook(url: healthy.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
                for name in ["a", "b"] { _ = try test.ledger.createAPIKey(name: name, scope: .read, metadata: Self.metadata) }
                let pass = try await WebhookWorker(ledger: test.ledger).deliverDue()
                #expect(healthy.deliveries.map(\.position).count == 2)
                #expect(failing.deliveries.count == 1, "the failing receiver's first event only, until its retry is due")
                #expect(pass.delivered.count == 2 && pass.failed.count == 1)
                let badLog = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: bad.id) }
                let goodLog = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: good.id) }
                #expect(badLog.map(\.delivered) == [false])
                #expect(goodLog.map(\.delivered) == [true, true])
            }
        }
    }

    @Test("a redirect is a failed attempt, never followed: the delivery goes to the URL subscribed only")
    func redirectNotFollowed() async throws {
        let test = try TestLedger()
        try await withReceiver { receiver in
            let moved = receiver.url.replacingOccurrences(of: "/hook", with: "/moved")
            let (webhook, _) = try await test.ledger.subscribeWebhook(url: moved, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
            _ = try test.ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
            let pass = try await WebhookWorker(ledger: test.ledger).deliverDue()
            #expect(pass.failed.count == 1 && pass.delivered.isEmpty)
            #expect(receiver.deliveries.isEmpty)
            let log = try await test.ledger.reading { reader in try reader.webhookDeliveries(webhookID: webhook.id) }
            #expect(log.map(\.status) == [307])
            #expect(log.map(\.error) == ["HTTP status 307"])
        }
    }

    @Test("the signing secret is in no event of the log and no line of an export")
    func secretNeverInTheLog() async throws {
        let test = try TestLedger()
        let (_, secret) = try await test.ledger.subscribeWebhook(
            url: "https://hooks.example.net/peerledger", eventTypes: [SessionAdded.type, APIKeyCreated.type], metadata: Self.metadata)
        let encoded = String(secret.dropFirst(WebhookSignature.secretPrefix.count))
        let events = try test.events()
        #expect(events.contains { $0.type == WebhookSubscribed.type })
        for event in events {
            #expect(!event.payload.contains(encoded) && !event.metadata.contains(encoded), "event \(event.position)")
        }
        var lines: [String] = []
        try test.ledger.export { lines.append($0) }
        #expect(lines.count == events.count)
        #expect(!lines.contains { $0.contains(encoded) })
    }

    @Test("restored from an export (which holds no secret), a subscription sends nothing unsigned: the restore says so, attempts fail")
    func restoredWithoutSecretSendsNothing() async throws {
        let test = try TestLedger()
        let export = Scratch.url("webhook-export-\(UUID().uuidString).jsonl")
        let target = Scratch.url("webhook-restored-\(UUID().uuidString).sqlite").path
        try await withReceiver { receiver in
            let (webhook, _) = try await test.ledger.subscribeWebhook(
                url: receiver.url, eventTypes: [APIKeyCreated.type], metadata: Self.metadata)
            var text = ""
            try test.ledger.export { text += $0 + "\n" }
            try Data(text.utf8).write(to: export)
            let report = try LedgerRestore.restore(from: export.path, into: target)
            #expect(report.lacking.contains { $0.hasPrefix("1 webhook subscriptions have no signing secret here (\(webhook.id))") }, "\(report.lacking)")

            let restored = try TestLedger(path: target)
            // Its cursor is gone too: the first pass starts it at the head; what follows is owed.
            #expect(try await WebhookWorker(ledger: restored.ledger).deliverDue().isEmpty)
            _ = try restored.ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
            let pass = try await WebhookWorker(ledger: restored.ledger).deliverDue()
            #expect(pass.failed.count == 1)
            #expect(receiver.deliveries.isEmpty)
            let log = try await restored.ledger.reading { reader in try reader.webhookDeliveries(webhookID: webhook.id) }
            #expect(log.map(\.error) == ["the signing secret of webhook \(webhook.id) cannot be read"])
            #expect(log.map(\.status) == [nil])
        }
    }

    @Test("a bad URL or event type is refused naming the field, and nothing is recorded")
    func badSubscriptionsRefused() async throws {
        let test = try TestLedger()
        let before = try test.eventCount()
        let cases: [(url: String, types: [String], field: String)] = [
            ("ftp://example.net/x", [SessionAdded.type], "url"),
            ("https:///no-host", [SessionAdded.type], "url"),
            ("https://example.net/a\r\nX-Injected: 1", [SessionAdded.type], "url"),
            ("https://user:pw@example.net/", [SessionAdded.type], "url"),
            ("https://example.net/" + String(repeating: "a", count: 2001), [SessionAdded.type], "url"),
            ("", [SessionAdded.type], "url"),
            ("http://example.net:0/hook", [SessionAdded.type], "url"),
            ("https://example.net/hook#part", [SessionAdded.type], "url"),
            ("example.net/hook", [SessionAdded.type], "url"),
            ("https://example.net/", [], "event_types"),
            ("https://example.net/", ["SessionAdded", "NoSuchEvent"], "event_types"),
            ("https://example.net/", ["SessionAdded", "SessionAdded"], "event_types"),
        ]
        for (url, types, field) in cases {
            let refusal = await #expect(throws: Refusal.self, "\(url) \(types)") {
                _ = try await test.ledger.subscribeWebhook(url: url, eventTypes: types, metadata: Self.metadata)
            }
            #expect(refusal?.message.hasPrefix("\(field): ") == true, "\(refusal?.message ?? "")")
            #expect(refusal?.code == .parameterInvalid)
        }
        #expect(try test.eventCount() == before)
    }

    @Test("serve's webhook settings default to a pass every 5 s, 10 s per delivery and 3 days of failure; bad values are named")
    func settings() throws {
        let defaults = try ServeSettings.resolve(file: nil, environment: [:])
        #expect(defaults.webhookInterval == 5)
        #expect(defaults.webhookTimeout == 10)
        #expect(defaults.webhookDisableAfterDays == 3)
        let given = try ServeSettings.resolve(
            file: nil, environment: ["PEERLEDGER_WEBHOOK_DISABLE_AFTER_DAYS": "7"], flags: ["webhook_interval": "0"])
        #expect(given.webhookDisableAfterDays == 7)
        #expect(given.webhookInterval == 0)
        #expect(problems(file: nil, flags: ["webhook_disable_after_days": "0"]) == ["--webhook-disable-after-days must be from 1 to 365 days, got 0"])
        #expect(problems(file: nil, environment: ["PEERLEDGER_WEBHOOK_TIMEOUT": "9999999999999999999999"]).count == 1)
    }

    @Test("http and https URLs with a host name, an IPv4 or IPv6 address, a port and a query are taken as written")
    func goodURLsTaken() throws {
        for url in [
            "https://hooks.example.net/peerledger", "HTTP://Example.NET/x?y=1&z=%20", "http://127.0.0.1:9/x",
            "http://[2001:db8::1]:8080/hook", "https://example.net:65535",
        ] {
            #expect(try WebhookDecisions.url(url) == url)
        }
        #expect(try WebhookDecisions.eventTypes(LedgerEvent.typeNames) == LedgerEvent.typeNames)
    }

    // MARK: APIv2

    @Test("POST /api/v2/webhooks shows the secret once; reads never do; DELETE unsubscribes; the delivery log is read over the API")
    func apiResources() async throws {
        let ledger = try Ledger.inMemory()
        let admin = try ledger.createAPIKey(name: "admin", scope: .admin, metadata: Self.metadata)
        let writer = try ledger.createAPIKey(name: "automation", scope: .write, metadata: Self.metadata)
        let reader = try ledger.createAPIKey(name: "dashboard", scope: .read, metadata: Self.metadata)
        try await withReceiver { receiver in
            try await withLiveServer(ledger) { client in
                let body = #"{"url":"\#(receiver.url)","event_types":["APIKeyCreated"]}"#
                let forbidden = try await client.execute(
                    uri: "/api/v2/webhooks", method: .post, headers: authorized(writer, json: true), body: ByteBuffer(string: body))
                #expect(forbidden.status == .forbidden)

                let created = try await client.execute(
                    uri: "/api/v2/webhooks", method: .post, headers: authorized(admin, json: true), body: ByteBuffer(string: body))
                #expect(created.status == .created)
                let answer = try created.json()
                let id = try #require(answer["id"]?.intValue)
                #expect(created.headers[.location] == "/api/v2/webhooks/\(id)")
                let secret = try #require(answer["secret"]?.stringValue)
                #expect(secret.hasPrefix("whsec_"))
                #expect(answer["status"] == .string("active"))
                #expect(answer["event_types"] == .array([.string("APIKeyCreated")]))

                let one = try await client.execute(uri: "/api/v2/webhooks/\(id)", method: .get, headers: authorized(reader))
                #expect(one.status == .ok)
                #expect(try one.json()["url"] == .string(receiver.url))
                let list = try await client.execute(uri: "/api/v2/webhooks", method: .get, headers: authorized(reader))
                #expect(try list.json()["items"]?.arrayValue?.count == 1)
                #expect(!String(buffer: one.body).contains(secret) && !String(buffer: list.body).contains(secret))
                // As of a moment before the subscription, there was none.
                let before = try await client.execute(
                    uri: "/api/v2/webhooks?as_of=2000-01-01T00:00:00Z", method: .get, headers: authorized(reader))
                #expect(before.status == .ok)
                #expect(try before.json()["items"]?.arrayValue?.count == 0)
                let oneBefore = try await client.execute(
                    uri: "/api/v2/webhooks/\(id)?as_of=2000-01-01T00:00:00Z", method: .get, headers: authorized(reader))
                #expect(oneBefore.status == .notFound)

                _ = try ledger.createAPIKey(name: "k", scope: .read, metadata: Self.metadata)
                try await WebhookWorker(ledger: ledger).deliverDue()
                #expect(receiver.deliveries.count == 1)
                #expect(receiver.deliveries.first?.verifies(secret: secret) == true)
                let log = try await client.execute(uri: "/api/v2/webhooks/\(id)/deliveries", method: .get, headers: authorized(reader))
                #expect(log.status == .ok)
                let items = try #require(try log.json()["items"]?.arrayValue)
                #expect(items.count == 1)
                #expect(items.first?["status"] == .int(200))
                #expect(items.first?["delivered"] == .bool(true))
                #expect(items.first?["attempt"] == .int(1))
                #expect(items.first?["position"]?.intValue == receiver.deliveries.first?.position)
                // As of before the attempt, the subscription is there and its log holds nothing yet;
                // as of before the subscription, there is none.
                let attemptedAt = try #require(items.first?["attempted_at"]?.stringValue)
                let justBefore = Timestamp(millis: try #require(Timestamp(parsing: attemptedAt)).millis - 1).iso8601
                let earlier = try await client.execute(
                    uri: "/api/v2/webhooks/\(id)/deliveries?as_of=\(justBefore)", method: .get, headers: authorized(reader))
                #expect(earlier.status == .ok)
                #expect(try earlier.json()["items"]?.arrayValue?.count == 0)
                let atIt = try await client.execute(
                    uri: "/api/v2/webhooks/\(id)/deliveries?as_of=\(attemptedAt)", method: .get, headers: authorized(reader))
                #expect(try atIt.json()["items"]?.arrayValue?.count == 1)
                let beforeAll = try await client.execute(
                    uri: "/api/v2/webhooks/\(id)/deliveries?as_of=2000-01-01T00:00:00Z", method: .get, headers: authorized(reader))
                #expect(beforeAll.status == .notFound)
                // The body is the event as GET /api/v2/events answers it.
                let events = try await client.execute(
                    uri: "/api/v2/events?type=APIKeyCreated", method: .get, headers: authorized(reader))
                let item = try #require(try events.json()["items"]?.arrayValue?.last)
                #expect(receiver.deliveries.first?.json == item)

                let missing = try await client.execute(uri: "/api/v2/webhooks/99/deliveries", method: .get, headers: authorized(reader))
                #expect(missing.status == .notFound)
                #expect(try missing.json()["code"] == .string("resource.not-found"))

                let readerDelete = try await client.execute(uri: "/api/v2/webhooks/\(id)", method: .delete, headers: authorized(reader))
                #expect(readerDelete.status == .forbidden)
                let deleted = try await client.execute(uri: "/api/v2/webhooks/\(id)", method: .delete, headers: authorized(admin))
                #expect(deleted.status == .ok)
                #expect(try deleted.json()["status"] == .string("unsubscribed"))
                let again = try await client.execute(uri: "/api/v2/webhooks/\(id)", method: .delete, headers: authorized(admin))
                #expect(again.status == .conflict)
                #expect(try again.json()["code"] == .string("webhook.unsubscribed"))

                // Unsubscribed: nothing more is delivered.
                _ = try ledger.createAPIKey(name: "k2", scope: .read, metadata: Self.metadata)
                #expect(try await WebhookWorker(ledger: ledger).deliverDue().isEmpty)
                #expect(receiver.deliveries.count == 1)
            }
        }
    }

    @Test("POST /api/v2/webhooks with a bad URL or event type answers 400 parameter.invalid naming the field; nothing is recorded")
    func apiRefusesBadInput() async throws {
        let ledger = try Ledger.inMemory()
        let admin = try ledger.createAPIKey(name: "admin", scope: .admin, metadata: Self.metadata)
        let before = try ledger.eventCount()
        try await withLiveServer(ledger) { client in
            let cases = [
                (#"{"url":"gopher://example.net/","event_types":["SessionAdded"]}"#, "url: "),
                (#"{"url":"https://example.net/\r\n","event_types":["SessionAdded"]}"#, "url: "),
                (#"{"url":"https://example.net/","event_types":["Nope"]}"#, "event_types: "),
                (#"{"url":"https://example.net/","event_types":[]}"#, "event_types: "),
            ]
            for (body, prefix) in cases {
                let response = try await client.execute(
                    uri: "/api/v2/webhooks", method: .post, headers: authorized(admin, json: true), body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body)")
                let problem = try response.json()
                #expect(problem["code"] == .string("parameter.invalid"), "\(body)")
                #expect(problem["detail"]?.stringValue?.hasPrefix(prefix) == true, "\(body): \(problem)")
            }
        }
        #expect(try ledger.eventCount() == before)
    }
}

/// `peerledger serve` runs the webhook worker: a subscription made over its API receives the
/// events its API appends, signed.
@Suite(
    "serve delivers webhooks", .serialized,
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct ServeWebhookTests {
    @Test("serve's worker delivers a session added over APIv2 to a subscription made over APIv2, signed with its secret")
    func serveDelivers() async throws {
        let database = temporaryDatabasePath()
        let admin = try Ledger.open(at: database).createAPIKey(name: "ops", scope: .admin, metadata: WebhookTests.metadata)
        let server = try await ServerProcess.start(
            database: database, extra: ["--poll-interval", "0", "--outbox-interval", "0", "--webhook-interval", "60"])
        try await withReceiver { receiver in
            try await withHTTPClient { client in
                func post(_ path: String, _ body: String) async throws -> (status: Int, json: JSON) {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(path)")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(admin.token)")
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: body))
                    let response = try await client.execute(request, timeout: .seconds(10))
                    let bytes = try await response.body.collect(upTo: 1 << 20)
                    return (Int(response.status.code), try JSON.parse(String(buffer: bytes)))
                }
                let created = try await post("/api/v2/webhooks", #"{"url":"\#(receiver.url)","event_types":["SessionAdded"]}"#)
                #expect(created.status == 201)
                let secret = try #require(created.json["secret"]?.stringValue)
                let session = try await post("/api/v2/sessions", #"{"public_id":1,"peer_asn":64500,"peer_ipaddr":"192.0.2.10"}"#)
                #expect(session.status == 201)
                // The worker's interval is a minute: the commit wakes it.
                try await waitUntil("the delivery of SessionAdded", within: .seconds(20)) { receiver.deliveries.count == 1 }
                let delivery = try #require(receiver.deliveries.first)
                #expect(delivery.type == SessionAdded.type)
                #expect(delivery.json["payload"]?["session_id"] == session.json["id"])
                #expect(delivery.verifies(secret: secret))
            }
        }
        #expect(try await server.terminate() == 0)
    }
}

// MARK: The receiver

/// One POST the receiver took.
struct ReceivedDelivery: Sendable {
    var id: String
    var timestamp: String
    var signature: String
    var body: [UInt8]

    var json: JSON { (try? JSON.parse(body)) ?? .null }
    var position: Int64? { json["position"]?.intValue }
    var type: String? { json["type"]?.stringValue }

    /// Checks `webhook-signature` as a receiver does, from the spec rather than the ledger's code:
    /// the HMAC-SHA256 key is the base64 after `whsec_`, the content `id.timestamp.body`.
    func verifies(secret: String) -> Bool {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return false }
        let content = Array("\(id).\(timestamp).".utf8) + body
        let expected = Data(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))).base64EncodedString()
        return signature.split(separator: " ").contains { $0 == "v1,\(expected)" }
    }
}

/// A webhook receiver on a loopback port: it records every POST to `/hook` and answers 500 to the
/// first `failing` of them, 200 after.
final class Receiver: Sendable {
    private let state = Mutex<(deliveries: [ReceivedDelivery], statuses: [Int], port: Int)>(([], [], 0))
    let failing: Int

    init(failing: Int) { self.failing = failing }

    var url: String { "http://127.0.0.1:\(state.withLock { $0.port })/hook" }
    var deliveries: [ReceivedDelivery] { state.withLock { $0.deliveries } }
    var statuses: [Int] { state.withLock { $0.statuses } }

    func listening(on port: Int) { state.withLock { $0.port = port } }

    func take(_ delivery: ReceivedDelivery) -> Int {
        state.withLock { state in
            state.deliveries.append(delivery)
            let status = state.statuses.count < failing ? 500 : 200
            state.statuses.append(status)
            return status
        }
    }
}

/// Runs `body` with a receiver listening on 127.0.0.1 at a port the system picked.
func withReceiver(failing: Int = 0, _ body: @Sendable (Receiver) async throws -> Void) async throws {
    let receiver = Receiver(failing: failing)
    let router = Router()
    router.post("/hook") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let headers = request.headers
        func header(_ name: String) -> String { HTTPField.Name(name).flatMap { headers[$0] } ?? "" }
        let delivery = ReceivedDelivery(
            id: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature"),
            body: Array(buffer: bytes))
        return Response(status: .init(code: receiver.take(delivery)))
    }
    // A receiver that moved: it sends the delivery on to /hook, which PeerLedger must not follow.
    router.post("/moved") { _, _ -> Response in
        Response(status: .temporaryRedirect, headers: [.location: "/hook"])
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        receiver.listening(on: try #require(client.port))
        try await body(receiver)
    }
}

/// A sender that POSTs for real, then never returns until its task is cancelled: a worker
/// stopped after the receiver took the event and before the attempt was recorded.
struct StopsAfterSending: WebhookSender {
    func send(_ request: WebhookRequest) async throws -> Int {
        _ = try await HTTPWebhookSender().send(request)
        try await Task.sleep(for: .seconds(120))
        return 200
    }
}

func authorized(_ key: IssuedAPIKey, json: Bool = false) -> HTTPFields {
    var fields = HTTPFields()
    fields.append(HTTPField(name: .authorization, value: "Bearer \(key.token)"))
    if json { fields.append(HTTPField(name: .contentType, value: "application/json")) }
    return fields
}
