import GRDB
import PeerLedgerDomain

/// addSession, updateSession and getSessions: BGP sessions as events; and the ledger's part of
/// deleteSession, which `RouterActions` serves (it removes the neighbor from its router first).
enum SessionActions {
    static let all: [Action] = [
        Action(target: "peering", name: "getSessions", body: .read(get)),
        Action(target: "peering", name: "addSession", body: .write(add)),
        Action(target: "peering", name: "updateSession", body: .write(update)),
    ]

    /// Fields a session cannot be without; updateSession cannot clear them.
    static let notNullable: Set<SessionField> = [.public_id, .peer_asn, .peer_ipaddr, .ip_type, .state]

    // MARK: getSessions

    static func get(_ parameters: Parameters, _ db: Database) throws -> Reply {
        guard parameters.nonEmpty("public_id") != nil else {
            throw Refusal("getSessions needs public_id: the exchange whose sessions to list")
        }
        let sessions = try SessionFilter(parameters).fetch(db)
        guard !sessions.isEmpty else { return Reply("No peers found.") }
        return Reply("\(sessions.count) sessions found.", data: .array(sessions.map { $0.json() }))
    }

    // MARK: addSession

    static func add(_ parameters: Parameters, _ transaction: LedgerTransaction) throws -> Reply {
        var values: [SessionField: FieldValue] = [:]
        for field in SessionField.allCases where field.isSettable {
            guard let text = parameters.nonEmpty(field.rawValue) else { continue }
            values[field] = try field.parse(text)
        }
        for field in SessionField.requiredToAdd where values[field] == nil {
            throw Refusal("addSession needs \(field.rawValue)")
        }
        try checkAddressFamilies(&values)
        if values[.state] == nil { values[.state] = .text(SessionState.notConfigured.rawValue) }
        try refuseDuplicate(values, excluding: nil, transaction.db)

        let id = try (lastID.int64(transaction.db) ?? 0) + 1
        var fields: [String: FieldValue] = [:]
        for (field, value) in values {
            if field == .password, case let .text(password) = value {
                fields[field.column] = .text(try transaction.storeSecret(password))
            } else {
                fields[field.column] = value
            }
        }
        try transaction.append(
            .sessionAdded(SessionAdded(sessionID: id, fields: fields)), to: Session.stream(id), expecting: .noStream)
        let session = try fetch(transaction.db, id: id)
        return Reply("Session added: \(session.label)", data: session.json(idAsNumber: true))
    }

    // MARK: updateSession

    static func update(_ parameters: Parameters, _ transaction: LedgerTransaction) throws -> Reply {
        guard let idText = parameters.nonEmpty("id") else {
            throw Refusal("updateSession needs id: the session to change")
        }
        let id = try Values.identifier(idText, field: "id")
        guard let current = try Session.fetch(transaction.db, id: id) else {
            throw Refusal("No session with id \(id) to update")
        }
        guard !current.isDeleted else { throw Refusal("Session \(id) is deleted; it cannot be updated") }
        let expected = try expectedVersion(parameters) ?? current.version

        var next = current.values
        for field in SessionField.allCases where field.isSettable {
            guard let text = parameters[field.rawValue] else { continue }
            if text.isEmpty {
                guard !notNullable.contains(field) else { throw Refusal("\(field.rawValue) cannot be empty") }
                next[field] = .null
            } else {
                next[field] = try field.parse(text)
            }
        }
        // A new peer address without an ip_type carries its own family.
        if parameters.nonEmpty("ip_type") == nil, next[.peer_ipaddr] != current.values[.peer_ipaddr] {
            next[.ip_type] = nil
        }
        try checkAddressFamilies(&next)
        try refuseDuplicate(next, excluding: id, transaction.db)

        var changes: [String: SessionUpdated.FieldChange] = [:]
        for field in SessionField.allCases where field.isSettable && next[field] != current.values[field] {
            if field == .password {
                let newRef: FieldValue =
                    if case let .text(password) = next[field] { .text(try transaction.storeSecret(password)) } else { .null }
                changes[field.column] = .init(from: current.passwordRef.map(FieldValue.text) ?? .null, to: newRef)
            } else {
                changes[field.column] = .init(from: current.values[field] ?? .null, to: next[field] ?? .null)
            }
        }
        if !changes.isEmpty {
            try transaction.append(
                .sessionUpdated(SessionUpdated(sessionID: id, changes: changes)), to: Session.stream(id),
                expecting: .exactly(expected))
        } else if expected != current.version {
            throw LedgerError.conflict(stream: Session.stream(id), expected: expected, actual: current.version)
        }
        let session = try fetch(transaction.db, id: id)
        return Reply("Session updated: \(session.label)", data: session.json())
    }

    // MARK: deleteSession

    /// The ledger's part of deleteSession: every live session matching the criteria, each at
    /// `expected_version` when given. `decided` is what the caller already read and acted on
    /// (session id to the version it must still have, its own removal push included): exactly
    /// those are deleted, and one that has moved on since is a conflict.
    static func delete(_ parameters: Parameters, _ transaction: LedgerTransaction, decided: [Int64: Int64]? = nil) throws -> Reply {
        let filter = try SessionFilter(parameters)
        guard !filter.isEmpty else {
            throw Refusal("deleteSession needs at least one criterion (for example id=41); without one it would delete every session, so nothing was deleted")
        }
        let expected = try expectedVersion(parameters)
        let chosen: [(id: Int64, version: Int64)] =
            if let decided {
                decided.sorted { $0.key < $1.key }.map { (id: $0.key, version: $0.value) }
            } else {
                try filter.fetch(transaction.db).filter { !$0.isDeleted }.map { (id: $0.id, version: expected ?? $0.version) }
            }
        guard !chosen.isEmpty else { throw Refusal("No sessions found to delete.") }
        for (id, version) in chosen {
            try transaction.append(
                .sessionDeleted(SessionDeleted(sessionID: id)), to: Session.stream(id), expecting: .exactly(version))
        }
        return Reply("\(chosen.count) sessions deleted.")
    }

    // MARK: Rules shared by add and update

    static func expectedVersion(_ parameters: Parameters) throws(Refusal) -> Int64? {
        guard let text = parameters.nonEmpty("expected_version") else { return nil }
        return try Values.identifier(text, field: "expected_version")
    }

    /// Infers `ip_type` from the peer address when absent, and refuses addresses of a family
    /// other than `ip_type`.
    static func checkAddressFamilies(_ values: inout [SessionField: FieldValue]) throws(Refusal) {
        guard let peerText = values[.peer_ipaddr]?.textValue, let peer = IPAddress(peerText) else { return }
        if let given = values[.ip_type]?.textValue {
            guard given == peer.type.rawValue else {
                throw Refusal("peer_ipaddr \(peer) is an \(peer.type.rawValue) address but ip_type is \(given)")
            }
        } else {
            values[.ip_type] = .text(peer.type.rawValue)
        }
        if let sourceText = values[.source_ipaddr]?.textValue, let source = IPAddress(sourceText), source.type != peer.type {
            throw Refusal("source_ipaddr \(source) is an \(source.type.rawValue) address but peer_ipaddr \(peer) is \(peer.type.rawValue)")
        }
    }

    /// One live session per peer address on a router at an exchange.
    static func refuseDuplicate(_ values: [SessionField: FieldValue], excluding id: Int64?, _ db: Database) throws {
        guard let address = values[.peer_ipaddr]?.textValue, let exchange = values[.public_id]?.intValue else { return }
        let router = values[.resource_id]?.intValue
        if let existing = try duplicate.int64(db, exchange, address, router, id) {
            let where_ = router.map { "router \($0) at exchange \(exchange)" } ?? "exchange \(exchange)"
            throw Refusal("peer_ipaddr \(address) already has session \(existing) on \(where_); update or delete that session instead")
        }
    }

    /// The live session with an address at an exchange (on a router, other than a session): one
    /// seek in `sessions_by_exchange` (public_id, deleted, peer_ipaddr), not a scan of the exchange.
    static let duplicate = WriteStatement("""
        SELECT id FROM sessions
        WHERE public_id = ? AND deleted = 0 AND peer_ipaddr = ? AND resource_id IS ? AND id IS NOT ?
        """)

    static let lastID = WriteStatement("SELECT MAX(id) FROM sessions")

    static func fetch(_ db: Database, id: Int64) throws -> Session {
        guard let session = try Session.fetch(db, id: id) else { throw Refusal("No session with id \(id)") }
        return session
    }
}
