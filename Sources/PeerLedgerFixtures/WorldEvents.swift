import PeerLedger
import PeerLedgerDomain

/// Who is where, read from the imported PeeringDB projections: our addresses and the other
/// members at each of our exchanges. The world's sessions and requests are built from it.
struct WorldPlan {
    struct Member {
        var net: Int64
        var ipv4: String?
        var ipv6: String?
    }

    /// Our exchanges, 1 through `ownExchanges`: the other members of each, in netixlan order.
    var members: [Int64: [Member]] = [:]
    /// Our own addresses at each of our exchanges.
    var own: [Int64: Member] = [:]

    init(shape: WorldShape, _ reader: LedgerReader) throws {
        var seen = Set<[Int64]>()
        for (ix, net, ipv4, ipv6) in try reader.exchangeAddresses(throughExchange: Int64(shape.ownExchanges)) {
            let member = Member(net: net, ipv4: ipv4, ipv6: ipv6)
            if net == SyntheticWorld.ownNetID {
                if own[ix] == nil { own[ix] = member }
            } else if seen.insert([ix, net]).inserted {
                members[ix, default: []].append(member)
            }
        }
    }
}

/// The world's events after the import, one at a time: two routers, the sessions (every
/// member of the big exchange first), the requests (with their delivery and, for some, the
/// peer's answer), then the history until the budget is spent. Seeded, so the same seed gives
/// the same events.
final class WorldEvents {
    struct Next {
        var event: LedgerEvent
        var stream: String
        var expected: ExpectedVersion
    }

    struct Counts {
        var routers = 0, sessions = 0, requests = 0, history = 0
        var bigExchangeSessions = 0, bigExchangeRequests = 0
    }

    /// What the history remembers of each session: where it is and its current prfx_max.
    struct PlannedSession {
        var id: Int64
        var exchange: Int64
        var peer: Int64
        var router: Int64
        var prefixLimit: Int64
    }

    let shape: WorldShape
    let plan: WorldPlan
    var random: SplitMix64
    /// Events still to append to reach the shape's count (the base is appended in any case).
    var budget: Int
    var counts = Counts()
    var pending: [Next] = []
    var sessions: [PlannedSession] = []
    var peerNotes: [PeerKey: Int] = [:]
    var nextRouter: Int64 = 1
    var nextSession = 0
    var nextRequest = 0

    struct PeerKey: Hashable {
        var peer: Int64
        var exchange: Int64
    }

    static let routers: Int64 = 2
    static let states = ["established", "established", "established", "established", "active", "idle", "connect"]

    init(shape: WorldShape, plan: WorldPlan, seed: UInt64, budget: Int) {
        self.shape = shape
        self.plan = plan
        self.random = SplitMix64(seed: seed ^ 0x5EED_0F_57A7E)
        self.budget = budget
        sessions.reserveCapacity(shape.sessions)
    }

    var finished: Bool {
        pending.isEmpty && nextRouter > Self.routers && nextSession >= shape.sessions && nextRequest >= shape.requests
            && (budget <= 0 || sessions.isEmpty)
    }

    func next() -> Next? {
        if pending.isEmpty {
            if nextRouter <= Self.routers {
                pending.append(router(nextRouter))
                nextRouter += 1
                counts.routers += 1
            } else if nextSession < shape.sessions {
                pending.append(session(nextSession))
                nextSession += 1
                counts.sessions += 1
            } else if nextRequest < shape.requests {
                pending += request(nextRequest)
                nextRequest += 1
            } else if budget > 0, !sessions.isEmpty {
                pending.append(history())
                counts.history += 1
            } else {
                return nil
            }
        }
        budget -= 1
        return pending.removeFirst()
    }

    // MARK: the base

    func router(_ id: Int64) -> Next {
        Next(
            event: .routerAdded(
                RouterAdded(
                    routerID: id, name: "edge\(id)", platform: .frr, access: RouterAccess(kind: .local, vtyshSocket: "/var/run/frr"))),
            stream: "router-\(id)", expected: .noStream)
    }

    /// Which exchange and which member the k-th session or request goes to: the big
    /// exchange's members first, then round the other exchanges in turn.
    func place(_ k: Int, bigShare: Int) -> (exchange: Int64, member: WorldPlan.Member?, round: Int) {
        let big = plan.members[SyntheticWorld.bigExchange] ?? []
        if k < min(bigShare, big.count) { return (SyntheticWorld.bigExchange, big[k], 0) }
        let others = max(shape.ownExchanges - 1, 1)
        let j = k - min(bigShare, big.count)
        let exchange = shape.ownExchanges > 1 ? Int64(2 + j % others) : SyntheticWorld.bigExchange
        let members = plan.members[exchange] ?? []
        let round = j / others
        guard !members.isEmpty else { return (exchange, nil, round) }
        return (exchange, members[round % members.count], round / members.count)
    }

    func session(_ k: Int) -> Next {
        let id = Int64(k + 1)
        let (exchange, member, round) = place(k, bigShare: shape.bigExchangeMembers - 1)
        // Beyond the first round: the other address family, then the second router, then
        // addresses of our own making (the synthetic exchanges have fewer members than we have sessions).
        let ipv6 = round % 2 == 1
        let router = Int64(round / 2 % Int(Self.routers)) + 1
        let peer = member?.net ?? Int64(2 + k % max(shape.networks - 1, 1))
        let peerAddress: String
        if round < 2 * Int(Self.routers), let address = ipv6 ? member?.ipv6 : member?.ipv4 {
            peerAddress = address
        } else {
            peerAddress = ipv6 ? "fd00::\(String(k, radix: 16))" : "100.64.\(k / 256 % 256).\(k % 256)"
        }
        let own = plan.own[exchange]
        let ownAddress = (ipv6 ? own?.ipv6 : own?.ipv4) ?? (ipv6 ? "fd00:ffff::1" : "100.127.255.1")
        if exchange == SyntheticWorld.bigExchange { counts.bigExchangeSessions += 1 }
        let limit = Int64(100 + random.next() % 50) * 10
        sessions.append(PlannedSession(id: id, exchange: exchange, peer: peer, router: router, prefixLimit: limit))
        return Next(
            event: .sessionAdded(
                SessionAdded(sessionID: id, fields: [
                    "public_id": .int(exchange), "source_asn": .int(SyntheticPeeringDB.asn(SyntheticWorld.ownNetID)),
                    "source_ipaddr": .text(ownAddress), "resource_id": .int(router),
                    "peer_asn": .int(SyntheticPeeringDB.asn(peer)), "peer_name": .text("Network \(peer)"),
                    "peer_participant_id": .int(peer), "peer_ipaddr": .text(peerAddress), "peer_group": .text("peers"),
                    "type": .text("Peer"), "state": .text("configured"), "prfx_max": .int(limit),
                    "ip_type": .text(ipv6 ? "ipv6" : "ipv4"),
                ])),
            stream: Session.stream(id), expected: .noStream)
    }

    func request(_ k: Int) -> [Next] {
        let id = Int64(k + 1)
        let (exchange, member, _) = place(k, bigShare: min(shape.bigExchangeMembers - 1, shape.requests / 2))
        let peer = member?.net ?? Int64(2 + k % max(shape.networks - 1, 1))
        if exchange == SyntheticWorld.bigExchange { counts.bigExchangeRequests += 1 }
        let stream = "request-\(id)"
        let ourASN = SyntheticPeeringDB.asn(SyntheticWorld.ownNetID)
        var events = [
            Next(
                event: .peeringRequestSent(
                    PeeringRequestSent(
                        requestID: id, publicID: exchange, sourceParticipantID: SyntheticWorld.ownNetID, sourceASN: ourASN,
                        peerParticipantID: peer, peerASN: SyntheticPeeringDB.asn(peer), peerName: "Network \(peer)",
                        emailType: "text", emailFrom: "Network 1 Peering <peering@net1.example>",
                        emailTo: "peering@net\(peer).example", cc: nil, bcc: nil,
                        subject: "Peering request: AS\(ourASN) and AS\(SyntheticPeeringDB.asn(peer)) at Exchange \(exchange)",
                        body: """
                            Hello Network \(peer),

                            We would like to peer with you at Exchange \(exchange). Our details are in PeeringDB
                            (AS\(ourASN)); we have sessions ready for IPv4 and IPv6.

                            Regards, Network 1 peering team
                            """,
                        textBody: nil, status: "sent", messageID: "<request-\(id)@peerledger.example>", forced: false)),
                stream: stream, expected: .noStream)
        ]
        if random.next() % 10 != 0 {
            events.append(
                Next(
                    event: .peeringRequestDelivered(
                        PeeringRequestDelivered(requestID: id, reply: "250 2.0.0 Ok: queued as \(String(id, radix: 16))", attempt: 1)),
                    stream: stream, expected: .exactly(1)))
            let roll = random.next() % 10
            if roll < 3 {
                events.append(
                    Next(
                        event: .peeringRequestAnswered(
                            PeeringRequestAnswered(
                                requestID: id, peerParticipantID: peer, publicID: exchange, status: roll < 2 ? "accepted" : "rejected")),
                        stream: stream, expected: .exactly(2)))
            }
        }
        counts.requests += events.count
        return events
    }

    // MARK: the history

    /// One of: a state observed on the router (55%), a session update (30%), a peer update (10%)
    /// or a peer status reset (5%), for a session drawn at random.
    func history() -> Next {
        let index = Int(random.next() % UInt64(sessions.count))
        let session = sessions[index]
        let roll = random.next() % 100
        switch roll {
        case ..<55:
            let state = Self.states[Int(random.next() % UInt64(Self.states.count))]
            let established = state == "established"
            return Next(
                event: .sessionStateObserved(
                    SessionStateObserved(
                        sessionID: session.id, routerID: session.router, state: state,
                        prefixesReceived: established ? Int64(random.next() % UInt64(session.prefixLimit)) : nil,
                        lastError: state == "idle" ? "Hold Timer Expired" : nil)),
                stream: Session.stream(session.id), expected: .any)
        case ..<85:
            let limit = Int64(100 + random.next() % 50) * 10
            sessions[index].prefixLimit = limit
            return Next(
                event: .sessionUpdated(
                    SessionUpdated(sessionID: session.id, changes: ["prfx_max": .init(from: .int(session.prefixLimit), to: .int(limit))])),
                stream: Session.stream(session.id), expected: .any)
        case ..<95:
            let key = PeerKey(peer: session.peer, exchange: session.exchange)
            let note = peerNotes[key, default: 0]
            peerNotes[key] = note + 1
            let from: PeeringDBValue = note == 0 ? .null : .text("reviewed \(note)")
            return Next(
                event: .peerUpdated(
                    PeerUpdated(
                        participantID: session.peer, publicID: session.exchange,
                        changes: ["notes_private": .init(from: from, to: .text("reviewed \(note + 1)"))])),
                stream: peerStream(participant: session.peer, exchange: session.exchange), expected: .any)
        default:
            return Next(
                event: .peerStatusReset(PeerStatusReset(participantID: session.peer, publicID: session.exchange)),
                stream: peerStream(participant: session.peer, exchange: session.exchange), expected: .any)
        }
    }
}
