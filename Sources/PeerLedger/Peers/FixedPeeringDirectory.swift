public import PeerLedgerDomain

/// A directory given as values rather than read from PeeringDB data: for tests, replays and
/// demos. Presence at an exchange is a network's addresses there.
public struct FixedPeeringDirectory: PeeringDirectory {
    public struct Presence: Sendable, Equatable {
        public var participantID: Int64
        public var publicID: Int64
        public var addresses: [String]

        public init(participantID: Int64, publicID: Int64, addresses: [String]) {
            self.participantID = participantID
            self.publicID = publicID
            self.addresses = addresses
        }
    }

    public var exchanges: [Int64: String]
    public var networks: [Int64: DirectoryNetwork]
    public var presences: [Presence]
    public var contactsByNetwork: [Int64: [NetworkContact]]

    public init(
        exchanges: [Int64: String], networks: [DirectoryNetwork], presences: [Presence],
        contacts: [Int64: [NetworkContact]] = [:]
    ) {
        self.exchanges = exchanges
        self.networks = Dictionary(networks.map { ($0.participantID, $0) }, uniquingKeysWith: { first, _ in first })
        self.presences = presences
        self.contactsByNetwork = contacts
    }

    package func exchangeName(publicID: Int64, in reader: LedgerReader) throws -> String? { exchanges[publicID] }

    package func network(participantID: Int64, in reader: LedgerReader) throws -> DirectoryNetwork? { networks[participantID] }

    package func isPresent(participantID: Int64, atExchange publicID: Int64, in reader: LedgerReader) throws -> Bool {
        presences.contains { $0.participantID == participantID && $0.publicID == publicID }
    }

    package func contacts(participantID: Int64, in reader: LedgerReader) throws -> [NetworkContact] {
        contactsByNetwork[participantID] ?? []
    }

    /// In the order the presences were given (ours), each exchange once.
    package func commonExchanges(ours: Int64, theirs: Int64, in reader: LedgerReader) throws -> [CommonExchange] {
        var seen = Set<Int64>()
        var common: [CommonExchange] = []
        for presence in presences where presence.participantID == ours && !seen.contains(presence.publicID) {
            let theirAddresses = presences.filter { $0.participantID == theirs && $0.publicID == presence.publicID }
                .flatMap(\.addresses)
            guard !theirAddresses.isEmpty else { continue }
            seen.insert(presence.publicID)
            let ourAddresses = presences.filter { $0.participantID == ours && $0.publicID == presence.publicID }.flatMap(\.addresses)
            common.append(
                CommonExchange(
                    publicID: presence.publicID, name: exchanges[presence.publicID] ?? "exchange \(presence.publicID)",
                    ourAddresses: ourAddresses, theirAddresses: theirAddresses))
        }
        return common
    }
}

extension FixedPeeringDirectory {
    /// Reads a directory from JSON (a replay's `directory` member):
    /// `{"exchanges": {"1": "Equinix Ashburn"}, "networks": [{"id": 1418, "asn": 16509, "name": "Amazon.com",
    /// "peeringdb_url": ...}], "presences": [{"id": 1418, "public_id": 1, "addresses": ["206.126.236.68"]}],
    /// "contacts": [{"id": 1418, "role": "Policy", "email": "peering@amazon.com"}]}`.
    public init(json: JSON) throws(Refusal) {
        var exchanges: [Int64: String] = [:]
        var members: [(String, JSON)] = []
        if case let .object(given) = json["exchanges"] { members = given }
        for (key, value) in members {
            guard let id = Int64(key), id >= 1, let name = value.stringValue else { throw Refusal("directory: bad exchange \(key)") }
            exchanges[id] = name
        }
        // Ids are positive and ASNs 1 to 4294967295, as the API's own parameters are.
        func int(_ value: JSON?, _ what: String, in range: ClosedRange<Int64> = 1...Int64.max) throws(Refusal) -> Int64 {
            if let number = value?.intValue ?? value?.stringValue.flatMap({ Int64($0) }), range.contains(number) { return number }
            throw Refusal("directory: \(what) needs a number from \(range.lowerBound) to \(range.upperBound)")
        }
        var networks: [DirectoryNetwork] = []
        for network in json["networks"]?.arrayValue ?? [] {
            guard let name = network["name"]?.stringValue else { throw Refusal("directory: a network has no name") }
            networks.append(
                DirectoryNetwork(
                    participantID: try int(network["id"], "network id"), asn: try int(network["asn"], "network asn", in: 1...4_294_967_295), name: name,
                    peeringDBURL: network["peeringdb_url"]?.stringValue))
        }
        var presences: [Presence] = []
        for presence in json["presences"]?.arrayValue ?? [] {
            presences.append(
                Presence(
                    participantID: try int(presence["id"], "presence id"), publicID: try int(presence["public_id"], "presence public_id"),
                    addresses: presence["addresses"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        }
        var contacts: [Int64: [NetworkContact]] = [:]
        for contact in json["contacts"]?.arrayValue ?? [] {
            guard let role = contact["role"]?.stringValue, let email = contact["email"]?.stringValue else {
                throw Refusal("directory: a contact needs role and email")
            }
            contacts[try int(contact["id"], "contact id"), default: []].append(
                NetworkContact(role: role, name: contact["name"]?.stringValue, email: email))
        }
        self.init(exchanges: exchanges, networks: networks, presences: presences, contacts: contacts)
    }
}
