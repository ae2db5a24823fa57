import GRDB
import PeerLedgerDomain

/// One API action: its name, the parameters it takes, and whether it reads or writes.
struct Action: Sendable {
    enum Body: Sendable {
        /// Reads projections only (or, for audit, the log). May be asked `as_of` a past moment.
        case read(@Sendable (Parameters, Database) throws -> Reply)
        /// Runs inside one ledger transaction; what it appends commits with its answer.
        case write(@Sendable (Parameters, LedgerTransaction) throws -> Reply)
        /// Talks to the outside (a router) between ledger transactions, recording what happened
        /// as events through the context.
        case effect(@Sendable (Parameters, ActionContext) async throws -> Reply)
    }

    let name: String
    let parameters: Set<String>
    let body: Body

    var isWrite: Bool {
        switch body {
        case .write, .effect: return true
        case .read: return false
        }
    }

    /// Parameters every call may carry besides its own: routing, signature, replay protection.
    static let envelope: Set<String> = ["target", "action", "apiKey", "hash", "time"]
    /// Extra parameters for writes and reads.
    static let writeExtras: Set<String> = ["idempotency_key"]
    static let readExtras: Set<String> = ["as_of"]

    /// Refuses a parameter the action does not take, so a misspelt one is never silently ignored.
    func checkParameters(_ given: Parameters) throws(Refusal) {
        let allowed = parameters.union(Self.envelope).union(isWrite ? Self.writeExtras : Self.readExtras)
        if let unknown = given.names.first(where: { !allowed.contains($0) }) {
            throw Refusal("\(name) does not take parameter \(unknown)")
        }
    }
}
