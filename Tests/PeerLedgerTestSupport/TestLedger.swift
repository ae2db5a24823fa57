public import PeerLedger
import Foundation

@testable public import PeerLedger
@testable public import PeerLedgerRouters
@testable public import PeerLedgerAPIv1
@testable public import PeerLedgerDomain

/// A ledger with a fixed clock and fixed ids, and the API over it: the same calls give the same
/// events, hashes and answers on every run.
public struct TestLedger: Sendable {
    public let ledger: Ledger
    public let api: APIv1
    public let clock: SteppingClock

    /// An in-memory ledger, or a file at `path`, whose clock starts at `start` and moves
    /// `stepMillis` per reading; configureSession and deleteSession reach `routers` (real
    /// vtysh, birdc and ssh when nil).
    public init(
        start: String = "2026-11-20 09:00:00", stepMillis: Int64 = 0, path: String? = nil,
        snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval, routers: (any RouterConnector)? = nil
    ) throws {
        try self.init(start: start, stepMillis: stepMillis, path: path, snapshotInterval: snapshotInterval) { ledger in
            APIv1(ledger: ledger, routers: routers ?? ProcessRouterConnector())
        }
    }

    /// A ledger whose API knows a peering directory and our network (getRequests, sendRequest,
    /// sendEmail), its clock at the seed's request time.
    public init(requests settings: PeeringRequestSettings, start: String = "2014-04-23 10:31:33", path: String? = nil) throws {
        try self.init(start: start, stepMillis: 0, path: path, snapshotInterval: ProjectionSnapshots.defaultInterval) { ledger in
            APIv1(ledger: ledger, requests: settings)
        }
    }

    private init(
        start: String, stepMillis: Int64, path: String?, snapshotInterval: Int64, api: (Ledger) -> APIv1
    ) throws {
        guard let startTime = Timestamp(parsing: start) else { throw TestFailure("\(start) is not a time") }
        let clock = SteppingClock(start: startTime, stepMillis: stepMillis)
        self.clock = clock
        ledger =
            try path.map { try Ledger.open(at: $0, clock: clock, ids: SequentialIDs(), snapshotInterval: snapshotInterval) }
            ?? Ledger.inMemory(clock: clock, ids: SequentialIDs())
        self.api = api(ledger)
    }

    /// Calls an action as `actor`; `target=peering` is added when absent.
    @discardableResult
    public func call(_ query: String, actor: String = "test", idempotencyKey: String? = nil) async throws -> APIAnswer {
        try await api.call(query, actor: actor, idempotencyKey: idempotencyKey)
    }

    public func eventCount() throws -> Int64 { try ledger.eventCount() }

    /// Every event in the log, in order.
    public func events() throws -> [RecordedEvent] { try ledger.readNow { db in try AuditQuery().events(db) } }
}

extension APIv1 {
    /// Calls an action given as form text, as `actor`, without HTTP or a signature;
    /// `target=peering` is added when the text does not start with a target.
    @discardableResult
    public func call(_ query: String, actor: String = "test", idempotencyKey: String? = nil) async throws -> APIAnswer {
        let text = query.hasPrefix("target=") ? query : "target=peering&" + query
        return try await call(Parameters(formEncoded: text), actor: actor, idempotencyKey: idempotencyKey)
    }

    /// Calls an action with parameters already parsed, as `actor`.
    @discardableResult
    public func call(_ parameters: Parameters, actor: String = "test", idempotencyKey: String? = nil) async -> APIAnswer {
        await handle(APIRequest(parameters: parameters, actor: actor, idempotencyKey: idempotencyKey))
    }
}
