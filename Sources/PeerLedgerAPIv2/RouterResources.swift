import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/routers`: the routers the ledger knows, in id order, a page at a time; never a
/// password, only the router's name, platform and how it is reached.
extension APIv2 {
    package func listRouters(_ input: Operations.ListRouters.Input) async throws -> Operations.ListRouters.Output {
        let query = input.query
        let limit = try Parse.limit(query.limit)
        let after = try Parse.cursor(query.cursor)
        let found = try await reading(asOf: query.asOf) { reader in
            // One more than the page: whether there is a next page, without a count.
            try reader.routers().filter { router in after.map { router.id > $0 } ?? true }.sorted { $0.id < $1.id }.prefix(limit + 1)
                .map(Self.resource)
        }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            var filters: [(String, String)] = []
            if let asOf = query.asOf, !asOf.isEmpty { filters.append(("as_of", asOf)) }
            next = Link.next("/api/v2/routers", filters: filters, cursor: last.id, limit: query.limit)
        }
        return .ok(.init(body: .json(.init(items: items, next: next))))
    }

    static func resource(_ router: BGPRouter) -> Components.Schemas.Router {
        .init(id: router.id, name: router.name, platform: router.platform.rawValue, access: router.access.kind.rawValue)
    }
}
