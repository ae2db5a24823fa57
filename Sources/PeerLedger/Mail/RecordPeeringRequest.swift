import PeerLedgerDomain

extension LedgerTransaction {
    /// sendRequest's rules and events, for every API that sends one: the parties checked against
    /// `directory`, the quiet period (unless forced, or `quietPeriodSeconds` is 0), the request
    /// appended (with its answer when it is given one) and its message queued in the outbox, all
    /// in this transaction. Returns the new request's id.
    package func recordPeeringRequest(
        _ request: PeeringRequest, directory: any PeeringDirectory, quietPeriodSeconds: Int64
    ) throws -> Int64 {
        let reader = self.reader
        func network(_ participantID: Int64) throws -> RequestDecisions.Network? {
            try directory.network(participantID: participantID, in: reader).map {
                RequestDecisions.Network(participantID: $0.participantID, asn: $0.asn, name: $0.name)
            }
        }
        let (peer, source) = try RequestDecisions.checkParties(
            RequestDecisions.Parties(
                publicID: request.publicID, exchangeName: try directory.exchangeName(publicID: request.publicID, in: reader),
                peerParticipantID: request.peerParticipantID, peerASN: request.peerASN, peer: try network(request.peerParticipantID),
                sourceParticipantID: request.sourceParticipantID, sourceASN: request.sourceASN,
                source: try network(request.sourceParticipantID),
                peerIsPresent: try directory.isPresent(participantID: request.peerParticipantID, atExchange: request.publicID, in: reader)))
        if request.status == .sent && !request.force && quietPeriodSeconds > 0 {
            let last = try reader.latestUnfailedRequest(toPeer: request.peerParticipantID).flatMap { last in
                last.createdAt.map { RequestDecisions.LastRequest(id: last.id, created: last.created, sentAt: $0) }
            }
            try RequestDecisions.refuseWithinQuietPeriod(
                last: last, now: recordedAt, quietPeriodSeconds: quietPeriodSeconds, peerName: peer.name,
                peerParticipantID: request.peerParticipantID)
        }
        let (id, overflow) = (try reader.lastRequestID() ?? 0).addingReportingOverflow(1)
        guard !overflow else { throw Refusal("No request id is left") }
        let message = try request.message(requestID: id, date: recordedAt)
        let stream = PeeringRequest.stream(id)
        try append(
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
            try append(
                .peeringRequestAnswered(
                    PeeringRequestAnswered(
                        requestID: id, peerParticipantID: request.peerParticipantID, publicID: request.publicID,
                        status: request.status.rawValue)),
                to: stream, expecting: .exactly(1))
        }
        try enqueueMail(requestID: id, messageID: message.messageID, mail: message.outgoing)
        return id
    }
}

extension PeeringRequest {
    /// The stream of request `id`'s events.
    package static func stream(_ id: Int64) -> String { "request-\(id)" }
}
