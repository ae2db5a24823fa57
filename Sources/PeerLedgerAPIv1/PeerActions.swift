import PeerLedger
import PeerLedgerDomain

/// getPeers, getCommunications, resetPeerStatus and updatePeer: the peers at an exchange (from
/// the PeeringDB projection) and our status with each.
enum PeerActions {
    static let all: [Action] = [
        Action(target: "peering", name: "getPeers", body: .read(getPeers)),
        Action(target: "peering", name: "getCommunications", body: .read(getCommunications)),
        Action(target: "peering", name: "resetPeerStatus", body: .write(resetPeerStatus)),
        Action(target: "peering", name: "updatePeer", body: .write(updatePeer)),
    ]

    // MARK: getPeers

    static func getPeers(_ parameters: Parameters, _ reader: LedgerReader) throws -> Reply {
        let criteria = try PeerCriteria(given: parameters.nonEmpty)
        let includeIPs = try flag(parameters, "include_public_ips")
        let includeContacts = try flag(parameters, "include_contacts")
        let includeLog = try flag(parameters, "include_log_data")
        let exchange = try parameters.nonEmpty("public_id").map { text throws(Refusal) in
            try Values.identifier(text, field: "public_id")
        }
        if let exchange { try requireExchange(reader, exchange) }
        let participant = try parameters.nonEmpty("id").map { text throws(Refusal) in try Values.identifier(text, field: "id") }
        if let participant, !(try reader.networkExists(participant)) {
            throw Refusal("No network with id \(participant) in the PeeringDB data")
        }
        if let asnText = parameters.nonEmpty("asn") {
            let asn = try Values.asn(asnText, field: "asn")
            if try reader.networkID(asn: asn) == nil {
                throw Refusal("No network with asn \(asn) in the PeeringDB data")
            }
        }
        let candidates =
            if let exchange { try reader.members(exchange: exchange, participant: participant) } else {
                try reader.networks(participant: participant)
            }
        let own = try reader.ownNetwork()
        let peers = PeerDirectory.sorted(candidates.filter { $0.netID != own?.netID && criteria.matches($0) })
        guard !peers.isEmpty else { return Reply("No peers found.") }
        // Written straight into bytes (the same bytes as `json` for each peer would give).
        return Reply(
            "\(peers.count) peers found.",
            serializedData: try PeerAnswer.data(peers, own: own, reader, publicIPs: includeIPs, contacts: includeContacts, log: includeLog))
    }

    /// The seed's peer shape: `is_peer` as 0/1, ids and counts as strings, three lists (getPeers
    /// writes the same shape as bytes: `PeerAnswer`).
    static func json(_ peer: Peer, own: OwnNetwork?, _ reader: LedgerReader, publicIPs: Bool, contacts: Bool, log: Bool) throws -> JSON {
        .object([
            ("id", .string(String(peer.netID))),
            ("public_id", .numericString(peer.exchange)),
            ("asn", .numericString(peer.asn)),
            ("name", .string(peer.name)),
            ("qualified", peer.qualified(own: own).map(JSON.bool) ?? .null),
            ("is_peer", .int(peer.isPeer ? 1 : 0)),
            ("request_status", .string(peer.requestStatus)),
            ("info_prefixes", .string(PeerField.info_prefixes.value(peer))),
            ("public_ips", .array(publicIPs ? try reader.publicIPs(participant: peer.netID, exchange: peer.exchange).map(\.json) : [])),
            ("contacts", .array(contacts ? try reader.contacts(participant: peer.netID).map(\.json) : [])),
            ("log_data", .array(log ? try reader.peerLog(participant: peer.netID, exchange: peer.exchange).map(\.json) : [])),
        ])
    }

    // MARK: getCommunications

    static func getCommunications(_ parameters: Parameters, _ reader: LedgerReader) throws -> Reply {
        guard let text = parameters.nonEmpty("public_id") else {
            throw Refusal("getCommunications needs public_id: the exchange whose peers to list")
        }
        let exchange = try Values.identifier(text, field: "public_id")
        try requireExchange(reader, exchange)
        let own = try reader.ownNetwork()
        let peers = PeerDirectory.sorted(
            try reader.members(exchange: exchange, summary: true).filter { $0.netID != own?.netID })
        let data = try peers.map { peer -> JSON in
            .object([
                ("name", .string(peer.name)),
                ("asn", .numericString(peer.asn)),
                ("request_status", .string(peer.requestStatus)),
                ("qualified", peer.qualified(own: own).map(JSON.bool) ?? .null),
                ("is_peer", .bool(peer.isPeer)),
                ("id", .string(String(peer.netID))),
                ("log_data", .array(try reader.peerLogEntries(participant: peer.netID, exchange: exchange).map(\.json))),
            ])
        }
        return Reply("\(peers.count) records found.", data: .array(data))
    }

    // MARK: resetPeerStatus

    static func resetPeerStatus(_ parameters: Parameters, _ transaction: LedgerTransaction) throws -> Reply {
        let (participant, exchange) = try peerKey(parameters, action: "resetPeerStatus")
        let reader = transaction.reader
        let peer = try reader.members(exchange: exchange, participant: participant).first
        let reset = try PeerDecisions.reset(participant: participant, exchange: exchange, isPresent: peer != nil)
        let stream = Peer.stream(participant: participant, exchange: exchange)
        try transaction.append(.peerStatusReset(reset), to: stream, expecting: try expected(parameters, stream, transaction))
        return Reply("\(peer?.name ?? "") status reset", data: try answer(reader, participant: participant, exchange: exchange))
    }

    // MARK: updatePeer

    static func updatePeer(_ parameters: Parameters, _ transaction: LedgerTransaction) throws -> Reply {
        let (participant, exchange) = try peerKey(parameters, action: "updatePeer")
        let reader = transaction.reader
        guard let peer = try reader.members(exchange: exchange, participant: participant).first else {
            throw Refusal("Could not find peer matching parameters", code: .peerNotFound)
        }
        let changes = try PeerDecisions.changes(
            PeerDecisions.LocalState(
                qualified: peer.qualifiedOverride, markedPeer: peer.markedPeer, requestStatus: peer.requestStatus,
                notes: peer.notesPrivate),
            PeerDecisions.Given(
                qualified: parameters["qualified"], isPeer: parameters["is_peer"], requestStatus: parameters["request_status"],
                notes: parameters["notes"], notesPrivate: parameters["notes_private"]))
        let stream = Peer.stream(participant: participant, exchange: exchange)
        let expectedVersion = try expected(parameters, stream, transaction)
        guard !changes.isEmpty else {
            return Reply("\(peer.name) unchanged", data: try answer(reader, participant: participant, exchange: exchange))
        }
        try transaction.append(
            .peerUpdated(PeerUpdated(participantID: participant, publicID: exchange, changes: changes)), to: stream,
            expecting: expectedVersion)
        return Reply("\(peer.name) updated", data: try answer(reader, participant: participant, exchange: exchange))
    }

    // MARK: Shared

    /// The peer after a write, as the seed's resetPeerStatus shows it: with its history.
    static func answer(_ reader: LedgerReader, participant: Int64, exchange: Int64) throws -> JSON {
        guard let peer = try reader.members(exchange: exchange, participant: participant).first else {
            throw Refusal("Could not find peer matching parameters")
        }
        return try json(peer, own: try reader.ownNetwork(), reader, publicIPs: false, contacts: false, log: true)
    }

    static func peerKey(_ parameters: Parameters, action: String) throws(Refusal) -> (Int64, Int64) {
        guard let participant = parameters.nonEmpty("participant_id") else {
            throw Refusal("\(action) needs participant_id: the PeeringDB id of the peer's network")
        }
        guard let exchange = parameters.nonEmpty("public_id") else {
            throw Refusal("\(action) needs public_id: the PeeringDB id of the exchange")
        }
        return (try Values.identifier(participant, field: "participant_id"), try Values.identifier(exchange, field: "public_id"))
    }

    static func expected(_ parameters: Parameters, _ stream: String, _ transaction: LedgerTransaction) throws -> ExpectedVersion {
        if let text = parameters.nonEmpty("expected_version") {
            let version = try Values.count(text, field: "expected_version")
            return version == 0 ? .noStream : .exactly(version)
        }
        return try transaction.version(of: stream).map(ExpectedVersion.exactly) ?? .noStream
    }

    static func requireExchange(_ reader: LedgerReader, _ exchange: Int64) throws {
        guard try reader.exchangeName(exchange) != nil else {
            throw Refusal("No exchange with public_id \(exchange) in the PeeringDB data")
        }
    }

    static func flag(_ parameters: Parameters, _ name: String) throws(Refusal) -> Bool {
        guard let text = parameters.nonEmpty(name) else { return false }
        return try Values.flag(text, field: name)
    }
}
