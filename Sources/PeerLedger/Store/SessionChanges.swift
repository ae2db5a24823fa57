package import PeerLedgerDomain

extension LedgerTransaction {
    /// The changes of a session update from `current` to `next` (as `SessionDecisions` decided
    /// them), for its `SessionUpdated` event, with every API's rule for the password: a new one
    /// is kept apart as a secret and the event carries its ref, never the password.
    package func sessionChanges(
        from current: Session, to next: [SessionField: FieldValue]
    ) throws -> [String: SessionUpdated.FieldChange] {
        var changes: [String: SessionUpdated.FieldChange] = [:]
        for field in SessionDecisions.changedFields(from: current.values, to: next) {
            if field == .password {
                let newRef: FieldValue = if case let .text(password) = next[field] { .text(try storeSecret(password)) } else { .null }
                changes[field.column] = .init(from: current.passwordRef.map(FieldValue.text) ?? .null, to: newRef)
            } else {
                changes[field.column] = .init(from: current.values[field] ?? .null, to: next[field] ?? .null)
            }
        }
        return changes
    }
}
