import PeerLedger
import PeerLedgerRouters
import PeerLedgerDomain

/// What an action that talks to the outside gets: the ledger to read and to record in (a push
/// records each step in its own transaction, as `metadata`'s caller), the routers, and the caller.
struct ActionContext: Sendable {
    let ledger: Ledger
    let routers: any RouterConnector
    let request: APIRequest
    /// The action's final write, honouring an idempotency key like any other write.
    let commit: @Sendable (@escaping @Sendable (Parameters, LedgerTransaction) throws -> Reply) async throws -> Reply

    /// Who the events the action records are by.
    var metadata: EventMetadata {
        EventMetadata(actor: request.actor, requestID: request.requestID, clientAddress: request.clientAddress)
    }

    var idempotencyKey: String? { request.idempotencyKey ?? request.parameters.nonEmpty("idempotency_key") }
}
