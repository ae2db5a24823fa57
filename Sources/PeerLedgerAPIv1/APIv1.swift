import Crypto
import Foundation
package import Logging
public import PeerLedger
public import PeerLedgerRouters
import PeerLedgerDomain

/// ProVision's APIv1 on the ledger: routes `target` and `action` to an action, runs reads on the
/// projections and writes as one ledger transaction each, and turns every refusal into a clear
/// `success:0` answer. Transport-agnostic: the HTTP server, replays and tests all call `handle`.
public struct APIv1: Sendable {
    public let ledger: Ledger
    let logger: Logger
    /// How configureSession and deleteSession reach routers.
    public let routers: any RouterConnector
    /// getRequests, sendRequest, sendEmail: built from the request settings they need.
    let requestActions: [String: Action]
    /// Answers of list reads, valid while the projections stay at the position they were read at.
    package let readCache = ReadAnswerCache()

    package init(
        ledger: Ledger, logger: Logger = Logger(label: "peerledger.api"),
        routers: any RouterConnector = ProcessRouterConnector(),
        requests: PeeringRequestSettings = PeeringRequestSettings()
    ) {
        self.ledger = ledger
        self.logger = logger
        self.routers = routers
        self.requestActions = Dictionary(uniqueKeysWithValues: RequestActions.all(requests).map { ($0.name, $0) })
    }

    /// Every action but the request ones (built from settings), by target and name. Each takes
    /// its parameters from `ParameterTable`.
    static let targets: [String: [String: Action]] = [
        "peering": Dictionary(uniqueKeysWithValues: (SessionActions.all + PeerActions.all + RouterActions.all).map { ($0.name, $0) }),
        "audit": Dictionary(uniqueKeysWithValues: AuditActions.all.map { ($0.name, $0) }),
    ]

    public func handle(_ request: APIRequest) async -> APIAnswer {
        let parameters = request.parameters
        do {
            let action = try requestAction(for: parameters) ?? Self.action(for: parameters)
            try action.checkParameters(parameters)
            switch action.body {
            case let .read(read):
                if let asOfText = parameters.nonEmpty("as_of") {
                    let moment = try Values.time(asOfText, field: "as_of")
                    let past = try await PointInTime.ledger(
                        of: ledger, asOf: moment, withLog: parameters.nonEmpty("target") == "audit")
                    return .success(try await past.reading { reader in try read(parameters, reader) })
                }
                if let key = ReadAnswerCache.key(action: action.name, parameters: parameters) {
                    let cache = readCache
                    return try await ledger.reading { reader in try cache.answer(for: key, reader) { try read(parameters, reader) } }
                }
                return .success(try await ledger.reading { reader in try read(parameters, reader) })
            case let .write(write):
                if request.readOnly {
                    throw Refusal("API key \(request.actor) is read-only; \(action.name) writes")
                }
                return .success(try await perform(write, action: action, request: request))
            case let .effect(effect):
                if request.readOnly {
                    throw Refusal("API key \(request.actor) is read-only; \(action.name) writes")
                }
                let context = ActionContext(
                    ledger: ledger, routers: routers, request: request,
                    commit: { body in try await perform(body, action: action, request: request) })
                return .success(try await effect(parameters, context))
            }
        } catch {
            return answer(for: error, requestID: request.requestID)
        }
    }

    /// The `success:0` answer for an error: a refusal's or the ledger's message, else a plain
    /// "Internal error" (the detail is logged, never sent: no stack trace or 500 to the caller).
    func answer(for error: any Error, requestID: String?) -> APIAnswer {
        switch error {
        case let refusal as Refusal: return .failure(refusal.message)
        case let error as LedgerError: return .failure(error.description)
        case let error where StorageCondition(of: error) == .full:
            logger.error("ledger storage full", metadata: ["request_id": "\(requestID ?? "-")", "error": "\(error)"])
            return .failure(
                "The ledger's storage is full (request \(requestID ?? "-")); nothing was changed. Free space where the ledger's file lives and try again")
        case let error where StorageCondition(of: error) == .busy:
            return .failure(
                "The ledger is busy: another process has held its write lock too long (request \(requestID ?? "-")); nothing was changed. Try again")
        default:
            logger.error("action failed", metadata: ["request_id": "\(requestID ?? "-")", "error": "\(error)"])
            return .failure("Internal error (request \(requestID ?? "-")); nothing was changed")
        }
    }

    func requestAction(for parameters: Parameters) -> Action? {
        guard parameters.nonEmpty("target") == "peering", let name = parameters.nonEmpty("action") else { return nil }
        return requestActions[name]
    }

    static func action(for parameters: Parameters) throws(Refusal) -> Action {
        guard let target = parameters.nonEmpty("target") else { throw Refusal("target is required (peering or audit)") }
        guard let actions = targets[target] else {
            throw Refusal("Unknown target '\(Values.quoted(target))' (expected peering or audit)")
        }
        guard let name = parameters.nonEmpty("action") else { throw Refusal("action is required") }
        guard let action = actions[name] else {
            throw Refusal("Unknown action '\(Values.quoted(name))' for target \(target)")
        }
        return action
    }

    /// Runs a write in one transaction, honouring an idempotency key: a key already applied with
    /// the same parameters returns the first answer and appends nothing; with other parameters it
    /// is refused.
    private func perform(
        _ write: @escaping @Sendable (Parameters, LedgerTransaction) throws -> Reply, action: Action, request: APIRequest
    ) async throws -> Reply {
        let parameters = request.parameters
        let key = request.idempotencyKey ?? parameters.nonEmpty("idempotency_key")
        if let key { _ = try Values.text(key, field: "idempotency_key", maxLength: 200) }
        // Only a keyed write is ever compared with an earlier one.
        let fingerprint = key == nil ? "" : Self.fingerprint(parameters)
        let metadata = EventMetadata(actor: request.actor, requestID: request.requestID, clientAddress: request.clientAddress)
        let idempotency = key.map { IdempotencyKey(actor: request.actor, key: $0, fingerprint: fingerprint) }
        let appended = try await ledger.append(metadata, idempotency: idempotency, record: { APIAnswer.success($0.reply).text }) {
            transaction in
            let reply = try write(parameters, transaction)
            // Every request queues its message with its PeeringRequestSent.
            return (reply: reply, queuedMail: transaction.appended.contains { $0.type == PeeringRequestSent.type })
        }
        let reply: Reply, queuedMail: Bool
        switch appended {
        case let .new(value): (reply, queuedMail) = value
        case let .repeated(outcome): (reply, queuedMail) = (try Idempotency.reply(fromAnswer: outcome), false)
        }
        // Committed: the worker may send it now rather than at its next pass.
        if queuedMail { ledger.outboxWake.signal() }
        return reply
    }

    /// SHA-256 over the action and its parameters, without the signature and routing extras.
    static func fingerprint(_ parameters: Parameters) -> String {
        let relevant = parameters.removing(["apiKey", "hash", "time", "idempotency_key"])
            .pairs.sorted { $0.name < $1.name }
        var hasher = SHA256()
        for (name, value) in relevant {
            hasher.update(data: Array("\(name)\u{1F}\(value)\u{1E}".utf8))
        }
        return hasher.finalize().hexString
    }
}

/// The first answers of idempotent writes, kept by the log's store beside the write itself.
enum Idempotency {
    /// The reply an answer's text carries (what the store kept for a repeat).
    static func reply(fromAnswer text: String) throws -> Reply {
        let answer = try JSON.parse(text)
        return Reply(answer["message"]?.stringValue ?? "", data: answer["data"])
    }
}
