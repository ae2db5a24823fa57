public import PeerLedger
public import PeerLedgerDomain
/// A session as a router sees it: the BGP neighbor to create or remove. Built from a session's
/// fields once, then rendered per platform.
public struct Neighbor: Sendable, Equatable {
    public var sessionID: Int64
    public var localASN: Int64
    public var localAddress: String?
    public var address: IPAddress
    public var remoteASN: Int64
    public var description: String?
    public var group: String?
    public var maximumPrefixes: Int64?
    public var password: String?
    public var note: String?

    public var family: IPType { address.type }

    public init(
        sessionID: Int64, localASN: Int64, localAddress: String? = nil, address: IPAddress, remoteASN: Int64,
        description: String? = nil, group: String? = nil, maximumPrefixes: Int64? = nil, password: String? = nil,
        note: String? = nil
    ) {
        self.sessionID = sessionID
        self.localASN = localASN
        self.localAddress = localAddress
        self.address = address
        self.remoteASN = remoteASN
        self.description = description
        self.group = group
        self.maximumPrefixes = maximumPrefixes
        self.password = password
        self.note = note
    }

    /// The neighbor for a session, refusing when a field a router needs is missing.
    public init(session: Session) throws(Refusal) {
        guard let localASN = session.int(.source_asn) else {
            throw Refusal("source_asn is required to configure session \(session.id): it is our AS on the router", code: .configurationFieldMissing)
        }
        guard let peerText = session.text(.peer_ipaddr), let address = IPAddress(peerText) else {
            throw Refusal("peer_ipaddr of session \(session.id) is not an address", code: .configurationFieldMissing)
        }
        guard let remoteASN = session.int(.peer_asn) else {
            throw Refusal("peer_asn is required to configure session \(session.id)", code: .configurationFieldMissing)
        }
        self.init(
            sessionID: session.id, localASN: localASN, localAddress: session.text(.source_ipaddr), address: address,
            remoteASN: remoteASN, description: session.text(.peer_name), group: session.text(.peer_group),
            maximumPrefixes: session.int(.prfx_max), password: session.text(.password), note: session.text(.note))
    }
}
