/// The rules of a peering request, decided on values alone: whether the directory's networks
/// agree with what the request names, and whether the quiet period allows another request to
/// the same network. The adapter reads the directory and the last request; nothing here reads
/// a database or a clock.
public enum RequestDecisions {
    /// A network as the directory knows it, reduced to what the rules compare.
    public struct Network: Sendable, Equatable {
        public var participantID: Int64
        public var asn: Int64
        public var name: String

        public init(participantID: Int64, asn: Int64, name: String) {
            self.participantID = participantID
            self.asn = asn
            self.name = name
        }
    }

    /// What a request names, checked against what the directory found for it (nil: not found).
    public struct Parties: Sendable, Equatable {
        public var publicID: Int64
        public var exchangeName: String?
        public var peerParticipantID: Int64
        public var peerASN: Int64
        public var peer: Network?
        public var sourceParticipantID: Int64
        public var sourceASN: Int64?
        public var source: Network?
        /// The peer has a presence at the exchange.
        public var peerIsPresent: Bool

        public init(
            publicID: Int64, exchangeName: String?, peerParticipantID: Int64, peerASN: Int64, peer: Network?,
            sourceParticipantID: Int64, sourceASN: Int64?, source: Network?, peerIsPresent: Bool
        ) {
            self.publicID = publicID
            self.exchangeName = exchangeName
            self.peerParticipantID = peerParticipantID
            self.peerASN = peerASN
            self.peer = peer
            self.sourceParticipantID = sourceParticipantID
            self.sourceASN = sourceASN
            self.source = source
            self.peerIsPresent = peerIsPresent
        }
    }

    /// The exchange and both networks exist, the ASNs given are theirs, and the peer is at the
    /// exchange; the first that does not hold is refused by name. Gives both networks: the
    /// source's ASN is recorded even when the caller named only its id.
    public static func checkParties(_ parties: Parties) throws(Refusal) -> (peer: Network, source: Network) {
        guard let exchange = parties.exchangeName else {
            throw Refusal("No exchange with public_id \(parties.publicID)", code: .requestUnknownExchange)
        }
        guard let peer = parties.peer else {
            throw Refusal("No network with peer_participant_id \(parties.peerParticipantID)", code: .requestUnknownNetwork)
        }
        guard peer.asn == parties.peerASN else {
            throw Refusal(
                "peer_asn \(parties.peerASN) does not match \(peer.name) (peer_participant_id \(peer.participantID)), which is AS\(peer.asn)",
                code: .requestASNMismatch)
        }
        guard let source = parties.source else {
            throw Refusal("No network with source_participant_id \(parties.sourceParticipantID)", code: .requestUnknownNetwork)
        }
        if let given = parties.sourceASN, given != source.asn {
            throw Refusal(
                "source_asn \(given) does not match \(source.name) (source_participant_id \(source.participantID)), which is AS\(source.asn)",
                code: .requestASNMismatch)
        }
        guard parties.peerIsPresent else {
            throw Refusal(
                "\(peer.name) (peer_participant_id \(peer.participantID)) is not present at \(exchange) (public_id \(parties.publicID))",
                code: .requestPeerAbsent)
        }
        return (peer, source)
    }

    /// The last request to a network that counts for the quiet period (not failed for good).
    public struct LastRequest: Sendable, Equatable {
        public var id: Int64
        /// As the API shows it (`2014-04-23 10:31:33`).
        public var created: String
        public var sentAt: Timestamp

        public init(id: Int64, created: String, sentAt: Timestamp) {
            self.id = id
            self.created = created
            self.sentAt = sentAt
        }
    }

    /// One request to a network per quiet period: a request `now` within `quietPeriodSeconds` of
    /// the last one is refused, saying when the next is allowed. A period of 0 allows any.
    public static func refuseWithinQuietPeriod(
        last: LastRequest?, now: Timestamp, quietPeriodSeconds: Int64, peerName: String, peerParticipantID: Int64
    ) throws(Refusal) {
        guard quietPeriodSeconds > 0, let last else { return }
        let allowedFrom = last.sentAt.advanced(bySeconds: quietPeriodSeconds)
        guard now < allowedFrom else { return }
        throw Refusal(
            "A request to \(peerName) (peer_participant_id \(peerParticipantID)) already went on \(last.created) UTC (request \(last.id)); "
                + "another is allowed from \(allowedFrom.apiText) UTC, or pass force=1 to send it now", code: .requestWithinQuietPeriod)
    }
}
