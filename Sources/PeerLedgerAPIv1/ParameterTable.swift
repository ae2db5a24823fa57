import PeerLedger
import PeerLedgerDomain
/// One parameter an action documents: its name, whether a call must give it, a value the action
/// accepts for it (the seed's example where the seed has one), and what it means.
public struct DocumentedParameter: Sendable, Equatable {
    public let name: String
    public let isRequired: Bool
    public let example: String
    public let meaning: String

    init(_ name: String, required: Bool = false, example: String, _ meaning: String) {
        self.name = name
        self.isRequired = required
        self.example = example
        self.meaning = meaning
    }
}

/// One action of one target with the parameters it takes, in the order the documentation lists
/// them.
public struct DocumentedAction: Sendable {
    public let target: String
    public let name: String
    public let parameters: [DocumentedParameter]

    /// The names the dispatcher accepts for this action (besides the envelope).
    public var accepted: Set<String> { Set(parameters.map(\.name)) }
}

/// Every action's parameters, in one table. The dispatcher accepts exactly these (`Action` takes
/// its list from here), `docs/api.md` shows exactly these (a test compares the two), and another
/// test calls each one with its example: a parameter cannot be documented and refused, or
/// accepted and undocumented.
///
/// "Required" means a call without it is refused naming it; the envelope (`target`, `action`,
/// `apiKey`, `hash`, `time`) is on every call and is not repeated per action.
public enum ParameterTable {
    public static let actions: [DocumentedAction] = [
        // MARK: peering, sessions
        DocumentedAction(
            target: "peering", name: "getSessions",
            parameters: [session(.public_id, required: true, "the exchange whose sessions to list")]
                + SessionField.allCases.filter { $0 != .public_id }.map { session($0, filter: true) } + [asOf]),
        DocumentedAction(
            target: "peering", name: "addSession",
            parameters: SessionField.allCases.filter(\.isSettable).map {
                session($0, required: SessionField.requiredToAdd.contains($0))
            } + [idempotencyKey]),
        DocumentedAction(
            target: "peering", name: "updateSession",
            parameters: [session(.id, required: true, "the session to change")]
                + SessionField.allCases.filter(\.isSettable).map { session($0, "the new value; empty clears an optional field") }
                + [expectedSessionVersion, idempotencyKey]),
        DocumentedAction(
            target: "peering", name: "deleteSession",
            parameters: SessionField.allCases.map { session($0, filter: true) } + [
                expectedSessionVersion,
                DocumentedParameter(
                    "keep_on_router", example: "1",
                    "1: delete from the ledger only, leaving the neighbor on its router (by default it is removed there first)"),
                idempotencyKey,
            ]),
        DocumentedAction(
            target: "peering", name: "configureSession",
            parameters: [
                DocumentedParameter("session_id", required: true, example: "1", "the session to configure"),
                DocumentedParameter("username", example: "peerledger", "the router login (letters, digits, '.', '_', '-')"),
                DocumentedParameter(
                    "password", example: "router-login-secret",
                    "the router login's password (here not the BGP password, which stays the stored one)"),
                DocumentedParameter(
                    "config", example: "neighbor 206.126.236.68 description Amazon.com",
                    "the configuration text to push as given; without it the server renders the session for its router"),
                DocumentedParameter("dry_run", example: "1", "1: answer the configuration and its diff against the router, push nothing"),
            ]
                + SessionField.allCases.filter { $0.isSettable && $0 != .password }.map {
                    session($0, "overrides the stored value for this rendering only")
                }),
        // MARK: peering, peers
        DocumentedAction(
            target: "peering", name: "getPeers",
            parameters: PeerField.allCases.map(peer) + [
                DocumentedParameter("include_public_ips", example: "1", "1: list the network's addresses at the exchange"),
                DocumentedParameter("include_contacts", example: "1", "1: list its public PeeringDB contacts"),
                DocumentedParameter("include_log_data", example: "1", "1: list its communications history"),
                asOf,
            ]),
        DocumentedAction(
            target: "peering", name: "getCommunications",
            parameters: [DocumentedParameter("public_id", required: true, example: "1", "the exchange (1 is Equinix Ashburn)"), asOf]),
        DocumentedAction(
            target: "peering", name: "resetPeerStatus",
            parameters: peerKey + [expectedPeerVersion, idempotencyKey]),
        DocumentedAction(
            target: "peering", name: "updatePeer",
            parameters: peerKey + [
                DocumentedParameter("qualified", example: "1", "1 or 0 overrides the default rule; empty hands it back to the rule"),
                DocumentedParameter("is_peer", example: "1", "1 marks the network as a peer at this exchange, 0 removes the mark"),
                DocumentedParameter("request_status", example: "accepted", "none, sent, accepted or rejected"),
                DocumentedParameter("notes_private", example: "Met at NANOG 60", "our own notes on the peer; empty clears them"),
                DocumentedParameter("notes", example: "Met at NANOG 60", "the same field as notes_private (give one of the two)"),
                expectedPeerVersion, idempotencyKey,
            ]),
        // MARK: peering, requests
        DocumentedAction(
            target: "peering", name: "getRequests",
            parameters: [
                DocumentedParameter("peer_participant_id", example: "262", "only the requests to this network (PeeringDB net id)"),
                asOf,
            ]),
        DocumentedAction(
            target: "peering", name: "sendRequest",
            parameters: [
                DocumentedParameter("public_id", required: true, example: "1", "the exchange the request is about"),
                DocumentedParameter("peer_participant_id", required: true, example: "262", "the network asked (PeeringDB net id)"),
                DocumentedParameter("source_participant_id", required: true, example: "2335", "our network (PeeringDB net id)"),
                DocumentedParameter("peer_name", required: true, example: "1&1 Internet", "the network asked, by name"),
                DocumentedParameter("peer_asn", required: true, example: "8560", "its AS number; must be that network's"),
                DocumentedParameter("email_from", required: true, example: "ops@6connect.com", "the sender"),
                DocumentedParameter("email_to", required: true, example: "peering@1und1.net", "the recipients, comma-separated"),
                DocumentedParameter(
                    "subject", required: true, example: "Peering request from 6connect, Inc.", "the subject (no line breaks)"),
                DocumentedParameter(
                    "body", required: true, example: "6connect, Inc., 8038, would like to peer with 1&1 Internet.",
                    "the message: plain text, or HTML for type html"),
                DocumentedParameter("type", required: true, example: "text", "text or html"),
                DocumentedParameter("status", required: true, example: "sent", "sent, accepted or rejected: the peer's request status after this"),
                DocumentedParameter("cc", example: "noc@6connect.com", "copies, comma-separated"),
                DocumentedParameter("bcc", example: "archive@6connect.com", "blind copies, comma-separated"),
                DocumentedParameter(
                    "source_asn", example: "8038", "our AS number; must be our network's (taken from it when absent)"),
                DocumentedParameter("force", example: "1", "1: send although a request went to this network within the quiet period"),
                idempotencyKey,
            ]),
        DocumentedAction(
            target: "peering", name: "sendEmail",
            parameters: peerKey + [
                DocumentedParameter("force", example: "1", "1: send although a request went to this network within the quiet period"),
                idempotencyKey,
            ]),
        // MARK: audit
        DocumentedAction(
            target: "audit", name: "getEvents",
            parameters: [
                DocumentedParameter("stream", example: "session-1", "only this stream's events"),
                DocumentedParameter("session", example: "1", "only this session's events (its stream)"),
                DocumentedParameter("actor", example: "noc-automation", "only events written by this API key's name, or cli:USER"),
                DocumentedParameter("type", example: "SessionUpdated", "only events of this type"),
                DocumentedParameter("since", example: "2014-04-07", "only events recorded at or after this time (UTC)"),
                DocumentedParameter("until", example: "2014-04-07 11:32:37", "only events recorded at or before this time (UTC)"),
                DocumentedParameter("after_position", example: "0", "only events after this log position"),
                DocumentedParameter("limit", example: "100", "at most this many events (default 1000)"),
                asOf,
            ]),
        DocumentedAction(
            target: "audit", name: "getHistory",
            parameters: [
                DocumentedParameter("stream", example: "session-1", "the stream whose events to list (this or session is needed)"),
                DocumentedParameter("session", example: "1", "the session whose events to list"),
                asOf,
            ]),
        DocumentedAction(target: "audit", name: "verify", parameters: [asOf]),
    ]

    /// The documented parameters of `action` of `target` (none for an action not in the table).
    static func parameters(target: String, action: String) -> [DocumentedParameter] {
        actions.first { $0.target == target && $0.name == action }?.parameters ?? []
    }

    // MARK: Rows shared by several actions

    static let asOf = DocumentedParameter(
        "as_of", example: "2014-04-07 11:32:37", "answer as of this moment (UTC; a date, a time, ISO 8601 or Unix seconds)")
    static let idempotencyKey = DocumentedParameter(
        "idempotency_key", example: "noc-change-4711",
        "a retry with the same key and parameters returns the first answer and appends nothing")
    static let expectedSessionVersion = DocumentedParameter(
        "expected_version", example: "1",
        "the session's version as read (getHistory shows it); another write since then makes it a conflict and nothing changes")
    static let expectedPeerVersion = DocumentedParameter(
        "expected_version", example: "0",
        "the peer's version as read (0: never changed); another write since then makes it a conflict and nothing changes")
    static let peerKey = [
        DocumentedParameter("participant_id", required: true, example: "262", "the peer's network (PeeringDB net id; 262 is 1&1 Internet)"),
        DocumentedParameter("public_id", required: true, example: "1", "the exchange (PeeringDB ix id; 1 is Equinix Ashburn)"),
    ]

    /// A session field as a parameter, with the seed's Amazon.com session as its example.
    static func session(_ field: SessionField, required: Bool = false, filter: Bool = false, _ meaning: String? = nil) -> DocumentedParameter {
        let (example, description): (String, String) =
            switch field {
            case .id: ("1", "the session's id")
            case .public_id: ("1", "the exchange (PeeringDB ix id; 1 is Equinix Ashburn)")
            case .source_asn: ("8038", "our AS number on the session")
            case .source_ipaddr: ("1.2.3.5", "our address on the session")
            case .resource_id: ("422", "the router the session is on (its resource_id)")
            case .peer_asn: ("16509", "the peer's AS number, 1 to 4294967295")
            case .peer_name: ("Amazon.com", "the peer's name")
            case .peer_participant_id: ("1418", "the peer's network (PeeringDB net id)")
            case .peer_ipaddr: ("206.126.236.68", "the peer's address, IPv4 or IPv6")
            case .peer_hostname: ("amazon.equinix-ashburn.example", "the peer's host name")
            case .peer_group: ("LAME-PEERS", "the router's peer group for the neighbor")
            case .password: ("ace12345", "the BGP session password (kept apart from the log)")
            case .type: ("Peer", "the kind of session")
            case .state: ("not configured", "not configured, configured, or a BGP state such as established")
            case .prfx_max: ("200", "the maximum-prefix limit, 0 to 4294967295")
            case .prfx_received: ("0", "the prefixes last observed from the peer")
            case .ip_type: ("ipv4", "ipv4 or ipv6 (taken from peer_ipaddr when absent)")
            case .note: ("I'm a fancy note.", "free text")
            case .created: ("2014-04-07 11:32:37", "when the session was added (a day such as 2014-04-07 matches that day)")
            case .modified: ("2014-04-07 11:32:37", "when the session last changed (a day such as 2014-04-07 matches that day)")
            case .deleted: ("0", "1 for deleted sessions, 0 for live ones")
            }
        let text = meaning ?? (filter ? "sessions with this value only: \(description)" : description)
        return DocumentedParameter(field.rawValue, required: required, example: example, text)
    }

    /// A getPeers filter, with the seed's examples (GTT's where the seed gives them; the network
    /// and ASN of 1&1 Internet, which the PeeringDB fixtures hold).
    static func peer(_ field: PeerField) -> DocumentedParameter {
        let example: String =
            switch field {
            case .public_id: "1"
            case .id: "262"
            case .asn: "8560"
            case .name: "1&1 Internet"
            case .aka: "nLayer"
            case .website: "http://www.gt-t.net"
            case .notes_public: "peering"
            case .notes_private: "Met at NANOG 60"
            case .irr_as_set: "AS-NLAYER"
            case .info_traffic: "1 Tbps+"
            case .info_ratio: "Mostly Outbound"
            case .info_scope: "Global"
            case .info_type: "NSP"
            case .info_prefixes: "10000"
            case .info_lookingglass: "http://lg.nlayer.net/"
            case .info_routeserver: "telnet://route-server.nlayer.net"
            case .info_unicast: "1"
            case .info_multicast: "0"
            case .info_ipv6: "1"
            case .policy_url: "http://www.gt-t.net/Peering_policies.aspx"
            case .policy_general: "Selective"
            case .policy_locations: "Required - International"
            case .policy_ratio: "No"
            case .policy_contracts: "Not Required"
            case .policy_nopublic: "N"
            case .policy_noprivate: "N"
            case .date_created: "2013-03-21 15:36:42"
            case .date_lastupdated: "2013-03-21 15:36:42"
            }
        let meaning: String =
            switch field {
            case .public_id: "only networks present at this exchange (without it: every network)"
            case .id: "only this network (PeeringDB net id)"
            case .asn: "only the network with this AS number"
            case .date_created, .date_lastupdated: "exactly this time, or any time that day (2013-03-21)"
            case .info_unicast, .info_multicast, .info_ipv6: "0 or 1"
            default:
                switch field.matching {
                case .substring: "contains this text (any case)"
                case .exact, .date: "exactly this value"
                }
            }
        return DocumentedParameter(field.rawValue, example: example, meaning)
    }
}
