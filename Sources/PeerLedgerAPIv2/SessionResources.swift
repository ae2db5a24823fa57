import Crypto
import Foundation
import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/sessions`: list (every getSessions filter, keyset pages), create (with
/// `Idempotency-Key`), read (`ETag` = the stream version), change and delete (with `If-Match`).
/// The rules are the domain's `SessionDecisions`, the same APIv1's actions apply.
extension APIv2 {
    // MARK: list

    package func listSessions(_ input: Operations.ListSessions.Input) async throws -> Operations.ListSessions.Output {
        let query = input.query
        let given: [(SessionField, String?)] = [
            (.public_id, query.publicId), (.id, query.id), (.source_asn, query.sourceAsn), (.source_ipaddr, query.sourceIpaddr),
            (.resource_id, query.resourceId), (.peer_asn, query.peerAsn), (.peer_name, query.peerName),
            (.peer_participant_id, query.peerParticipantId), (.peer_ipaddr, query.peerIpaddr), (.peer_hostname, query.peerHostname),
            (.peer_group, query.peerGroup), (.type, query._type), (.state, query.state), (.prfx_max, query.prfxMax),
            (.prfx_received, query.prfxReceived), (.ip_type, query.ipType), (.note, query.note), (.created, query.created),
            (.modified, query.modified), (.deleted, query.deleted),
        ]
        var criteria = SessionCriteria()
        var filters: [(String, String)] = []
        for case let (field, text?) in given where !text.isEmpty {
            if field.kind == .timestamp, Timestamp.isDay(text) {
                criteria.require(field, onDay: text)
            } else {
                criteria.require(field, equals: try Parse.value(field.rawValue) { () throws(Refusal) in try field.parse(text) })
            }
            filters.append((field.rawValue, text))
        }
        let limit = try Parse.limit(query.limit)
        let after = try Parse.cursor(query.cursor)
        let page = try await reading(asOf: query.asOf) { [criteria] reader in
            // One more than the page: whether there is a next page, without a count.
            try reader.sessions(matching: criteria, afterID: after, limit: limit + 1)
        }
        let items = Array(page.prefix(limit))
        var next: String?
        if page.count > limit, let last = items.last {
            if let asOf = query.asOf, !asOf.isEmpty { filters.append(("as_of", asOf)) }
            next = Link.next("/api/v2/sessions", filters: filters, cursor: last.id, limit: query.limit)
        }
        return .ok(.init(body: .json(.init(items: items.map(Self.resource), next: next))))
    }

    // MARK: create

    package func createSession(_ input: Operations.CreateSession.Input) async throws -> Operations.CreateSession.Output {
        let caller = try caller()
        guard case let .json(body) = input.body else { throw Problem.parameterMissing("body", "a JSON session is required") }
        let texts = try Self.checked(Self.texts(body))
        let idempotency = try Parse.idempotencyKey(
            input.headers.idempotencyKey, caller: caller, fingerprint: Self.fingerprint("createSession", texts))
        let appended = try await ledger.append(caller.metadata, idempotency: idempotency, record: { FirstAnswer.kept(Self.resource($0)) }) { transaction in
            let id = try transaction.addSession(texts)
            return try Self.fetch(transaction.reader, id: id)
        }
        let resource: Components.Schemas.Session
        switch appended {
        case let .new(created): resource = Self.resource(created)
        case let .repeated(outcome):
            // The first request's answer, exactly as it was given; nothing is added. A record kept
            // before answers were recorded holds the session's id: that session as it stands now.
            if let first = FirstAnswer.restored(outcome, as: Components.Schemas.Session.self) {
                resource = first
            } else if let id = Int64(outcome) {
                resource = Self.resource(try await ledger.reading { reader in try Self.fetch(reader, id: id) })
            } else {
                throw Problem.internal(requestID: caller.requestID)
            }
        }
        return .created(
            .init(
                headers: .init(eTag: "\"\(resource.version)\"", location: "/api/v2/sessions/\(resource.id)"),
                body: .json(resource)))
    }

    // MARK: read

    package func getSession(_ input: Operations.GetSession.Input) async throws -> Operations.GetSession.Output {
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        guard let session = try await reading(asOf: input.query.asOf, { reader in try reader.session(id: id) }) else {
            throw Problem.notFound("No session with id \(id)")
        }
        return .ok(.init(headers: .init(eTag: Self.etag(session)), body: .json(Self.resource(session))))
    }

    // MARK: change

    package func updateSession(_ input: Operations.UpdateSession.Input) async throws -> Operations.UpdateSession.Output {
        let caller = try caller()
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        guard case let .json(body) = input.body else { throw Problem.parameterMissing("body", "a JSON session is required") }
        let expected = try Parse.ifMatch(input.headers.ifMatch)
        let texts = try Self.checked(Self.texts(body))
        let appended = try await ledger.append(caller.metadata) { transaction in
            guard let current = try transaction.reader.session(id: id) else { throw Problem.notFound("No session with id \(id)") }
            if let expected, expected != current.version {
                throw Problem.versionMismatch(stream: Session.stream(id), expected: expected, current: current.version)
            }
            _ = try transaction.updateSession(current, given: texts)
            return try Self.fetch(transaction.reader, id: id)
        }
        guard case let .new(session) = appended else { throw Problem.internal(requestID: caller.requestID) }
        return .ok(.init(headers: .init(eTag: Self.etag(session)), body: .json(Self.resource(session))))
    }

    // MARK: delete

    package func deleteSession(_ input: Operations.DeleteSession.Input) async throws -> Operations.DeleteSession.Output {
        let caller = try caller()
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        let expected = try Parse.ifMatch(input.headers.ifMatch)
        _ = try await ledger.append(caller.metadata) { transaction in
            guard let current = try transaction.reader.session(id: id) else { throw Problem.notFound("No session with id \(id)") }
            if let expected, expected != current.version {
                throw Problem.versionMismatch(stream: Session.stream(id), expected: expected, current: current.version)
            }
            let chosen = current.isDeleted ? [] : [(id: id, version: current.version)]
            let deletions = try SessionDecisions.deletions(of: chosen)
            if try transaction.reader.pushTargetOnRouter(current) != nil {
                throw Refusal(
                    "Session \(id) is configured on its router; remove the neighbor first (APIv1 deleteSession does both)",
                    code: .sessionOnRouter)
            }
            for deletion in deletions {
                try transaction.append(
                    .sessionDeleted(deletion.event), to: Session.stream(deletion.event.sessionID),
                    expecting: .exactly(deletion.expectedVersion))
            }
        }
        return .noContent(.init())
    }

    // MARK: Shared

    /// The texts of the fields a body gives, as APIv1 would receive them: numbers in digits.
    static func texts(_ body: Components.Schemas.SessionInput) -> [SessionField: String] {
        let given: [(SessionField, String?)] = [
            (.public_id, body.publicId.map(String.init)), (.source_asn, body.sourceAsn.map(String.init)),
            (.source_ipaddr, body.sourceIpaddr), (.resource_id, body.resourceId.map(String.init)),
            (.peer_asn, body.peerAsn.map(String.init)), (.peer_name, body.peerName),
            (.peer_participant_id, body.peerParticipantId.map(String.init)), (.peer_ipaddr, body.peerIpaddr),
            (.peer_hostname, body.peerHostname), (.peer_group, body.peerGroup), (.password, body.password),
            (.type, body._type), (.state, body.state), (.prfx_max, body.prfxMax.map(String.init)),
            (.ip_type, body.ipType?.rawValue), (.note, body.note),
        ]
        var texts: [SessionField: String] = [:]
        for case let (field, text?) in given { texts[field] = text }
        return texts
    }

    /// The texts, each non-empty one read as its field reads it (ranges, address syntax, control
    /// characters), so a value that cannot be a field's is a 400 naming the field before any
    /// rule of the ledger is asked. An empty text (PATCH: clear the field) is left to the rules.
    static func checked(_ texts: [SessionField: String]) throws(Problem) -> [SessionField: String] {
        for (field, text) in texts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !text.isEmpty {
            _ = try Parse.value(field.rawValue) { () throws(Refusal) in try field.parse(text) }
        }
        return texts
    }

    /// SHA-256 over the operation and its fields: what an `Idempotency-Key` is held to.
    static func fingerprint(_ operation: String, _ texts: [SessionField: String]) -> String {
        var text = "v2:\(operation)"
        for (field, value) in texts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            text += "\u{1E}\(field.rawValue)\u{1F}\(value)"
        }
        return SHA256.hash(data: Array(text.utf8)).hexString
    }

    static func fetch(_ reader: LedgerReader, id: Int64) throws -> Session {
        guard let session = try reader.session(id: id) else { throw Problem.notFound("No session with id \(id)") }
        return session
    }

    /// The session's stream version as an entity tag: `"3"`.
    static func etag(_ session: Session) -> String { "\"\(session.version)\"" }

    /// A session as APIv2 answers it: numbers as numbers, times as dates, the password never
    /// (only whether there is one).
    static func resource(_ session: Session) -> Components.Schemas.Session {
        func date(_ field: SessionField) -> Date? { session.text(field).flatMap(Timestamp.init(parsing:))?.date }
        return .init(
            id: session.id, version: session.version, publicId: session.int(.public_id) ?? 0, publicName: session.publicName,
            sourceAsn: session.int(.source_asn), sourceIpaddr: session.text(.source_ipaddr), resourceId: session.int(.resource_id),
            resourceName: session.resourceName, peerAsn: session.int(.peer_asn) ?? 0, peerName: session.text(.peer_name),
            peerParticipantId: session.int(.peer_participant_id), peerIpaddr: session.text(.peer_ipaddr) ?? "",
            peerHostname: session.text(.peer_hostname), peerGroup: session.text(.peer_group),
            hasPassword: session.passwordRef != nil, _type: session.text(.type), state: session.text(.state) ?? "",
            prfxMax: session.int(.prfx_max), prfxReceived: session.int(.prfx_received), ipType: session.text(.ip_type),
            note: session.text(.note), created: date(.created), modified: date(.modified), deleted: session.isDeleted)
    }
}
