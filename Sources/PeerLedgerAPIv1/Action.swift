import PeerLedger
import PeerLedgerDomain

/// One API action: its name, the parameters it takes (its row of `ParameterTable`), and whether
/// it reads or writes.
struct Action: Sendable {
    enum Body: Sendable {
        /// Reads projections only (or, for audit, the log). May be asked `as_of` a past moment.
        case read(@Sendable (Parameters, LedgerReader) throws -> Reply)
        /// Runs inside one ledger transaction; what it appends commits with its answer.
        case write(@Sendable (Parameters, LedgerTransaction) throws -> Reply)
        /// Talks to the outside (a router) between ledger transactions, recording what happened
        /// as events through the context.
        case effect(@Sendable (Parameters, ActionContext) async throws -> Reply)
    }

    let name: String
    /// The parameters it takes besides the envelope: exactly the documented ones.
    let parameters: Set<String>
    let body: Body

    init(target: String, name: String, body: Body) {
        self.name = name
        self.parameters = Set(ParameterTable.parameters(target: target, action: name).map(\.name))
        self.body = body
    }

    var isWrite: Bool {
        switch body {
        case .write, .effect: return true
        case .read: return false
        }
    }

    /// Parameters every call may carry besides its own: routing, signature, replay protection.
    static let envelope: Set<String> = ["target", "action", "apiKey", "hash", "time"]

    /// Refuses a parameter the action does not take, so a misspelt one is never silently ignored.
    func checkParameters(_ given: Parameters) throws(Refusal) {
        if let unknown = given.names.first(where: { !parameters.contains($0) && !Self.envelope.contains($0) }) {
            throw Refusal("\(name) does not take parameter \(unknown)")
        }
    }
}
