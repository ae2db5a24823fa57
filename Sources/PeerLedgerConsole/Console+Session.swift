import Foundation
import Logging
import Hummingbird
import PeerLedger
import PeerLedgerDomain

/// `/sessions/ID`: a session's fields, an edit form held to the version it was read at (a
/// conflict shows both versions side by side), its BGP state timeline and its history.
extension Console {
    /// The fields the edit form offers, as the APIs name them.
    static let editableFields: [SessionField] = [.peer_group, .peer_hostname, .prfx_max, .type, .note]

    func sessionPage(_ session: ConsoleSession, _ request: Request, id text: String?) async throws -> Outcome {
        let id = try Self.identifier(text, field: "session id")
        let asOf = Self.asOf(request)
        let (read, through, router) = try await reading(asOf: asOf) { reader in
            let session = try reader.session(id: id)
            let router = try session.flatMap { session in
                try session.values[.resource_id]?.intValue.flatMap { id in try reader.routers().first { $0.id == id }?.name }
            }
            return (session, try reader.projectionPosition(), router)
        }
        guard let found = read else {
            throw ConsoleNotFound(message: asOf == nil ? "no session \(id)" : "no session \(id) as of \(asOf ?? "")")
        }
        // The log as of the moment is the live log's prefix up to the moment's position.
        let events = try await ledger.reading { reader in
            try reader.events(matching: AuditQuery(stream: Session.stream(id))).filter { $0.position <= through }
        }
        var context = Self.sessionContext(found)
        var timeline: [[String: Any]] = []
        var history: [[String: Any]] = []
        var configurations: [[String: Any]] = []
        var previous: String?
        for event in events {
            history.append(["position": event.position, "recordedAt": event.recordedAt, "actor": Self.actor(of: event), "type": event.type])
            let decoded = try LedgerEvent(event)
            if case let .sessionConfigurationRequested(requested) = decoded {
                configurations.append([
                    "recordedAt": event.recordedAt, "actor": Self.actor(of: event), "operation": requested.operation.rawValue,
                    "diff": Self.lineDiff(from: previous, to: requested.configuration),
                ])
                previous = requested.configuration
            }
            if case let .sessionStateObserved(observed) = decoded {
                timeline.append([
                    "at": event.recordedAt, "state": observed.state,
                    "css": observed.state == "established" ? "state-established" : "state-down",
                    "prefixes": observed.prefixesReceived.map(String.init) ?? "", "why": observed.lastError ?? "",
                ])
            }
        }
        context["timeline"] = timeline
        let prefixes = events.compactMap { event -> Int64? in
            guard case let .sessionStateObserved(observed)? = try? LedgerEvent(event) else { return nil }
            return observed.prefixesReceived
        }
        if prefixes.count > 1 { context["prefixChart"] = Self.prefixChart(prefixes) }
        context["hasTimeline"] = !timeline.isEmpty
        context["history"] = history
        context["configurations"] = Array(configurations.reversed())
        if let router { context["router"] = router }
        if let saved = request.uri.queryParameters["saved"] {
            context["notice"] = saved == "0" ? "Nothing changed: the values were already those." : "Saved."
        }
        if let asOf { context["asOf"] = asOf }
        return .page(title: "Session \(id)", template: "session", context: context, asOf: AsOfControl(asOf: asOf, path: "/sessions/\(id)"))
    }

    static func sessionContext(_ session: Session) -> [String: Any] {
        let shown = SessionField.allCases.filter { $0 != .password }
        return [
            "id": session.id, "version": session.version, "deleted": session.isDeleted,
            "fields": shown.map { ["name": $0.rawValue, "value": session.text($0) ?? ""] }
                + [["name": "password", "value": session.passwordRef == nil ? "none" : "set (not shown)"]],
            "editable": editableFields.map { ["name": $0.rawValue, "value": session.text($0) ?? ""] },
        ]
    }

    /// Prefixes received over the observations, as an SVG line (numbers only: no text from the
    /// ledger is written into it).
    static func prefixChart(_ values: [Int64]) -> String {
        let (width, height) = (600.0, 120.0)
        let top = Double(max(values.max() ?? 1, 1))
        let step = width / Double(max(values.count - 1, 1))
        let points = values.enumerated().map { index, value in
            String(format: "%.1f,%.1f", Double(index) * step, height - 10 - Double(value) / top * (height - 20))
        }.joined(separator: " ")
        return """
            <svg role="img" aria-label="Prefixes received over time, up to \(Int64(top))" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" height="120" preserveAspectRatio="none">
            <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="#f6f8fa"/>
            <polyline points="\(points)" fill="none" stroke="#0b5cad" stroke-width="2"/>
            </svg>
            """
    }

    /// How a pushed configuration differs from the one pushed before it: `- ` for a line gone,
    /// `+ ` for a line new, in the order of each text (the whole text, as `+`, for the first).
    static func lineDiff(from old: String?, to new: String) -> String {
        let before = (old ?? "").split(separator: "\n").map(String.init)
        let after = new.split(separator: "\n").map(String.init)
        let (kept, added) = (Set(after), Set(before))
        let lines = before.filter { !kept.contains($0) }.map { "- " + $0 } + after.filter { !added.contains($0) }.map { "+ " + $0 }
        return lines.isEmpty ? "(the same text as the push before)" : lines.joined(separator: "\n")
    }

    static func actor(of event: RecordedEvent) -> String {
        (try? CanonicalJSON.decode(EventMetadata.self, from: event.metadata))?.actor ?? ""
    }

    func updateSession(_ session: ConsoleSession, _ form: ConsoleForm, id text: String?) async throws -> Outcome {
        let id = try Self.identifier(text, field: "session id")
        guard let versionText = form.text("version") else { throw Refusal("the form names no version of the session") }
        let expected = try Values.identifier(versionText, field: "version")
        var given: [SessionField: String] = [:]
        for field in Self.editableFields {
            // An absent field is left as it is; an empty one clears it.
            if let value = form[field.rawValue] { given[field] = value.trimmingCharacters(in: .whitespaces) }
        }
        for (field, text) in given where !text.isEmpty { _ = try field.parse(text) }
        let outcome = try await ledger.write(Self.metadata(session)) { [given] transaction -> SessionEdit in
            guard let current = try transaction.reader.session(id: id) else { return .missing }
            guard current.version == expected else { return .conflict(current) }
            return .saved(try transaction.updateSession(current, given: given))
        }
        switch outcome {
        case .missing: throw ConsoleNotFound(message: "no session \(id)")
        case let .conflict(current):
            let yours = Self.editableFields.map { field -> [String: Any] in ["name": field.rawValue, "value": given[field] ?? ""] }
            let theirs = Self.editableFields.map { field -> [String: Any] in ["name": field.rawValue, "value": current.text(field) ?? ""] }
            return .page(
                title: "Conflict", template: "conflict",
                context: ["id": id, "yourVersion": expected, "currentVersion": current.version, "yours": yours, "current": theirs],
                status: .conflict)
        case let .saved(count):
            return .redirect("/sessions/\(id)?saved=\(count)")
        }
    }

    /// What an edit did.
    enum SessionEdit: Sendable {
        case missing
        case conflict(Session)
        case saved(Int)
    }
}
