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

extension LedgerTransaction {
    /// A new session from the texts of its fields, by `SessionDecisions`' rules: refused when
    /// another live session holds its address; its password kept apart as a secret. Returns the
    /// new session's id (one past the last).
    package func addSession(_ texts: [SessionField: String]) throws -> Int64 {
        let values = try SessionDecisions.newSession(texts)
        try refuseDuplicateSession(values, excluding: nil)
        let id = try (reader.lastSessionID() ?? 0) + 1
        let passwordRef = try values[.password]?.textValue.map { try storeSecret($0) }
        try append(
            .sessionAdded(SessionDecisions.added(id: id, values: values, passwordRef: passwordRef)), to: Session.stream(id),
            expecting: .noStream)
        return id
    }

    /// `current` updated with the texts `given`, by `SessionDecisions`' rules (a deleted session
    /// is refused; so is an address another live session holds): one `SessionUpdated` at the
    /// version `current` was read at, or nothing when no field changes. Returns how many changed.
    package func updateSession(_ current: Session, given: [SessionField: String]) throws -> Int {
        try SessionDecisions.refuseUpdate(ofDeleted: current.id, isDeleted: current.isDeleted)
        let next = try SessionDecisions.updatedValues(of: current.values, given: given)
        try refuseDuplicateSession(next, excluding: current.id)
        let changes = try sessionChanges(from: current, to: next)
        if !changes.isEmpty {
            try append(
                .sessionUpdated(SessionUpdated(sessionID: current.id, changes: changes)), to: Session.stream(current.id),
                expecting: .exactly(current.version))
        }
        return changes.count
    }

    /// Refuses `values` when another live session (not `excluded`) holds their address slot.
    package func refuseDuplicateSession(_ values: [SessionField: FieldValue], excluding excluded: Int64?) throws {
        guard let slot = SessionDecisions.slot(of: values) else { return }
        try SessionDecisions.refuseDuplicate(slot, holder: reader.liveSession(holding: slot, excluding: excluded))
    }
}
