import PeerLedger
import PeerLedgerDomain

/// `target=audit`: getEvents (filters) and getHistory (one stream).
enum AuditActions {
    static let all: [Action] = [
        Action(target: "audit", name: "getEvents", body: .read(getEvents)),
        Action(target: "audit", name: "getHistory", body: .read(getHistory)),
        Action(target: "audit", name: "verify", body: .read(verify)),
    ]

    /// The hash chain and triggers checked on the server's own copy, over HTTP.
    static func verify(_ parameters: Parameters, _ reader: LedgerReader) throws -> Reply {
        let report = try reader.verifyLog()
        let data = JSON.object([
            ("valid", .bool(report.isValid)),
            ("events", .int(report.events)),
            ("last_hash", .string(report.lastHash)),
            ("first_bad_position", report.firstBad.map { .int($0.position) } ?? .null),
            ("reason", .string(report.firstBad?.reason)),
            ("missing_triggers", .array(report.missingTriggers.map(JSON.string))),
        ])
        guard report.isValid else { throw Refusal(report.summary) }
        return Reply(report.summary, data: data)
    }

    static func query(_ parameters: Parameters) throws(Refusal) -> AuditQuery {
        var query = AuditQuery()
        if let session = parameters.nonEmpty("session") {
            query.stream = Session.stream(try Values.identifier(session, field: "session"))
        }
        if let stream = parameters.nonEmpty("stream") { query.stream = try Values.text(stream, field: "stream") }
        if let actor = parameters.nonEmpty("actor") { query.actor = try Values.text(actor, field: "actor") }
        if let type = parameters.nonEmpty("type") { query.type = try Values.text(type, field: "type") }
        for (name, keyPath) in [("since", \AuditQuery.since), ("until", \AuditQuery.until)] {
            guard let text = parameters.nonEmpty(name) else { continue }
            query[keyPath: keyPath] = try Values.time(text, field: name)
        }
        if let after = parameters.nonEmpty("after_position") { query.afterPosition = try Values.count(after, field: "after_position") }
        query.limit = Int(try parameters.nonEmpty("limit").map { text throws(Refusal) in try Values.identifier(text, field: "limit") } ?? 1000)
        return query
    }

    static func getEvents(_ parameters: Parameters, _ reader: LedgerReader) throws -> Reply {
        let events = try reader.events(matching: query(parameters))
        return Reply("\(events.count) events found.", data: .array(events.map(\.json)))
    }

    static func getHistory(_ parameters: Parameters, _ reader: LedgerReader) throws -> Reply {
        guard parameters.nonEmpty("stream") != nil || parameters.nonEmpty("session") != nil else {
            throw Refusal("getHistory needs stream (e.g. session-41) or session (a session id)")
        }
        var query = try query(parameters)
        query.limit = nil
        let events = try reader.events(matching: query)
        return Reply("\(events.count) events found.", data: .array(events.map(\.json)))
    }
}
