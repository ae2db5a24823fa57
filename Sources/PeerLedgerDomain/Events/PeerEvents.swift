/// Our own network was configured (`peerledger self`), with the policies that make a peer
/// qualified by default.
public struct OwnNetworkSet: EventPayload {
    public static let type = "OwnNetworkSet"
    public static let schemaVersion = 1
    public var netID: Int64
    public var asn: Int64
    public var name: String
    /// `policy_general` values a peer must have to be qualified by default (e.g. Open, Selective).
    public var qualifiedPolicies: [String]

    public enum CodingKeys: String, CodingKey {
        case netID = "net_id", asn, name, qualifiedPolicies = "qualified_policies"
    }

    public static let stream = "self"

    public init(netID: Int64, asn: Int64, name: String, qualifiedPolicies: [String]) {
        self.netID = netID
        self.asn = asn
        self.name = name
        self.qualifiedPolicies = qualifiedPolicies
    }
}

/// resetPeerStatus: the peer's request status back to `none`, its local marks cleared.
public struct PeerStatusReset: EventPayload {
    public static let type = "PeerStatusReset"
    public static let schemaVersion = 1
    public var participantID: Int64
    public var publicID: Int64

    public enum CodingKeys: String, CodingKey {
        case participantID = "participant_id", publicID = "public_id"
    }

    public init(participantID: Int64, publicID: Int64) {
        self.participantID = participantID
        self.publicID = publicID
    }
}

/// updatePeer: the peer's local fields that changed, each from what, to what.
public struct PeerUpdated: EventPayload {
    public static let type = "PeerUpdated"
    public static let schemaVersion = 1

    /// One field's change (`qualified`, `is_peer`, `request_status`, `notes_private`).
    public struct Change: Codable, Sendable, Equatable {
        public var from: PeeringDBValue
        public var to: PeeringDBValue

        public init(from: PeeringDBValue, to: PeeringDBValue) {
            self.from = from
            self.to = to
        }
    }

    public var participantID: Int64
    public var publicID: Int64
    public var changes: [String: Change]

    public enum CodingKeys: String, CodingKey {
        case participantID = "participant_id", publicID = "public_id", changes
    }

    public init(participantID: Int64, publicID: Int64, changes: [String: Change]) {
        self.participantID = participantID
        self.publicID = publicID
        self.changes = changes
    }
}

/// The stream of one peer's status events: `peer-262@1`.
public func peerStream(participant: Int64, exchange: Int64) -> String { "peer-\(participant)@\(exchange)" }

/// What every stream of one network's status begins with, whatever the exchange: `peer-262@`.
public func peerStreamPrefix(participant: Int64) -> String { "peer-\(participant)@" }
