/// The rules of our own view of a peer (a network at an exchange): what updatePeer records, or why
/// it refuses, decided on values alone. The adapter reads the peer's local state and appends what
/// is decided.
public enum PeerDecisions {
    /// The request statuses a peer may be given.
    public static let requestStatuses = ["none", "sent", "accepted", "rejected"]

    /// Our fields of a peer as they stand (PeeringDB's own fields are not ours to change).
    public struct LocalState: Sendable, Equatable {
        /// nil: the default rule decides whether the peer qualifies.
        public var qualified: Bool?
        public var markedPeer: Bool
        public var requestStatus: String?
        public var notes: String?

        public init(qualified: Bool?, markedPeer: Bool, requestStatus: String?, notes: String?) {
            self.qualified = qualified
            self.markedPeer = markedPeer
            self.requestStatus = requestStatus
            self.notes = notes
        }
    }

    /// What an update gives, as texts: nil for a field not given. `qualified` may be empty (or
    /// `null`) to hand the peer back to the default rule; `notes` and `notesPrivate` name one
    /// field, of which a call gives at most one.
    public struct Given: Sendable, Equatable {
        public var qualified: String?
        public var isPeer: String?
        public var requestStatus: String?
        public var notes: String?
        public var notesPrivate: String?

        public init(qualified: String? = nil, isPeer: String? = nil, requestStatus: String? = nil, notes: String? = nil, notesPrivate: String? = nil) {
            self.qualified = qualified
            self.isPeer = isPeer
            self.requestStatus = requestStatus
            self.notes = notes
            self.notesPrivate = notesPrivate
        }
    }

    /// The changes an update makes, by field name (empty when it changes nothing), or a refusal
    /// naming the value that cannot be taken.
    public static func changes(_ current: LocalState, _ given: Given) throws(Refusal) -> [String: PeerUpdated.Change] {
        if given.notes != nil, given.notesPrivate != nil {
            throw Refusal("updatePeer takes notes or notes_private (the same field), not both", code: .peerNotesTwice)
        }
        var changes: [String: PeerUpdated.Change] = [:]
        func note(_ field: PeerLocalField, _ from: PeeringDBValue, _ to: PeeringDBValue) {
            if from != to { changes[field.rawValue] = .init(from: from, to: to) }
        }
        if let text = given.qualified {
            let value: PeeringDBValue =
                text.isEmpty || text.lowercased() == "null" ? .null : .bool(try Values.flag(text, field: "qualified"))
            note(.qualified, current.qualified.map(PeeringDBValue.bool) ?? .null, value)
        }
        if let text = given.isPeer, !text.isEmpty {
            note(.is_peer, .bool(current.markedPeer), .bool(try Values.flag(text, field: "is_peer")))
        }
        if let text = given.requestStatus, !text.isEmpty {
            guard requestStatuses.contains(text) else {
                throw Refusal(
                    "request_status must be one of none, sent, accepted, rejected, got '\(Values.quoted(text))'",
                    code: .peerRequestStatusUnknown)
            }
            note(.request_status, current.requestStatus.map(PeeringDBValue.text) ?? .null, .text(text))
        }
        if let text = given.notesPrivate ?? given.notes {
            let checked = try Values.text(text, field: given.notes != nil ? "notes" : "notes_private", maxLength: 2000)
            note(.notes_private, current.notes.map(PeeringDBValue.text) ?? .null, checked.isEmpty ? .null : .text(checked))
        }
        return changes
    }
}

// MARK: resetPeerStatus

extension PeerDecisions {
    /// resetPeerStatus: the peer's local status back to the default, recorded for a network
    /// present at the exchange; a network that is not there is refused.
    public static func reset(participant: Int64, exchange: Int64, isPresent: Bool) throws(Refusal) -> PeerStatusReset {
        guard isPresent else { throw Refusal("Could not find peer matching parameters", code: .peerNotFound) }
        return PeerStatusReset(participantID: participant, publicID: exchange)
    }
}
