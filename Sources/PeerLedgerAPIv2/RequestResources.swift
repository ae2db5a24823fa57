import Crypto
import Foundation
import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// `/api/v2/requests`: peering requests. List (getRequests' filter, id order, keyset pages), read,
/// send (sendRequest's rules, the message queued in the outbox in the same transaction, with
/// `Idempotency-Key`) and mark answered (`PeeringRequestAnswered` on the request's stream).
extension APIv2 {
    /// Where requests' networks and exchanges are looked up: the PeeringDB projections.
    static var directory: ProjectedPeeringDirectory { ProjectedPeeringDirectory() }

    // MARK: list and read

    package func listRequests(_ input: Operations.ListRequests.Input) async throws -> Operations.ListRequests.Output {
        let query = input.query
        var filters: [(String, String)] = []
        var peer: Int64?
        if let text = query.peerParticipantId, !text.isEmpty {
            peer = try Parse.value("peer_participant_id") { () throws(Refusal) in try Values.identifier(text, field: "peer_participant_id") }
            filters.append(("peer_participant_id", text))
        }
        let limit = try Parse.limit(query.limit)
        let after = try Parse.cursor(query.cursor)
        let found = try await reading(asOf: query.asOf) { [peer] reader in
            // One more than the page: whether there is a next page, without a count.
            try reader.requests(toPeer: peer, afterID: after, limit: limit + 1).map { try Self.resource($0, reader) }
        }
        let items = Array(found.prefix(limit))
        var next: String?
        if found.count > limit, let last = items.last {
            if let asOf = query.asOf, !asOf.isEmpty { filters.append(("as_of", asOf)) }
            next = Link.next("/api/v2/requests", filters: filters, cursor: last.id, limit: query.limit)
        }
        return .ok(.init(body: .json(.init(items: items, next: next))))
    }

    package func getRequest(_ input: Operations.GetRequest.Input) async throws -> Operations.GetRequest.Output {
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        let found = try await reading(asOf: input.query.asOf) { reader in try Self.request(reader, id: id).map { try Self.resource($0, reader) } }
        guard let found else { throw Problem.notFound("No peering request with id \(id)") }
        return .ok(.init(body: .json(found)))
    }

    // MARK: send

    package func sendRequest(_ input: Operations.SendRequest.Input) async throws -> Operations.SendRequest.Output {
        let caller = try caller()
        guard case let .json(body) = input.body else { throw Problem.parameterMissing("body", "a JSON peering request is required") }
        let given: [(String, String?)] = [
            ("public_id", String(body.publicId)), ("peer_participant_id", String(body.peerParticipantId)),
            ("source_participant_id", String(body.sourceParticipantId)), ("source_asn", body.sourceAsn.map(String.init)),
            ("peer_name", body.peerName), ("peer_asn", String(body.peerAsn)), ("email_from", body.emailFrom),
            ("email_to", body.emailTo), ("cc", body.cc), ("bcc", body.bcc), ("subject", body.subject), ("body", body.body),
            ("type", body._type.rawValue), ("status", body.status.rawValue), ("force", body.force.map { $0 ? "1" : "0" }),
        ]
        var texts: [String: String] = [:]
        for case let (name, text?) in given where !text.isEmpty { texts[name] = text }
        let request: PeeringRequest
        do {
            request = try PeeringRequest(sendRequest: { texts[$0] })
        } catch {
            throw Problem(status: 400, code: Refusal.Code.parameterInvalid.rawValue, title: "Invalid parameter", detail: error.message)
        }
        let idempotency = try Parse.idempotencyKey(
            input.headers.idempotencyKey, caller: caller, fingerprint: Self.fingerprint("sendRequest", texts))
        let quietPeriodSeconds = self.quietPeriodSeconds
        let appended = try await ledger.append(caller.metadata, idempotency: idempotency, record: { FirstAnswer.kept($0) }) {
            transaction in
            let id = try Self.record(request, quietPeriodSeconds: quietPeriodSeconds, transaction)
            guard let found = try Self.request(transaction.reader, id: id) else { throw Problem.notFound("No peering request with id \(id)") }
            return try Self.resource(found, transaction.reader)
        }
        let resource: Components.Schemas.PeeringRequest
        switch appended {
        case let .new(recorded): resource = recorded
        case let .repeated(outcome):
            // The first call's answer, exactly as it was given; nothing is sent again. A record kept
            // before answers were recorded holds the request's id: that request as it stands now.
            if let first = FirstAnswer.restored(outcome, as: Components.Schemas.PeeringRequest.self) {
                resource = first
            } else if let id = Int64(outcome) {
                resource = try await ledger.reading { reader in
                    guard let found = try Self.request(reader, id: id) else { throw Problem.notFound("No peering request with id \(id)") }
                    return try Self.resource(found, reader)
                }
            } else {
                throw Problem.internal(requestID: caller.requestID)
            }
        }
        return .created(.init(headers: .init(location: "/api/v2/requests/\(resource.id)"), body: .json(resource)))
    }

    /// sendRequest's rules and events: the parties checked against the directory, the quiet
    /// period, the request appended (with its answer when it is given one) and its message queued.
    static func record(_ request: PeeringRequest, quietPeriodSeconds: Int64, _ tx: LedgerTransaction) throws -> Int64 {
        try tx.recordPeeringRequest(request, directory: Self.directory, quietPeriodSeconds: quietPeriodSeconds)
    }

    // MARK: answer

    package func answerRequest(_ input: Operations.AnswerRequest.Input) async throws -> Operations.AnswerRequest.Output {
        let caller = try caller()
        let id = input.path.id
        guard id > 0 else { throw Problem.parameterInvalid("id", "must be a positive integer; got \(id)") }
        guard case let .json(body) = input.body else { throw Problem.parameterMissing("body", "a JSON answer is required") }
        let answer = body.status.rawValue
        _ = try await ledger.append(caller.metadata) { transaction in
            guard let request = try Self.request(transaction.reader, id: id) else {
                throw Problem.notFound("No peering request with id \(id)")
            }
            let status = request.status ?? PeeringRequest.Status.sent.rawValue
            guard status == PeeringRequest.Status.sent.rawValue else {
                throw Problem(
                    status: 409, code: "request.answered", title: "Already answered",
                    detail: "Peering request \(id) is already answered: \(status)")
            }
            guard let peer = request.peerParticipantID, let exchange = request.publicID else {
                throw Refusal("Peering request \(id) names no network or exchange; it cannot be answered")
            }
            let stream = PeeringRequest.stream(id)
            let version = try transaction.version(of: stream)
            try transaction.append(
                .peeringRequestAnswered(PeeringRequestAnswered(requestID: id, peerParticipantID: peer, publicID: exchange, status: answer)),
                to: stream, expecting: version.map(ExpectedVersion.exactly) ?? .noStream)
        }
        let resource = try await ledger.reading { reader in
            guard let found = try Self.request(reader, id: id) else { throw Problem.notFound("No peering request with id \(id)") }
            return try Self.resource(found, reader)
        }
        return .ok(.init(body: .json(resource)))
    }

    // MARK: Shared


    static func request(_ reader: LedgerReader, id: Int64) throws -> RequestRecord? {
        try reader.request(id: id)
    }

    static func fingerprint(_ operation: String, _ texts: [String: String]) -> String {
        var text = "v2:\(operation)"
        for (name, value) in texts.sorted(by: { $0.key < $1.key }) {
            text += "\u{1E}\(name)\u{1F}\(value)"
        }
        return SHA256.hash(data: Array(text.utf8)).hexString
    }

    /// A request as APIv2 answers it: numbers as numbers, times as dates; a source ASN recorded
    /// before it was filled in from the directory is looked up there, as getRequests does.
    static func resource(_ request: RequestRecord, _ reader: LedgerReader) throws -> Components.Schemas.PeeringRequest {
        func date(_ text: String?) -> Date? { text.flatMap(Timestamp.init(parsing:))?.date }
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        var sourceASN = request.sourceASN
        if sourceASN == nil, let participant = request.sourceParticipantID {
            sourceASN = try directory.network(participantID: participant, in: reader)?.asn
        }
        return .init(
            id: request.id, publicId: request.publicID, sourceParticipantId: request.sourceParticipantID, sourceAsn: sourceASN,
            peerParticipantId: request.peerParticipantID, peerAsn: request.peerASN, peerName: request.peerName,
            emailType: request.emailType, emailFrom: request.emailFrom, emailTo: request.emailTo, subject: request.subject,
            body: request.body, status: request.status ?? PeeringRequest.Status.sent.rawValue, created: date(request.created),
            modified: date(request.modified), deliveryStatus: nonEmpty(request.deliveryStatus), deliveryAttempts: request.deliveryAttempts,
            deliveryReply: nonEmpty(request.deliveryReply), nextAttempt: date(request.nextAttempt), delivered: date(request.delivered))
    }
}
