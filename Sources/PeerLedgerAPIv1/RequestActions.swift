import PeerLedger
import PeerLedgerDomain

/// getRequests, sendRequest and sendEmail: peering requests as events, their messages queued in
/// the outbox in the same transaction, delivered afterwards by the `OutboxWorker`.
enum RequestActions {
    static func all(_ settings: PeeringRequestSettings) -> [Action] {
        [
            Action(
                target: "peering", name: "getRequests",
                body: .read { parameters, reader in try get(parameters, reader, directory: settings.directory) }),
            Action(
                target: "peering", name: "sendRequest",
                body: .write { parameters, tx in try record(PeeringRequest(sendRequest: parameters.nonEmpty), settings: settings, tx) }),
            Action(
                target: "peering", name: "sendEmail",
                body: .write { parameters, tx in try sendEmail(parameters, settings: settings, tx) }),
        ]
    }

    // MARK: getRequests

    static func get(_ parameters: Parameters, _ reader: LedgerReader, directory: any PeeringDirectory) throws -> Reply {
        let peer = try parameters.nonEmpty("peer_participant_id").map { text throws(Refusal) in
            try Values.identifier(text, field: "peer_participant_id")
        }
        let requests = try reader.requests(toPeer: peer)
        guard !requests.isEmpty else { return Reply("No request found.", data: .array([])) }
        // Requests recorded before the source ASN was filled in from the directory show it too.
        var sourceASNs: [Int64: Int64?] = [:]
        let data = try requests.map { request -> JSON in
            var sourceASN = request.sourceASN
            if sourceASN == nil, let participant = request.sourceParticipantID {
                if sourceASNs[participant] == nil {
                    sourceASNs[participant] = .some(try directory.network(participantID: participant, in: reader)?.asn)
                }
                sourceASN = sourceASNs[participant] ?? nil
            }
            return json(request, sourceASN: sourceASN)
        }
        return Reply("\(requests.count) request found.", data: .array(data))
    }

    /// The seed's shape (ids and ASNs as strings), then the delivery's progress.
    static func json(_ request: RequestRecord, sourceASN: Int64?) -> JSON {
        .object([
            ("id", .numericString(request.id)),
            ("public_id", .numericString(request.publicID)),
            ("source_participant_id", .numericString(request.sourceParticipantID)),
            ("source_asn", .numericString(sourceASN)),
            ("peer_participant_id", .numericString(request.peerParticipantID)),
            ("peer_asn", .numericString(request.peerASN)),
            ("peer_name", .string(request.peerName)),
            ("email_type", .string(request.emailType)),
            ("email_from", .string(request.emailFrom)),
            ("email_to", .string(request.emailTo)),
            ("subject", .string(request.subject)),
            ("body", .string(request.body)),
            ("status", .string(request.status)),
            ("created", .string(request.created)),
            ("modified", .string(request.modified)),
            ("delivery_status", .string(request.deliveryStatus)),
            ("delivery_attempts", .numericString(request.deliveryAttempts)),
            ("delivery_reply", .string(request.deliveryReply)),
            ("next_attempt", .string(request.nextAttempt)),
            ("delivered", .string(request.delivered)),
        ])
    }

    // MARK: sendRequest

    /// Checks the request against the directory and the quiet period, then appends it and queues
    /// its message, all in the caller's transaction.
    static func record(_ request: PeeringRequest, settings: PeeringRequestSettings, _ tx: LedgerTransaction) throws -> Reply {
        _ = try tx.recordPeeringRequest(request, directory: settings.directory, quietPeriodSeconds: settings.quietPeriodSeconds)
        let data = try answer(peer: request.peerParticipantID, at: request.publicID, directory: settings.directory, tx.reader)
        return Reply("Request sent", data: data)
    }

    /// The peer as sendRequest answers it: as getPeers shows it, with its history, when the
    /// directory is the PeeringDB projections; otherwise the network, its latest request status
    /// at the exchange, and its history there.
    static func answer(peer participant: Int64, at exchange: Int64, directory: any PeeringDirectory, _ reader: LedgerReader) throws -> JSON? {
        if directory.isPeeringDBProjection {
            do {
                return try PeerActions.answer(reader, participant: participant, exchange: exchange)
            } catch is Refusal {
                return nil
            }
        }
        guard let network = try directory.network(participantID: participant, in: reader) else { return nil }
        return .object([
            ("id", .numericString(participant)),
            ("public_id", .numericString(exchange)),
            ("asn", .numericString(network.asn)),
            ("name", .string(network.name)),
            ("request_status", .string(try reader.latestRequestStatus(toPeer: participant, at: exchange))),
            ("log_data", .array(try reader.peerLogEntries(participant: participant, exchange: exchange).map(\.json))),
        ])
    }

    // MARK: sendEmail

    /// The deprecated shortcut: the default request for that peer at that exchange, from the
    /// templates, to its Policy contact, else Technical, else NOC.
    static func sendEmail(_ parameters: Parameters, settings: PeeringRequestSettings, _ tx: LedgerTransaction) throws -> Reply {
        guard let participantText = parameters.nonEmpty("participant_id") else { throw Refusal("sendEmail needs participant_id") }
        guard let publicText = parameters.nonEmpty("public_id") else { throw Refusal("sendEmail needs public_id") }
        let participantID = try Values.identifier(participantText, field: "participant_id")
        let publicID = try Values.identifier(publicText, field: "public_id")
        let force = try parameters.nonEmpty("force").map { text throws(Refusal) in try Values.flag(text, field: "force") } ?? false
        let reader = tx.reader
        let directory = settings.directory
        guard let ourID = try settings.ourParticipantID ?? directory.ownParticipantID(in: reader), let sender = settings.sender else {
            throw Refusal("sendEmail needs our own network (peerledger self, or serve --our-participant-id) and a sender address (serve --mail-from)")
        }
        guard let ours = try directory.network(participantID: ourID, in: reader) else {
            throw Refusal("Our own network (participant \(ourID)) is not in the PeeringDB data")
        }
        guard try directory.exchangeName(publicID: publicID, in: reader) != nil else {
            throw Refusal("No exchange with public_id \(publicID)")
        }
        guard let peer = try directory.network(participantID: participantID, in: reader) else {
            throw Refusal("No network with participant_id \(participantID)")
        }
        let contact = try recipient(of: peer, directory: directory, reader)
        let exchanges = try directory.commonExchanges(ours: ourID, theirs: participantID, in: reader)
        let context = RequestTemplateContext(
            ours: ours, peer: peer, exchanges: exchanges, contactName: sender.name ?? ours.name, contactEmail: sender.address)
        let rendered = settings.templates.render(context)
        let request = try PeeringRequest(
            publicID: publicID, peerParticipantID: participantID, sourceParticipantID: ourID, sourceASN: ours.asn,
            peerName: peer.name, peerASN: peer.asn, from: sender, to: [contact], subject: rendered.subject,
            body: settings.emailType == .html ? rendered.html : rendered.text,
            textBody: settings.emailType == .html ? rendered.text : nil, type: settings.emailType, force: force)
        return try record(request, settings: settings, tx)
    }

    /// The contact a request goes to: role Policy, else Technical, else NOC.
    static func recipient(of network: DirectoryNetwork, directory: any PeeringDirectory, _ reader: LedgerReader) throws -> Mailbox {
        let contacts = try directory.contacts(participantID: network.participantID, in: reader)
        for role in ["policy", "technical", "noc"] {
            for contact in contacts where contact.role.lowercased() == role {
                // The contact's name when it makes a valid display name, else the bare address.
                if let name = contact.name, let mailbox = try? Mailbox(parsing: "\(name) <\(contact.email)>", field: "contact") {
                    return mailbox
                }
                if let mailbox = try? Mailbox(parsing: contact.email, field: "contact") { return mailbox }
            }
        }
        throw Refusal(
            "\(network.name) (participant_id \(network.participantID)) has no Policy, Technical or NOC contact with a valid email address; "
                + "use sendRequest with email_to")
    }
}
