import Foundation
import Logging
import Hummingbird
import PeerLedger
import PeerLedgerDomain

/// `/audit`: the log itself, filtered by actor, type, stream and time, each event with its
/// payload, metadata and hash; `/audit/verify` walks the hash chain.
extension Console {
    static let auditPageSize = 100

    func auditPage(_ session: ConsoleSession, _ request: Request) async throws -> Outcome {
        let parameters = request.uri.queryParameters
        func given(_ name: String) -> String? {
            guard let text = parameters[Substring(name)].map(String.init)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                return nil
            }
            return text
        }
        var query = AuditQuery(limit: Self.auditPageSize)
        var kept: [(String, String)] = []
        for (name, field) in [("actor", \AuditQuery.actor), ("type", \AuditQuery.type), ("stream", \AuditQuery.stream)] {
            guard let text = given(name) else { continue }
            query[keyPath: field] = try Values.text(text, field: name)
            kept.append((name, text))
        }
        if let since = given("since") {
            query.since = try Values.time(since, field: "since")
            kept.append(("since", since))
        }
        // The log as of a moment is its prefix up to that moment.
        let asOf = given("as_of")
        if let asOf {
            query.until = try Values.time(asOf, field: "as_of")
            kept.append(("as_of", asOf))
        }
        if let after = given("after") {
            query.afterPosition = try Values.identifier(after, field: "after")
        }
        let filtered = kept.contains { $0.0 != "as_of" }
        let (events, head) = try await ledger.reading { [query] reader in
            var query = query
            let head = try reader.projectionPosition()
            // Without filters or a cursor: the latest page.
            if query.afterPosition == nil, !filtered, query.until == nil {
                query.afterPosition = max(0, head - Int64(Self.auditPageSize))
            }
            return (try reader.events(matching: query), head)
        }
        let decoder = JSONDecoder()
        let rows = events.map { event -> [String: Any] in
            let actor = (try? decoder.decode(EventMetadata.self, from: Data(event.metadata.utf8)))?.actor ?? ""
            return [
                "position": event.position, "recordedAt": event.recordedAt, "actor": actor, "type": event.type, "stream": event.stream,
                "payload": event.payload, "metadata": event.metadata, "hash": event.hash, "prevHash": event.prevHash,
            ]
        }
        var context: [String: Any] = [
            "events": rows,
            "filters": [
                "actor": given("actor") ?? "", "type": given("type") ?? "", "stream": given("stream") ?? "",
                "since": given("since") ?? "", "asOf": asOf ?? "",
            ],
            "summary": "\(events.count) events shown of a log of \(head)"
                + (events.first.map { " (positions \($0.position) to \(events.last?.position ?? $0.position))" } ?? ""),
        ]
        if events.count == Self.auditPageSize, let last = events.last {
            context["older"] = "/audit?" + Self.query(kept + [("after", String(last.position))])
        }
        return .page(title: "Audit", template: "audit", context: context)
    }

    /// `GET /audit/verify`: the last verify recorded and the button that runs one.
    func verifyPage(_ session: ConsoleSession) async throws -> Outcome {
        let last = try await ledger.reading { reader in
            PageContext(try Self.lastVerify(through: reader.projectionPosition(), reader).map { ["lastVerify": $0] } ?? [:])
        }
        return .page(title: "Verify", template: "verify", context: last.values)
    }

    /// `POST /audit/verify`: walks the whole hash chain and records what it found (LogVerified,
    /// its actor `user:NAME`), so the last verify is in the log and survives a restart. Any
    /// logged-in user may verify: the record changes nothing of the peering state.
    func verifyLog(_ session: ConsoleSession) async throws -> Outcome {
        let report = try await ledger.reading { reader in try reader.verifyLog() }
        let verified = LogVerified(position: report.events, lastHash: report.lastHash, valid: report.isValid, summary: report.summary)
        try await ledger.write(Self.metadata(session)) { tx in
            try tx.append(.logVerified(verified), to: LogVerified.stream, expecting: .any)
        }
        return .page(
            title: "Verify", template: "verify",
            context: [
                "report": ["kind": report.isValid ? "ok" : "error", "summary": report.summary, "events": report.events, "lastHash": report.lastHash]
            ])
    }
}
