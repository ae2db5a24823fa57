import Foundation
import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/events`: the log itself, filtered by stream, type, actor and time, in log order, a
/// page at a time (the cursor is the last position of the previous page); and the history of one
/// session (its stream's events) or of one network (every stream about it).
extension APIv2 {
    package func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let query = input.query
        var audit = AuditQuery()
        var filters: [(String, String)] = []
        if let stream = query.stream, !stream.isEmpty {
            audit.stream = try Parse.text(stream, name: "stream")
            filters.append(("stream", stream))
        }
        if let type = query._type, !type.isEmpty {
            audit.type = try Parse.text(type, name: "type")
            filters.append(("type", type))
        }
        if let actor = query.actor, !actor.isEmpty {
            audit.actor = try Parse.text(actor, name: "actor")
            filters.append(("actor", actor))
        }
        if let since = query.since, !since.isEmpty {
            audit.since = try Parse.time(since, name: "since")
            filters.append(("since", since))
        }
        if let until = query.until, !until.isEmpty {
            audit.until = try Parse.time(until, name: "until")
            filters.append(("until", until))
        }
        let limit = try Parse.limit(query.limit)
        audit.afterPosition = try Parse.cursor(query.cursor)
        // One more than the page: whether there is a next page, without a count.
        audit.limit = limit + 1
        if let asOf = query.asOf, !asOf.isEmpty { filters.append(("as_of", asOf)) }
        let found = try await reading(asOf: query.asOf, withLog: true) { [audit] reader in try reader.events(matching: audit) }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            next = Link.next("/api/v2/events", filters: filters, cursor: last.position, limit: query.limit)
        }
        return .ok(.init(body: .json(.init(items: try items.map(Self.resource), next: next))))
    }

    package func getSessionHistory(_ input: Operations.GetSessionHistory.Input) async throws -> Operations.GetSessionHistory.Output {
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        // A session that exists now has a history, empty before it was added.
        guard try await ledger.reading({ reader in try reader.session(id: id) != nil }) else {
            throw Problem.notFound("No session with id \(id)")
        }
        let query = input.query
        return .ok(
            .init(
                body: .json(
                    try await historyPage(
                        AuditQuery(stream: Session.stream(id)), path: "/api/v2/sessions/\(id)/history", asOf: query.asOf,
                        cursor: query.cursor, limit: query.limit))))
    }

    package func getNetworkHistory(_ input: Operations.GetNetworkHistory.Input) async throws -> Operations.GetNetworkHistory.Output {
        let given = input.path.asn
        let asn = try Parse.value("asn") { () throws(Refusal) in try Values.asn(String(given), field: "asn") }
        // A network the ledger names now has a history, empty before it was first named.
        let streams = try await ledger.reading { reader in try reader.networkStreams(asn: asn) }
        guard !streams.isEmpty else {
            throw Problem.notFound("No network with AS\(asn): no PeeringDB record, peering request or session names it")
        }
        let query = input.query
        return .ok(
            .init(
                body: .json(
                    try await historyPage(
                        streams.query, path: "/api/v2/networks/\(asn)/history", asOf: query.asOf, cursor: query.cursor,
                        limit: query.limit))))
    }

    /// One page of the events `audit` matches, as of `asOf`, after `cursor`, with the `next` link
    /// to `path` when there are more.
    func historyPage(
        _ audit: AuditQuery, path: String, asOf: String?, cursor: String?, limit given: Int?
    ) async throws -> Components.Schemas.EventPage {
        let limit = try Parse.limit(given)
        var audit = audit
        audit.afterPosition = try Parse.cursor(cursor)
        // One more than the page: whether there is a next page, without a count.
        audit.limit = limit + 1
        let query = audit
        let found = try await reading(asOf: asOf, withLog: true) { reader in try reader.events(matching: query) }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            let filters = asOf.flatMap { $0.isEmpty ? nil : [("as_of", $0)] } ?? []
            next = Link.next(path, filters: filters, cursor: last.position, limit: given)
        }
        return .init(items: try items.map(Self.resource), next: next)
    }

    /// An event as APIv2 answers it: its payload and metadata as JSON objects.
    static func resource(_ event: RecordedEvent) throws -> Components.Schemas.Event {
        let decoder = JSONDecoder()
        return .init(
            position: event.position, stream: event.stream, streamVersion: event.streamVersion, _type: event.type,
            schemaVersion: event.schemaVersion,
            payload: try decoder.decode(Components.Schemas.Event.PayloadPayload.self, from: Data(event.payload.utf8)),
            metadata: try decoder.decode(Components.Schemas.Event.MetadataPayload.self, from: Data(event.metadata.utf8)),
            recordedAt: Timestamp(parsing: event.recordedAt)?.date ?? Date(timeIntervalSince1970: 0), prevHash: event.prevHash,
            hash: event.hash)
    }
}

/// The `next` link of a page: the same filters, the cursor after the page's last item, and the
/// `limit` when one was given.
enum Link {
    static func next(_ path: String, filters: [(String, String)], cursor: Int64, limit: Int?) -> String {
        var pairs = filters
        if let limit { pairs.append(("limit", String(limit))) }
        pairs.append(("cursor", String(cursor)))
        return path + "?" + pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes a query component: everything but RFC 3986's unreserved ASCII characters.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
