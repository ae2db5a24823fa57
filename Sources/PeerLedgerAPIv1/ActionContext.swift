import PeerLedger
import PeerLedgerDomain

/// What an action that talks to the outside gets: the ledger to read and to record events in
/// (one transaction per `record`), the routers, and the caller.
struct ActionContext: Sendable {
    let ledger: Ledger
    let routers: any RouterConnector
    let request: APIRequest
    /// The action's final write, honouring an idempotency key like any other write.
    let commit: @Sendable (@escaping @Sendable (Parameters, LedgerTransaction) throws -> Reply) async throws -> Reply

    var metadata: EventMetadata {
        EventMetadata(actor: request.actor, requestID: request.requestID, clientAddress: request.clientAddress)
    }

    /// Appends what happened (a push requested, its outcome) in its own transaction.
    @discardableResult
    func record<T: Sendable>(_ body: @escaping @Sendable (LedgerTransaction) throws -> T) async throws -> T {
        try await ledger.write(metadata, body)
    }

    var idempotencyKey: String? { request.idempotencyKey ?? request.parameters.nonEmpty("idempotency_key") }
}
