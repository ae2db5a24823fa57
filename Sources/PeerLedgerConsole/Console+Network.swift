import Foundation
import Hummingbird
import Logging
import PeerLedger
import PeerLedgerDomain
import PeerLedgerRouters

/// `/networks/NET`: a network's PeeringDB facts and contacts, our sessions with it at each common
/// exchange, the communications timeline and every change of its PeeringDB record.
/// `/routers`: the routers, with what was last pushed to and seen on each, and their drift as
/// their polls recorded it.
extension Console {
    func networkFactsPage(_ session: ConsoleSession, _ request: Request, net text: String?) async throws -> Outcome {
        let net = try Self.identifier(text, field: "network id")
        let asOf = Self.asOf(request)
        let found = try await reading(asOf: asOf) { reader -> (PageContext, Int64)? in
            guard let peer = try reader.networks(participant: net).first else { return nil }
            let facts = try reader.networkFields(net).flatMap { text in
                (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            } ?? [:]
            let own = try reader.ownNetwork()
            let common = try own.map { try reader.commonExchanges(ours: $0.netID, theirs: net) } ?? []
            var criteria = SessionCriteria()
            criteria.require(.peer_participant_id, equals: .int(net))
            let sessions = try reader.sessions(matching: criteria)
            let exchanges = common.map { exchange -> [String: Any] in
                [
                    "id": exchange.publicID, "name": exchange.name, "ours": exchange.ourAddresses.joined(separator: ", "),
                    "theirs": exchange.theirAddresses.joined(separator: ", "), "netID": net,
                    "sessions": sessions.filter { $0.text(.public_id) == String(exchange.publicID) }.map { session -> [String: Any] in
                        ["id": session.id, "peer": session.text(.peer_ipaddr) ?? "", "state": session.text(.state) ?? "not configured"]
                    },
                ]
            }
            let contacts = try reader.contacts(participant: net).map { contact -> [String: Any] in
                ["role": contact.role ?? "", "name": contact.name ?? "", "email": contact.email ?? "", "phone": contact.phone ?? ""]
            }
            let timeline = try reader.peerLog(participant: net, exchange: nil).map { entry -> [String: Any] in
                ["time": entry.time, "message": entry.message, "exchange": entry.publicID.map(String.init) ?? ""]
            }
            return (
                PageContext([
                    "name": peer.name, "asn": peer.asn.map(String.init) ?? "?", "netID": net,
                    "facts": facts.keys.sorted().map { ["name": $0, "value": Self.factText(facts[$0])] },
                    "contacts": contacts, "exchanges": exchanges, "timeline": timeline,
                ]), try reader.projectionPosition()
            )
        }
        guard let (page, position) = found.map({ ($0.0, $0.1) }) else { throw ConsoleNotFound(message: "PeeringDB knows no network \(net)") }
        var context = page.values
        // Every change of its PeeringDB record, from the log up to the moment shown.
        let changes = try await ledger.reading { reader in
            try reader.events(matching: AuditQuery(stream: PeeringDBObjectType.net.stream(net))).filter { $0.position <= position }
        }
        context["changes"] = try changes.reversed().flatMap(Self.recordChanges)
        if let asOf { context["asOf"] = asOf }
        return .page(
            title: context["name"] as? String ?? "Network", template: "networkFacts", context: context,
            asOf: AsOfControl(asOf: asOf, path: "/networks/\(net)"))
    }

    /// The rows of one event of a PeeringDB record, newest field first: each changed field with
    /// its value before and after; a creation or removal as one row.
    static func recordChanges(_ event: RecordedEvent) throws -> [[String: Any]] {
        let when = Timestamp(parsing: event.recordedAt)?.iso8601 ?? event.recordedAt
        switch try LedgerEvent(event) {
        case let .peeringDBObjectChanged(changed):
            return changed.changes.sorted { $0.key < $1.key }.map { field, change in
                ["recordedAt": when, "field": field, "from": valueText(change.from), "to": valueText(change.to)]
            }
        case let .peeringDBObjectCreated(created):
            return [["recordedAt": when, "field": "(created)", "from": "", "to": "\(created.fields.count) fields"]]
        case .peeringDBObjectRemoved:
            return [["recordedAt": when, "field": "(removed from PeeringDB)", "from": "", "to": ""]]
        default:
            return [["recordedAt": when, "field": event.type, "from": "", "to": event.payload]]
        }
    }

    /// A PeeringDB value as a person reads it; an absent value as an em dash.
    static func valueText(_ value: PeeringDBValue) -> String {
        switch value {
        case .null: "—"
        case let .bool(flag): flag ? "yes" : "no"
        case let .int(number): String(number)
        case let .text(text): text
        }
    }

    /// A PeeringDB value as text: strings as they are, anything else as JSON.
    static func factText(_ value: Any?) -> String {
        switch value {
        case let text as String: text
        case nil, is NSNull: ""
        case let value?:
            (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
    }

    /// Polls one router now (its BGP states and prefixes, its drift from the ledger): what the
    /// poller records is written with the actor `user:NAME`; the report is shown above the list.
    func pollRouter(_ session: ConsoleSession, id text: String?) async throws -> Outcome {
        let id = try Self.identifier(text, field: "router id")
        guard let router = try await ledger.reading({ reader in try reader.routers().first { $0.id == id } }) else {
            throw ConsoleNotFound(message: "no router \(id)")
        }
        var poller = RouterPoller(ledger: ledger, connector: routers)
        poller.metadata = Self.metadata(session)
        let report = try await poller.poll(router)
        return try await routersPage(session, asOf: nil, report: report.lines.joined(separator: "\n"))
    }

    func routersPage(_ session: ConsoleSession, asOf: String?, report: String? = nil) async throws -> Outcome {
        let suffix = Self.asOfQuery(asOf)
        let (page, routers, position) = try await reading(asOf: asOf) { reader in
            let routers = try reader.routers()
            let rows = try routers.map { router -> [String: Any] in
                let states = try reader.routerStates(router: router.id).values
                let live = try reader.liveSessions(onRouter: router.id)
                return [
                    "id": router.id, "name": router.name, "platform": router.platform.rawValue, "access": router.access.kind.rawValue,
                    "live": live.count, "onRouter": states.filter(\.onRouter).count,
                    "established": states.filter { $0.bgpState == "established" }.count,
                    "down": states.filter { $0.onRouter && $0.bgpState != nil && $0.bgpState != "established" }.count,
                    "lastPush": states.compactMap(\.lastPush).max() ?? "never",
                ]
            }
            return (PageContext(["routers": rows]), routers.map { (id: $0.id, name: $0.name) }, try reader.projectionPosition())
        }
        // Each router's drift as its polls recorded it, from the log up to the moment shown.
        let drift = try await ledger.reading { reader in
            PageContext(["drift": try routers.map { try Self.driftRow($0, through: position, reader, asOfQuery: suffix) }])
        }
        var context = page.values
        if var rows = context["routers"] as? [[String: Any]], let drifts = drift.values["drift"] as? [[String: Any]] {
            for index in rows.indices where index < drifts.count { rows[index]["drift"] = drifts[index] }
            context["routers"] = rows
        }
        if let report { context["report"] = report }
        return .page(title: "Routers", template: "routers", context: context, asOf: AsOfControl(asOf: asOf, path: "/routers"))
    }
}
