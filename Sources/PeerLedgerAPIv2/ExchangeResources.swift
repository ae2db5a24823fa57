import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/exchanges`: the exchanges PeeringDB knows, with our live sessions at each, in id
/// order, a page at a time (the cursor is the last id of the previous page).
extension APIv2 {
    package func listExchanges(_ input: Operations.ListExchanges.Input) async throws -> Operations.ListExchanges.Output {
        let query = input.query
        let limit = try Parse.limit(query.limit)
        let after = try Parse.cursor(query.cursor)
        // One more than the page: whether there is a next page, without a count.
        let found = try await reading(asOf: query.asOf) { reader in try reader.exchanges(afterID: after, limit: limit + 1) }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            var filters: [(String, String)] = []
            if let asOf = query.asOf, !asOf.isEmpty { filters.append(("as_of", asOf)) }
            next = Link.next("/api/v2/exchanges", filters: filters, cursor: last.id, limit: query.limit)
        }
        return .ok(.init(body: .json(.init(items: items.map(Self.resource), next: next))))
    }

    package func getExchange(_ input: Operations.GetExchange.Input) async throws -> Operations.GetExchange.Output {
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        guard let exchange = try await reading(asOf: input.query.asOf, { reader in try reader.exchanges(id: id).first }) else {
            throw Problem.notFound("No exchange with id \(id)")
        }
        return .ok(.init(body: .json(Self.resource(exchange))))
    }

    static func resource(_ exchange: ExchangeSummary) -> Components.Schemas.Exchange {
        .init(id: exchange.id, name: exchange.name, city: exchange.city, country: exchange.country, liveSessions: exchange.liveSessions)
    }
}
