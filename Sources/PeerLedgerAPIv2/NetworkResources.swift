import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/exchanges/{id}/networks`: the networks at an exchange with our status with each
/// (getPeers' facts: qualified, is_peer, the latest request status), filtered as getPeers
/// filters, in network id order, a page at a time (the cursor is the last network id).
extension APIv2 {
    package func listExchangeNetworks(_ input: Operations.ListExchangeNetworks.Input) async throws -> Operations.ListExchangeNetworks.Output {
        let exchange = input.path.id
        guard exchange > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(exchange)") }
        let query = input.query
        let given: [(PeerField, String?)] = [
            (.id, query.id), (.asn, query.asn), (.name, query.name), (.aka, query.aka), (.website, query.website),
            (.notes_public, query.notesPublic), (.notes_private, query.notesPrivate), (.irr_as_set, query.irrAsSet),
            (.info_traffic, query.infoTraffic), (.info_ratio, query.infoRatio), (.info_scope, query.infoScope),
            (.info_type, query.infoType), (.info_prefixes, query.infoPrefixes), (.info_lookingglass, query.infoLookingglass),
            (.info_routeserver, query.infoRouteserver), (.info_unicast, query.infoUnicast), (.info_multicast, query.infoMulticast),
            (.info_ipv6, query.infoIpv6), (.policy_url, query.policyUrl), (.policy_general, query.policyGeneral),
            (.policy_locations, query.policyLocations), (.policy_ratio, query.policyRatio), (.policy_contracts, query.policyContracts),
            (.policy_nopublic, query.policyNopublic), (.policy_noprivate, query.policyNoprivate), (.date_created, query.dateCreated),
            (.date_lastupdated, query.dateLastupdated),
        ]
        var texts: [String: String] = [:]
        var filters: [(String, String)] = []
        for case let (field, text?) in given where !text.isEmpty {
            texts[field.rawValue] = text
            filters.append((field.rawValue, text))
        }
        let criteria: PeerCriteria
        do {
            criteria = try PeerCriteria(given: { texts[$0] })
        } catch {
            throw Problem(status: 400, code: Refusal.Code.parameterInvalid.rawValue, title: "Invalid parameter", detail: error.message)
        }
        let limit = try Parse.limit(query.limit)
        let after = try Parse.cursor(query.cursor)
        let found = try await reading(asOf: query.asOf) { reader -> [Components.Schemas.Network]? in
            guard try reader.exchangeName(exchange) != nil else { return nil }
            let own = try reader.ownNetwork()
            let members = try reader.members(exchange: exchange)
                .filter { peer in peer.netID != own?.netID && after.map { peer.netID > $0 } ?? true && criteria.matches(peer) }
                .sorted { $0.netID < $1.netID }
            // One more than the page: whether there is a next page, without a count.
            return members.prefix(limit + 1).map { peer in Self.resource(peer, own: own, exchange: exchange) }
        }
        guard let found else { throw Problem.notFound("No exchange with id \(exchange)") }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            if let asOf = query.asOf, !asOf.isEmpty { filters.append(("as_of", asOf)) }
            next = Link.next("/api/v2/exchanges/\(exchange)/networks", filters: filters, cursor: last.id, limit: query.limit)
        }
        return .ok(.init(body: .json(.init(items: items, next: next))))
    }

    /// A network at an exchange as APIv2 answers it: getPeers' facts, numbers as numbers and
    /// flags as booleans.
    static func resource(_ peer: Peer, own: OwnNetwork?, exchange: Int64) -> Components.Schemas.Network {
        .init(
            id: peer.netID, publicId: exchange, asn: peer.asn, name: peer.name, qualified: peer.qualified(own: own),
            isPeer: peer.isPeer, hasSession: peer.hasSession,
            requestStatus: peer.requestStatus.flatMap { $0.isEmpty ? nil : $0 }, infoPrefixes: peer.parsedNet.infoPrefixes4)
    }
}
