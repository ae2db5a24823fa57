import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// A ledger with a fixed clock and fixed ids, and the API over it.
struct TestLedger {
    let ledger: Ledger
    let api: APIv1
    let clock: SteppingClock

    init(
        start: String = "2026-11-20 09:00:00", path: String? = nil,
        snapshotInterval: Int64 = ProjectionSnapshots.defaultInterval
    ) throws {
        let clock = SteppingClock(start: Timestamp(parsing: start)!, stepMillis: 0)
        self.clock = clock
        ledger =
            try path.map { try Ledger.open(at: $0, clock: clock, ids: SequentialIDs(), snapshotInterval: snapshotInterval) }
            ?? Ledger.inMemory(clock: clock, ids: SequentialIDs())
        api = APIv1(ledger: ledger)
    }

    /// Calls an action as `actor`; `target=peering` is added when absent.
    @discardableResult
    func call(_ query: String, actor: String = "test", idempotencyKey: String? = nil) async throws -> APIAnswer {
        let text = query.hasPrefix("target=") ? query : "target=peering&" + query
        return await api.handle(
            APIRequest(parameters: try Parameters(formEncoded: text), actor: actor, idempotencyKey: idempotencyKey))
    }

    func eventCount() throws -> Int64 { try ledger.eventCount() }

    func events() throws -> [RecordedEvent] { try ledger.readNow { db in try AuditQuery().events(db) } }
}

/// The seed's Amazon.com session at Equinix Ashburn.
let amazon =
    "action=addSession&source_asn=8038&source_ipaddr=1.2.3.5&resource_id=422&peer_asn=16509&peer_name=Amazon.com&peer_participant_id=1418&peer_ipaddr=206.126.236.68&peer_group=LAME-PEERS&public_id=1&type=Peer&prfx_max=200&password=ace12345&note=I%27m+a+fancy+note."

/// The seed's Akamai session (source AS32787).
let akamai =
    "action=addSession&source_asn=32787&source_ipaddr=1.2.3.4&resource_id=422&peer_asn=20940&peer_name=Akamai+Technologies&peer_participant_id=2&peer_ipaddr=206.126.236.102&peer_group=group+b&public_id=1&type=Peer&prfx_max=20&password=0"

func temporaryDatabasePath() -> String {
    let folder = Scratch.url("ledger-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("ledger.sqlite").path
}

/// Runs raw SQL on the ledger's file, as an attacker with the file (or a careless tool) would.
func executeRaw(_ ledger: Ledger, _ sql: String) throws {
    try ledger.database.writeWithoutTransaction { db in try db.execute(sql: sql) }
}
