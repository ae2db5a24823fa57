import GRDB
import PeerLedgerDomain

/// getRequests, sendRequest and sendEmail: peering requests as events, their messages queued in
/// the outbox in the same transaction, delivered afterwards by the `OutboxWorker`.
enum RequestActions {
    static func all(_ settings: PeeringRequestSettings) -> [Action] {
        [
            Action(
                target: "peering", name: "getRequests",
                body: .read { parameters, db in try get(parameters, db, directory: settings.directory) }),
            Action(
                target: "peering", name: "sendRequest",
                body: .write { parameters, tx in try record(PeeringRequest(sendRequest: parameters), settings: settings, tx) }),
            Action(
                target: "peering", name: "sendEmail",
                body: .write { parameters, tx in try sendEmail(parameters, settings: settings, tx) }),
        ]
    }

    // MARK: getRequests

    static func get(_ parameters: Parameters, _ db: Database, directory: any PeeringDirectory) throws -> Reply {
        var sql = "SELECT * FROM requests"
        var arguments: [any DatabaseValueConvertible] = []
        if let text = parameters.nonEmpty("peer_participant_id") {
            sql += " WHERE peer_participant_id = ?"
            arguments.append(try Values.identifier(text, field: "peer_participant_id"))
        }
        let rows = try Row.fetchAll(db, sql: sql + " ORDER BY id DESC", arguments: StatementArguments(arguments))
        guard !rows.isEmpty else { return Reply("No request found.", data: .array([])) }
        // Requests recorded before the source ASN was filled in from the directory show it too.
        var sourceASNs: [Int64: Int64?] = [:]
        let data = try rows.map { row -> JSON in
            var sourceASN: Int64? = row["source_asn"]
            if sourceASN == nil, let participant: Int64 = row["source_participant_id"] {
                if sourceASNs[participant] == nil {
                    sourceASNs[participant] = .some(try directory.network(participantID: participant, in: db)?.asn)
                }
                sourceASN = sourceASNs[participant] ?? nil
            }
            return json(row, sourceASN: sourceASN)
        }
        return Reply("\(rows.count) request found.", data: .array(data))
    }

    /// The seed's shape (ids and ASNs as strings), then the delivery's progress.
    static func json(_ row: Row, sourceASN: Int64?) -> JSON {
        .object([
            ("id", .numericString(row["id"])),
            ("public_id", .numericString(row["public_id"])),
            ("source_participant_id", .numericString(row["source_participant_id"])),
            ("source_asn", .numericString(sourceASN)),
            ("peer_participant_id", .numericString(row["peer_participant_id"])),
            ("peer_asn", .numericString(row["peer_asn"])),
            ("peer_name", .string(row["peer_name"] as String?)),
            ("email_type", .string(row["email_type"] as String?)),
            ("email_from", .string(row["email_from"] as String?)),
            ("email_to", .string(row["email_to"] as String?)),
            ("subject", .string(row["subject"] as String?)),
            ("body", .string(row["body"] as String?)),
            ("status", .string(row["status"] as String?)),
            ("created", .string(row["created"] as String?)),
            ("modified", .string(row["modified"] as String?)),
            ("delivery_status", .string(row["delivery_status"] as String?)),
            ("delivery_attempts", .numericString(row["delivery_attempts"])),
            ("delivery_reply", .string(row["delivery_reply"] as String?)),
            ("next_attempt", .string(row["next_attempt"] as String?)),
            ("delivered", .string(row["delivered"] as String?)),
        ])
    }

    // MARK: sendRequest

    /// Checks the request against the directory and the quiet period, then appends it and queues
    /// its message, all in the caller's transaction.
    static func record(_ request: PeeringRequest, settings: PeeringRequestSettings, _ tx: LedgerTransaction) throws -> Reply {
        let db = tx.db
        let directory = settings.directory
        guard let exchange = try directory.exchangeName(publicID: request.publicID, in: db) else {
            throw Refusal("No exchange with public_id \(request.publicID)")
        }
        guard let peer = try directory.network(participantID: request.peerParticipantID, in: db) else {
            throw Refusal("No network with peer_participant_id \(request.peerParticipantID)")
        }
        guard peer.asn == request.peerASN else {
            throw Refusal("peer_asn \(request.peerASN) does not match \(peer.name) (peer_participant_id \(peer.participantID)), which is AS\(peer.asn)")
        }
        guard let source = try directory.network(participantID: request.sourceParticipantID, in: db) else {
            throw Refusal("No network with source_participant_id \(request.sourceParticipantID)")
        }
        if let given = request.sourceASN, given != source.asn {
            throw Refusal(
                "source_asn \(given) does not match \(source.name) (source_participant_id \(source.participantID)), which is AS\(source.asn)")
        }
        guard try directory.isPresent(participantID: request.peerParticipantID, atExchange: request.publicID, in: db) else {
            throw Refusal("\(peer.name) (peer_participant_id \(peer.participantID)) is not present at \(exchange) (public_id \(request.publicID))")
        }
        if request.status == .sent && !request.force {
            try refuseWithinQuietPeriod(request, peerName: peer.name, settings: settings, tx)
        }

        let id = try (Int64.fetchOne(db, sql: "SELECT MAX(id) FROM requests") ?? 0) + 1
        let message = try request.message(requestID: id, date: tx.recordedAt)
        let stream = "request-\(id)"
        try tx.append(
            .peeringRequestSent(
                PeeringRequestSent(
                    requestID: id, publicID: request.publicID, sourceParticipantID: request.sourceParticipantID,
                    // The source network's ASN is known: recorded even when the caller named only its id.
                    sourceASN: request.sourceASN ?? source.asn, peerParticipantID: request.peerParticipantID, peerASN: request.peerASN,
                    peerName: request.peerName, emailType: request.type.rawValue, emailFrom: request.from.description,
                    emailTo: request.to.map(\.description).joined(separator: ", "),
                    cc: request.cc.isEmpty ? nil : request.cc.map(\.description).joined(separator: ", "),
                    bcc: request.bcc.isEmpty ? nil : request.bcc.map(\.description).joined(separator: ", "),
                    subject: request.subject, body: request.body, textBody: request.textBody, status: request.status.rawValue,
                    messageID: message.messageID, forced: request.force)),
            to: stream, expecting: .noStream)
        if request.status != .sent {
            try tx.append(
                .peeringRequestAnswered(
                    PeeringRequestAnswered(
                        requestID: id, peerParticipantID: request.peerParticipantID, publicID: request.publicID,
                        status: request.status.rawValue)),
                to: stream, expecting: .exactly(1))
        }
        try Outbox.enqueue(db, requestID: id, messageID: message.messageID, mail: message.outgoing, now: tx.recordedAt)
        let data = try directory.peer(participantID: request.peerParticipantID, publicID: request.publicID, in: db)
        return Reply("Request sent", data: data)
    }

    /// One request to a network per quiet period: the last one that was not failed for good.
    static func refuseWithinQuietPeriod(
        _ request: PeeringRequest, peerName: String, settings: PeeringRequestSettings, _ tx: LedgerTransaction
    ) throws {
        guard settings.quietPeriodSeconds > 0,
            let last = try Row.fetchOne(
                tx.db,
                sql: """
                    SELECT id, created, created_at FROM requests
                    WHERE peer_participant_id = ? AND delivery_status <> 'failed' ORDER BY id DESC LIMIT 1
                    """,
                arguments: [request.peerParticipantID]),
            let sentAt = Timestamp(parsing: last["created_at"] as String)
        else { return }
        let allowedFrom = sentAt.advanced(bySeconds: settings.quietPeriodSeconds)
        guard tx.recordedAt < allowedFrom else { return }
        let id: Int64 = last["id"]
        let created: String = last["created"]
        throw Refusal(
            "A request to \(peerName) (peer_participant_id \(request.peerParticipantID)) already went on \(created) UTC (request \(id)); "
                + "another is allowed from \(allowedFrom.apiText) UTC, or pass force=1 to send it now")
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
        let db = tx.db
        let directory = settings.directory
        guard let ourID = try settings.ourParticipantID ?? directory.ownParticipantID(in: db), let sender = settings.sender else {
            throw Refusal("sendEmail needs our own network (peerledger self, or serve --our-participant-id) and a sender address (serve --mail-from)")
        }
        guard let ours = try directory.network(participantID: ourID, in: db) else {
            throw Refusal("Our own network (participant \(ourID)) is not in the PeeringDB data")
        }
        guard try directory.exchangeName(publicID: publicID, in: db) != nil else {
            throw Refusal("No exchange with public_id \(publicID)")
        }
        guard let peer = try directory.network(participantID: participantID, in: db) else {
            throw Refusal("No network with participant_id \(participantID)")
        }
        let contact = try recipient(of: peer, directory: directory, db)
        let exchanges = try directory.commonExchanges(ours: ourID, theirs: participantID, in: db)
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
    static func recipient(of network: DirectoryNetwork, directory: any PeeringDirectory, _ db: Database) throws -> Mailbox {
        let contacts = try directory.contacts(participantID: network.participantID, in: db)
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
