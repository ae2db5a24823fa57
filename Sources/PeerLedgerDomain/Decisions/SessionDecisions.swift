/// The rules of a BGP session's life, decided on values alone: what a change records, or the
/// `Refusal` that says why it cannot be made.
///
/// The adapter (APIv1's session actions, and any other face) reads what the rules need — the
/// session as it stands, the live session that already holds an address — keeps secrets apart,
/// and appends what is decided; nothing here reads a database or a clock. Every face therefore
/// refuses the same things with the same words.
public enum SessionDecisions {
    /// Fields a session cannot be without; an update cannot clear them.
    public static let notNullable: Set<SessionField> = [.public_id, .peer_asn, .peer_ipaddr, .ip_type, .state]

    /// Where one live session may hold a peer address: an exchange and, when the session names
    /// one, a router.
    public struct AddressSlot: Sendable, Hashable {
        public var exchange: Int64
        public var address: String
        public var router: Int64?

        public init(exchange: Int64, address: String, router: Int64?) {
            self.exchange = exchange
            self.address = address
            self.router = router
        }
    }

    // MARK: addSession

    /// The values of a new session from the texts given for its settable fields (an empty text
    /// is the field left out): each parsed in field order, the required ones present, the
    /// address families consistent (`ip_type` inferred from the peer address when absent) and
    /// the state `not configured` unless given.
    public static func newSession(_ given: [SessionField: String]) throws(Refusal) -> [SessionField: FieldValue] {
        var values: [SessionField: FieldValue] = [:]
        for field in SessionField.allCases where field.isSettable {
            guard let text = given[field], !text.isEmpty else { continue }
            values[field] = try field.parse(text)
        }
        for field in SessionField.requiredToAdd where values[field] == nil {
            throw Refusal("addSession needs \(field.rawValue)", code: .sessionMissingField)
        }
        try checkAddressFamilies(&values)
        if values[.state] == nil { values[.state] = .text(SessionState.notConfigured.rawValue) }
        return values
    }

    /// The event of a new session `id`, its password kept apart and carried as `passwordRef`.
    public static func added(id: Int64, values: [SessionField: FieldValue], passwordRef: String?) -> SessionAdded {
        var fields: [String: FieldValue] = [:]
        for (field, value) in values where field != .password { fields[field.column] = value }
        if let passwordRef { fields[SessionField.password.column] = .text(passwordRef) }
        return SessionAdded(sessionID: id, fields: fields)
    }

    // MARK: updateSession

    /// A deleted session stays as it was deleted.
    public static func refuseUpdate(ofDeleted id: Int64, isDeleted: Bool) throws(Refusal) {
        guard !isDeleted else { throw Refusal("Session \(id) is deleted; it cannot be updated", code: .sessionDeleted) }
    }

    /// The values of a session after an update, from the texts given for settable fields (an
    /// empty text clears the field). Refused: clearing a field a session cannot be without, an
    /// unparsable value, addresses of different families. A new peer address without an
    /// `ip_type` carries its own family.
    public static func updatedValues(
        of current: [SessionField: FieldValue], given: [SessionField: String]
    ) throws(Refusal) -> [SessionField: FieldValue] {
        var next = current
        for field in SessionField.allCases where field.isSettable {
            guard let text = given[field] else { continue }
            if text.isEmpty {
                guard !notNullable.contains(field) else { throw Refusal("\(field.rawValue) cannot be empty", code: .sessionFieldEmpty) }
                next[field] = .null
            } else {
                next[field] = try field.parse(text)
            }
        }
        if (given[.ip_type] ?? "").isEmpty, next[.peer_ipaddr] != current[.peer_ipaddr] {
            next[.ip_type] = nil
        }
        try checkAddressFamilies(&next)
        return next
    }

    /// The settable fields whose value an update changes, in field order (the password compared
    /// by its value: the adapter turns a changed one into refs).
    public static func changedFields(from current: [SessionField: FieldValue], to next: [SessionField: FieldValue]) -> [SessionField] {
        SessionField.allCases.filter { $0.isSettable && next[$0] != current[$0] }
    }

    /// The version an update appends at: the one expected (the current one when none was
    /// given). An update that changes nothing appends nothing, but a stale expectation is still
    /// a conflict, so a client never believes a stale write went through.
    public static func appendVersion(
        changes: Bool, expected: Int64?, current: Int64, stream: String
    ) throws(LedgerError) -> Int64? {
        let expected = expected ?? current
        guard changes else {
            guard expected == current else { throw .conflict(stream: stream, expected: expected, actual: current) }
            return nil
        }
        return expected
    }

    // MARK: Rules shared by add and update

    /// Infers `ip_type` from the peer address when absent, and refuses addresses of a family
    /// other than `ip_type`.
    public static func checkAddressFamilies(_ values: inout [SessionField: FieldValue]) throws(Refusal) {
        guard let peerText = values[.peer_ipaddr]?.textValue, let peer = IPAddress(peerText) else { return }
        if let given = values[.ip_type]?.textValue {
            guard given == peer.type.rawValue else {
                throw Refusal("peer_ipaddr \(peer) is an \(peer.type.rawValue) address but ip_type is \(given)", code: .sessionAddressFamilyMismatch)
            }
        } else {
            values[.ip_type] = .text(peer.type.rawValue)
        }
        if let sourceText = values[.source_ipaddr]?.textValue, let source = IPAddress(sourceText), source.type != peer.type {
            throw Refusal(
                "source_ipaddr \(source) is an \(source.type.rawValue) address but peer_ipaddr \(peer) is \(peer.type.rawValue)",
                code: .sessionAddressFamilyMismatch)
        }
    }

    /// The slot a session's values claim, or nil when they name no exchange or no address.
    public static func slot(of values: [SessionField: FieldValue]) -> AddressSlot? {
        guard let address = values[.peer_ipaddr]?.textValue, let exchange = values[.public_id]?.intValue else { return nil }
        return AddressSlot(exchange: exchange, address: address, router: values[.resource_id]?.intValue)
    }

    /// One live session per peer address on a router at an exchange: `holder` is the other
    /// live session found in `slot`, if any.
    public static func refuseDuplicate(_ slot: AddressSlot, holder: Int64?) throws(Refusal) {
        guard let holder else { return }
        let place = slot.router.map { "router \($0) at exchange \(slot.exchange)" } ?? "exchange \(slot.exchange)"
        throw Refusal(
            "peer_ipaddr \(slot.address) already has session \(holder) on \(place); update or delete that session instead",
            code: .sessionAddressTaken)
    }
}

// MARK: deleteSession

extension SessionDecisions {
    /// One session deleteSession removes: its event, at the version the session must still have.
    public struct Deletion: Sendable, Equatable {
        public var event: SessionDeleted
        public var expectedVersion: Int64

        public init(sessionID: Int64, expectedVersion: Int64) {
            self.event = SessionDeleted(sessionID: sessionID)
            self.expectedVersion = expectedVersion
        }
    }

    /// deleteSession needs at least one criterion: without one it would match, and delete, every
    /// session.
    public static func refuseDeletionWithoutCriteria(hasCriteria: Bool) throws(Refusal) {
        guard hasCriteria else {
            throw Refusal(
                "deleteSession needs at least one criterion (for example id=41); without one it would delete every session, so nothing was deleted",
                code: .sessionDeletionWithoutCriteria)
        }
    }

    /// The deletions of the sessions chosen (id and the version each must still have), in id
    /// order, or a refusal when the criteria chose none.
    public static func deletions(of chosen: [(id: Int64, version: Int64)]) throws(Refusal) -> [Deletion] {
        guard !chosen.isEmpty else { throw Refusal("No sessions found to delete.", code: .sessionDeletionFoundNothing) }
        return chosen.sorted { $0.id < $1.id }.map { Deletion(sessionID: $0.id, expectedVersion: $0.version) }
    }
}
