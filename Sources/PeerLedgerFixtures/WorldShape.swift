import PeerLedger
public import PeerLedgerDomain
/// How big a synthetic world is: the PeeringDB data set, our network's footprint, and the total
/// number of events the log ends with. `realistic` is today's real scale (1,000,000 events);
/// `scaled(toEvents:)` shrinks every part in proportion for quicker runs, keeping the one big
/// exchange (1,000 members, each with a session) that the read workloads measure.
public struct WorldShape: Sendable, Equatable {
    public var networks: Int
    public var exchanges: Int
    public var netixlans: Int
    public var contacts: Int
    /// Members of exchange 1, the big exchange: we have a session with every one of them.
    public var bigExchangeMembers: Int
    /// Exchanges where our network (net 1) is present: 1 through this number.
    public var ownExchanges: Int
    public var sessions: Int
    public var requests: Int
    /// The log's length when the world is built: the history of updates, resets and observed
    /// states fills what the data set, sessions and requests leave.
    public var events: Int

    public init(
        networks: Int, exchanges: Int, netixlans: Int, contacts: Int, bigExchangeMembers: Int, ownExchanges: Int,
        sessions: Int, requests: Int, events: Int
    ) {
        self.networks = networks
        self.exchanges = exchanges
        self.netixlans = netixlans
        self.contacts = contacts
        self.bigExchangeMembers = bigExchangeMembers
        self.ownExchanges = ownExchanges
        self.sessions = sessions
        self.requests = requests
        self.events = events
    }

    /// Today's PeeringDB and a network of our size: 33,000 nets, 1,300 exchanges, 60,000
    /// netixlan, 30,000 poc; us at 50 exchanges with 20,000 sessions and 10,000 requests.
    public static let realistic = WorldShape(
        networks: 33_000, exchanges: 1_300, netixlans: 60_000, contacts: 30_000, bigExchangeMembers: 1_000,
        ownExchanges: 50, sessions: 20_000, requests: 10_000, events: 1_000_000)

    /// The realistic world scaled by `events / 1,000,000` (never up): each count in proportion,
    /// but at least the big exchange's 1,000 members with a session each, and our 50 exchanges.
    public static func scaled(toEvents events: Int) -> WorldShape {
        let full = realistic
        let factor = min(1, Double(max(events, 1)) / Double(full.events))
        func part(_ value: Int, atLeast floor: Int) -> Int { max(floor, Int((Double(value) * factor).rounded())) }
        let big = full.bigExchangeMembers
        return WorldShape(
            networks: part(full.networks, atLeast: big), exchanges: part(full.exchanges, atLeast: full.ownExchanges),
            netixlans: part(full.netixlans, atLeast: 2 * big), contacts: part(full.contacts, atLeast: 100),
            bigExchangeMembers: big, ownExchanges: full.ownExchanges,
            sessions: part(full.sessions, atLeast: big - 1 + full.ownExchanges - 1),
            requests: part(full.requests, atLeast: big / 2), events: events)
    }

    /// The share of the realistic world's event count this shape has (1 at 1M events).
    public var fraction: Double { Double(events) / Double(Self.realistic.events) }

    /// Refuses shapes the generator cannot build (the CLI's and the bench's input).
    public func validate() throws(Refusal) {
        guard bigExchangeMembers >= 2 else { throw Refusal("the big exchange needs at least 2 members") }
        guard networks >= bigExchangeMembers else { throw Refusal("networks must be at least the big exchange's members") }
        guard ownExchanges >= 1, exchanges >= max(ownExchanges, 2) else {
            throw Refusal("exchanges must be at least 2 and at least our exchanges (\(ownExchanges))")
        }
        guard netixlans >= bigExchangeMembers + ownExchanges else {
            throw Refusal("netixlans must be at least the big exchange's members plus our exchanges")
        }
        guard contacts >= 1, sessions >= 1, requests >= 0, events >= 1 else {
            throw Refusal("contacts, sessions and events must be positive, requests not negative")
        }
    }
}
