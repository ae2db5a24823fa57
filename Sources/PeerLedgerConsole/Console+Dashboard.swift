import Foundation
import Logging
import Hummingbird
import PeerLedger
import PeerLedgerDomain

/// `/`: the exchanges we are at, sessions by state, sessions down now and since when, requests
/// waiting for an answer (oldest first), the drift on each router as its polls recorded it, the
/// ledger's head and its last verify.
extension Console {
    /// How many down sessions the dashboard lists.
    static let downRowsShown = 25

    /// States of a configured session that is not exchanging routes.
    static let downStates: Set<String> = ["idle", "connect", "active", "opensent", "openconfirm"]

    /// Runs `body` on the ledger as it is, or as it was at `asOf` (RFC 3339, a day or a time, read
    /// as APIv2 reads `as_of`); a time that cannot be read is refused by name.
    func reading<T: Sendable>(asOf: String?, withLog: Bool = false, _ body: @escaping @Sendable (LedgerReader) throws -> T) async throws -> T {
        guard let asOf else { return try await ledger.reading(body) }
        let moment = try Values.time(asOf, field: "as_of")
        return try await PointInTime.ledger(of: ledger, asOf: moment, withLog: withLog).reading(body)
    }

    /// The request's `as_of`, or nil when absent or empty.
    static func asOf(_ request: Request) -> String? {
        guard let text = request.uri.queryParameters["as_of"].map(String.init), !text.isEmpty else { return nil }
        return text
    }

    static func asOfQuery(_ asOf: String?) -> String { asOf.map { "?" + query([("as_of", $0)]) } ?? "" }

    func dashboard(_ session: ConsoleSession, _ request: Request) async throws -> Outcome {
        let asOf = Self.asOf(request)
        let suffix = Self.asOfQuery(asOf)
        let found = try await reading(asOf: asOf) { reader -> (PageContext, [Int64], Int64, [(id: Int64, name: String)]) in
            let byState = try reader.liveSessionCountsByState()
            // Each row's "since" walks the session's history, so 25 are listed (by id), the rest counted.
            let (downCount, down) = try reader.liveSessions(inStates: Self.downStates, limit: Self.downRowsShown)
            let downRows = down.map { found -> [String: Any] in
                [
                    "id": found.session.id,
                    "peer": "\(found.session.text(.peer_name) ?? "?") \(found.session.text(.peer_ipaddr) ?? "")",
                    "state": found.state, "asOfQuery": suffix,
                ]
            }
            let (waitingCount, waiting) = try reader.requestsWaitingForAnswer(limit: 100)
            let waitingRows = try waiting.map { record -> [String: Any] in
                [
                    "id": record.id, "peer": "\(record.peerName ?? "?") (AS\(record.peerASN.map(String.init) ?? "?"))",
                    "exchange": try record.publicID.flatMap { try reader.exchangeName($0) } ?? record.publicID.map(String.init) ?? "",
                    "created": record.created ?? "", "delivery": record.deliveryStatus ?? "",
                ]
            }
            let exchanges = try reader.exchanges().filter { $0.liveSessions > 0 }.map { exchange -> [String: Any] in
                [
                    "id": exchange.id, "name": exchange.name ?? "exchange \(exchange.id)", "city": exchange.city ?? "",
                    "liveSessions": exchange.liveSessions, "asOfQuery": suffix,
                ]
            }
            var context: [String: Any] = [
                "liveSessions": byState.reduce(0) { $0 + $1.count }, "downCount": downCount, "waitingCount": waitingCount,
                "states": byState.map { ["state": $0.state, "count": $0.count] },
                "down": downRows, "waiting": waitingRows, "exchanges": exchanges,
                "hasDown": !downRows.isEmpty, "hasWaiting": !waitingRows.isEmpty, "hasExchanges": !exchanges.isEmpty,
            ]
            if let own = try reader.ownNetwork() { context["own"] = ["name": own.name, "asn": own.asn] }
            // Set only when some are left out: a number, even 0, opens a Mustache section.
            if downCount > downRows.count { context["downMore"] = downCount - downRows.count }
            let routers = try reader.routers().map { (id: $0.id, name: $0.name) }
            return (PageContext(context), down.map(\.session.id), try reader.projectionPosition(), routers)
        }
        var context = found.0.values
        let (downIDs, position, routers) = (found.1, found.2, found.3)
        // The log as of the moment is the live log's prefix up to the moment's position.
        let (head, since, recorded) = try await ledger.reading { reader in
            var recorded: [String: Any] = [
                "drift": try routers.map { try Self.driftRow($0, through: position, reader, asOfQuery: suffix) }, "hasRouters": !routers.isEmpty,
            ]
            if let verify = try Self.lastVerify(through: position, reader) { recorded["lastVerify"] = verify }
            return (
                try Self.event(at: position, reader), try downIDs.map { try Self.downSince($0, through: position, reader) },
                PageContext(recorded)
            )
        }
        context["head"] = ["position": head?.position ?? 0, "hash": head?.hash ?? ""]
        context.merge(recorded.values) { _, new in new }
        if var rows = context["down"] as? [[String: Any]] {
            for index in rows.indices where index < since.count {
                rows[index]["since"] = since[index].at ?? "unknown"
                rows[index]["why"] = since[index].why ?? ""
            }
            context["down"] = rows
        }
        return .page(title: "Dashboard", template: "dashboard", context: context, asOf: AsOfControl(asOf: asOf, path: "/"))
    }

    /// A router's drift as its polls last recorded it up to `position` (RouterDriftObserved): one
    /// line per neighbor in no session, session it lacks and session configured by hand, and
    /// when that drift was first recorded. Read from the log, never from the router.
    static func driftRow(
        _ router: (id: Int64, name: String), through position: Int64, _ reader: LedgerReader, asOfQuery: String
    ) throws -> [String: Any] {
        let recorded = try reader.events(matching: AuditQuery(stream: BGPRouter.stream(router.id), type: RouterDriftObserved.type))
        var row: [String: Any] = ["id": router.id, "name": router.name]
        guard let last = recorded.last(where: { $0.position <= position }),
            case let .routerDriftObserved(drift) = try LedgerEvent(last), !drift.isEmpty
        else {
            row["none"] = true
            return row
        }
        var items: [[String: Any]] = drift.unknownNeighbors.map { neighbor in
            ["text": "neighbor \(neighbor.address) (AS\(neighbor.remoteASN.map(String.init) ?? "?")) is in no session"]
        }
        items += drift.missingSessions.map { id in
            ["session": id, "asOfQuery": asOfQuery, "text": "was pushed to \(router.name), which lacks it"]
        }
        items += drift.unpushedSessions.map { id in
            ["session": id, "asOfQuery": asOfQuery, "text": "is on \(router.name) but was configured by hand"]
        }
        row["items"] = items
        row["since"] = Timestamp(parsing: last.recordedAt)?.iso8601 ?? last.recordedAt
        return row
    }

    /// The last verify of the log recorded up to `position` (LogVerified): when, by whom, the
    /// position it covered and its outcome.
    static func lastVerify(through position: Int64, _ reader: LedgerReader) throws -> [String: Any]? {
        let recorded = try reader.events(matching: AuditQuery(stream: LogVerified.stream, type: LogVerified.type))
        guard let last = recorded.last(where: { $0.position <= position }), case let .logVerified(verify) = try LedgerEvent(last) else {
            return nil
        }
        let actor = (try? JSONDecoder().decode(EventMetadata.self, from: Data(last.metadata.utf8)))?.actor ?? ""
        return [
            "at": Timestamp(parsing: last.recordedAt)?.iso8601 ?? last.recordedAt, "user": actor, "summary": verify.summary,
            "position": verify.position, "kind": verify.valid ? "state-established" : "state-down",
        ]
    }

    /// The event at `position`, or nil (position 0: an empty log).
    static func event(at position: Int64, _ reader: LedgerReader) throws -> RecordedEvent? {
        guard position > 0 else { return nil }
        return try reader.events(matching: AuditQuery(afterPosition: position - 1, limit: 1)).first
    }

    /// When a down session last left `established` (or was first seen down), and the last error.
    static func downSince(_ id: Int64, through position: Int64, _ reader: LedgerReader) throws -> (at: String?, why: String?) {
        var since: String?
        var why: String?
        for event in try reader.events(matching: AuditQuery(stream: Session.stream(id))) where event.position <= position {
            guard case let .sessionStateObserved(observed) = try LedgerEvent(event) else { continue }
            if observed.state == "established" {
                since = nil
            } else if since == nil {
                since = Timestamp(parsing: event.recordedAt)?.iso8601 ?? event.recordedAt
            }
            if observed.lastError != nil { why = observed.lastError }
        }
        return (since, why)
    }
}

extension Session {
    /// A field's value as text, or nil when unset.
    func text(_ field: SessionField) -> String? {
        switch values[field] {
        case let .text(text)?: text
        case let .int(number)?: String(number)
        default: nil
        }
    }
}

/// A page's Mustache context built inside a read: plain values only (text, numbers, arrays and
/// dictionaries of them), made in the read and handed over once, never shared or mutated after.
struct PageContext: @unchecked Sendable {
    let values: [String: Any]

    init(_ values: [String: Any]) { self.values = values }
}
