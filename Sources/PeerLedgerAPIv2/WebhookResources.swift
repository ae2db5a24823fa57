import Foundation
import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/webhooks`: subscriptions (made and ended as events, `admin` scope) and each one's
/// delivery log (`read` scope). The signing secret is answered once, by the creation.
extension APIv2 {
    package func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        let caller = try caller()
        guard case let .json(body) = input.body else { throw Problem.parameterMissing("body", "a JSON webhook subscription is required") }
        // Checked here too, so the problem is the parameter's; the command checks again.
        let url = try Parse.value("url") { () throws(Refusal) in try WebhookDecisions.url(body.url) }
        let types = try Parse.value("event_types") { () throws(Refusal) in try WebhookDecisions.eventTypes(body.eventTypes) }
        let (webhook, secret) = try await ledger.subscribeWebhook(url: url, eventTypes: types, metadata: caller.metadata)
        return .created(
            .init(
                headers: .init(location: "/api/v2/webhooks/\(webhook.id)"),
                body: .json(
                    .init(
                        id: webhook.id, url: webhook.url, eventTypes: webhook.eventTypes,
                        status: .init(rawValue: webhook.status) ?? .active, created: Self.webhookDate(webhook.created), secret: secret))))
    }

    package func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let limit = try Parse.limit(input.query.limit)
        let after = try Parse.cursor(input.query.cursor)
        let found = try await reading(asOf: input.query.asOf) { reader in try reader.webhooks(afterID: after, limit: limit + 1) }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            let filters = input.query.asOf.flatMap { $0.isEmpty ? nil : [("as_of", $0)] } ?? []
            next = Link.next("/api/v2/webhooks", filters: filters, cursor: last.id, limit: input.query.limit)
        }
        return .ok(.init(body: .json(.init(items: items.map(Self.resource), next: next))))
    }

    package func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        let id = try Self.webhookID(input.path.id)
        guard let webhook = try await reading(asOf: input.query.asOf, { reader in try reader.webhook(id: id) }) else {
            throw Problem.notFound("No webhook with id \(id)")
        }
        return .ok(.init(body: .json(Self.resource(webhook))))
    }

    package func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        let caller = try caller()
        let id = try Self.webhookID(input.path.id)
        guard let webhook = try await ledger.unsubscribeWebhook(id: id, metadata: caller.metadata) else {
            throw Problem.notFound("No webhook with id \(id)")
        }
        return .ok(.init(body: .json(Self.resource(webhook))))
    }

    package func listWebhookDeliveries(
        _ input: Operations.ListWebhookDeliveries.Input
    ) async throws -> Operations.ListWebhookDeliveries.Output {
        let id = try Self.webhookID(input.path.id)
        let limit = try Parse.limit(input.query.limit)
        let after = try Parse.cursor(input.query.cursor)
        let asOf = input.query.asOf.flatMap { $0.isEmpty ? nil : $0 }
        let until = try asOf.map { try Parse.time($0, name: "as_of") }
        // The subscription as it stood then; its attempts made by then (the delivery log is kept
        // beside the log, each attempt with its time).
        guard try await reading(asOf: asOf, { reader in try reader.webhook(id: id) }) != nil else {
            throw Problem.notFound("No webhook with id \(id)")
        }
        let found = try await ledger.reading { reader in
            try reader.webhookDeliveries(webhookID: id, afterID: after, until: until, limit: limit + 1)
        }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            next = Link.next(
                "/api/v2/webhooks/\(id)/deliveries", filters: asOf.map { [("as_of", $0)] } ?? [], cursor: last.id, limit: input.query.limit)
        }
        let resources = items.map { delivery in
            Components.Schemas.WebhookDelivery(
                id: delivery.id, webhookId: delivery.webhookID, position: delivery.position, attempt: delivery.attempt,
                status: delivery.status.map { Int(clamping: $0) }, error: delivery.error, delivered: delivery.delivered,
                attemptedAt: Self.webhookDate(delivery.attemptedAt))
        }
        return .ok(.init(body: .json(.init(items: resources, next: next))))
    }

    static func webhookID(_ id: Int64) throws(Problem) -> Int64 {
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        return id
    }

    static func resource(_ webhook: Webhook) -> Components.Schemas.Webhook {
        .init(
            id: webhook.id, url: webhook.url, eventTypes: webhook.eventTypes, status: .init(rawValue: webhook.status) ?? .active,
            created: webhookDate(webhook.created), disabledReason: webhook.disabledReason, failingSince: webhook.failingSince.map(webhookDate),
            ended: webhook.ended.map(webhookDate))
    }

    /// A stored RFC 3339 time as a date.
    static func webhookDate(_ text: String) -> Date { Timestamp(parsing: text)?.date ?? Date(timeIntervalSince1970: 0) }
}
