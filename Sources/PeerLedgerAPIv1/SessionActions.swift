import PeerLedger
import PeerLedgerDomain

/// addSession, updateSession and getSessions: BGP sessions as events; and the ledger's part of
/// deleteSession, which `RouterActions` serves (it removes the neighbor from its router first).
enum SessionActions {
    static let all: [Action] = [
        Action(target: "peering", name: "getSessions", body: .read(get)),
        Action(target: "peering", name: "addSession", body: .write(add)),
        Action(target: "peering", name: "updateSession", body: .write(update)),
    ]

    // MARK: getSessions

    static func get(_ parameters: Parameters, _ reader: LedgerReader) throws -> Reply {
        guard parameters.nonEmpty("public_id") != nil else {
            throw Refusal("getSessions needs public_id: the exchange whose sessions to list")
        }
        let sessions = try SessionFilter(parameters).fetch(reader)
        guard !sessions.isEmpty else { return Reply("No peers found.") }
        return Reply("\(sessions.count) sessions found.", data: .array(sessions.map { $0.json() }))
    }

    // MARK: addSession

    static func add(_ parameters: Parameters, _ transaction: LedgerTransaction) throws -> Reply {
        let values = try SessionDecisions.newSession(settableTexts(parameters, emptyMeansAbsent: true))
        try refuseDuplicate(values, excluding: nil, transaction.reader)
        let id = try (transaction.reader.lastSessionID() ?? 0) + 1
        let passwordRef = try values[.password]?.textValue.map { try transaction.storeSecret($0) }
        try transaction.append(
            .sessionAdded(SessionDecisions.added(id: id, values: values, passwordRef: passwordRef)), to: Session.stream(id),
            expecting: .noStream)
        let session = try fetch(transaction.reader, id: id)
        return Reply("Session added: \(session.label)", data: session.json(idAsNumber: true))
    }

    /// The texts given for settable fields, by field; with `emptyMeansAbsent`, an empty one is
    /// left out (addSession), otherwise it stays and clears the field (updateSession).
    static func settableTexts(_ parameters: Parameters, emptyMeansAbsent: Bool) -> [SessionField: String] {
        var texts: [SessionField: String] = [:]
        for field in SessionField.allCases where field.isSettable {
            guard let text = parameters[field.rawValue], !(emptyMeansAbsent && text.isEmpty) else { continue }
            texts[field] = text
        }
        return texts
    }

    // MARK: updateSession

    static func update(_ parameters: Parameters, _ transaction: LedgerTransaction) throws -> Reply {
        guard let idText = parameters.nonEmpty("id") else {
            throw Refusal("updateSession needs id: the session to change")
        }
        let id = try Values.identifier(idText, field: "id")
        guard let current = try transaction.reader.session(id: id) else {
            throw Refusal("No session with id \(id) to update")
        }
        try SessionDecisions.refuseUpdate(ofDeleted: id, isDeleted: current.isDeleted)
        let expected = try expectedVersion(parameters)
        let next = try SessionDecisions.updatedValues(
            of: current.values, given: settableTexts(parameters, emptyMeansAbsent: false))
        try refuseDuplicate(next, excluding: id, transaction.reader)

        let changes = try transaction.sessionChanges(from: current, to: next)
        if let version = try SessionDecisions.appendVersion(
            changes: !changes.isEmpty, expected: expected, current: current.version, stream: Session.stream(id))
        {
            try transaction.append(
                .sessionUpdated(SessionUpdated(sessionID: id, changes: changes)), to: Session.stream(id),
                expecting: .exactly(version))
        }
        let session = try fetch(transaction.reader, id: id)
        return Reply("Session updated: \(session.label)", data: session.json())
    }

    // MARK: deleteSession

    /// The ledger's part of deleteSession: every live session matching the criteria, each at
    /// `expected_version` when given. `decided` is what the caller already read and acted on
    /// (session id to the version it must still have, its own removal push included): exactly
    /// those are deleted, and one that has moved on since is a conflict.
    static func delete(_ parameters: Parameters, _ transaction: LedgerTransaction, decided: [Int64: Int64]? = nil) throws -> Reply {
        let filter = try SessionFilter(parameters)
        try SessionDecisions.refuseDeletionWithoutCriteria(hasCriteria: !filter.isEmpty)
        let expected = try expectedVersion(parameters)
        let chosen: [(id: Int64, version: Int64)] =
            if let decided {
                decided.map { (id: $0.key, version: $0.value) }
            } else {
                try filter.fetch(transaction.reader).filter { !$0.isDeleted }.map { (id: $0.id, version: expected ?? $0.version) }
            }
        let deletions = try SessionDecisions.deletions(of: chosen)
        for deletion in deletions {
            try transaction.append(
                .sessionDeleted(deletion.event), to: Session.stream(deletion.event.sessionID),
                expecting: .exactly(deletion.expectedVersion))
        }
        return Reply("\(deletions.count) sessions deleted.")
    }

    // MARK: Rules shared by add and update

    static func expectedVersion(_ parameters: Parameters) throws(Refusal) -> Int64? {
        guard let text = parameters.nonEmpty("expected_version") else { return nil }
        return try Values.identifier(text, field: "expected_version")
    }

    /// One live session per peer address on a router at an exchange (`SessionDecisions`), the
    /// holder read in one seek.
    static func refuseDuplicate(_ values: [SessionField: FieldValue], excluding id: Int64?, _ reader: LedgerReader) throws {
        guard let slot = SessionDecisions.slot(of: values) else { return }
        try SessionDecisions.refuseDuplicate(slot, holder: reader.liveSession(holding: slot, excluding: id))
    }

    static func fetch(_ reader: LedgerReader, id: Int64) throws -> Session {
        guard let session = try reader.session(id: id) else { throw Refusal("No session with id \(id)") }
        return session
    }
}
