import Foundation
import GRDB

@testable import PeerLedger
@testable import PeerLedgerDomain

/// The seed's getRequests world: 6connect (AS8038, participant 2335) asks Amazon.com (AS16509,
/// participant 1418); Equinix Ashburn, Palo Alto and San Jose are common, LINX LON1 is theirs only.
let seedDirectory = FixedPeeringDirectory(
    exchanges: [1: "Equinix Ashburn", 5: "Equinix San Jose", 7: "Equinix Palo Alto", 18: "LINX LON1"],
    networks: [
        DirectoryNetwork(participantID: 2335, asn: 8038, name: "6connect, Inc.", peeringDBURL: "http://as8038.peeringdb.com"),
        DirectoryNetwork(participantID: 1418, asn: 16509, name: "Amazon.com"),
        DirectoryNetwork(participantID: 2, asn: 20940, name: "Akamai Technologies"),
        DirectoryNetwork(participantID: 262, asn: 8560, name: "1&1 Internet"),
    ],
    presences: [
        .init(participantID: 2335, publicID: 7, addresses: ["198.32.176.51", "2001:504:d::33"]),
        .init(participantID: 2335, publicID: 1, addresses: ["206.126.236.20"]),
        .init(participantID: 2335, publicID: 5, addresses: ["206.223.116.20"]),
        .init(participantID: 1418, publicID: 1, addresses: ["206.126.236.68", "206.126.236.35", "2001:504:0:2::1:6509"]),
        .init(participantID: 1418, publicID: 7, addresses: ["198.32.176.36"]),
        .init(participantID: 1418, publicID: 5, addresses: ["206.223.116.177"]),
        .init(participantID: 1418, publicID: 18, addresses: ["195.66.225.175"]),
        .init(participantID: 2, publicID: 1, addresses: ["206.126.236.102"]),
        .init(participantID: 262, publicID: 1, addresses: ["206.126.236.200"]),
    ],
    contacts: [
        1418: [
            NetworkContact(role: "NOC", email: "noc@amazon.com"),
            NetworkContact(role: "Technical", email: "tech@amazon.com"),
            NetworkContact(role: "Policy", name: "Peering", email: "peering@amazon.com"),
        ],
        2: [NetworkContact(role: "NOC", email: "noc@akamai.com"), NetworkContact(role: "Sales", email: "sales@akamai.com")],
        262: [NetworkContact(role: "Sales", email: "sales@1und1.de")],
    ])

let seedSettings = PeeringRequestSettings(
    directory: seedDirectory, ourParticipantID: 2335,
    sender: try? Mailbox(parsing: "Operations <ops@6connect.com>", field: "sender"))

/// The seed's sendRequest to Amazon.com at public_id 5, with its body, form-encoded.
let seedRequest: String = {
    let body =
        "Peering,\r\n\r\n6connect, Inc., 8038, would like to peer with Amazon.com at our common locations.\r\n\r\nFacility, IP Address\r\nEquinix Ashburn - 206.126.236.68\r\nEquinix Palo Alto - 198.32.176.36\r\nEquinix Ashburn - 206.126.236.35\r\nEquinix San Jose - 206.223.116.177\r\nLINX Juniper LAN - 195.66.225.175\r\n\r\nSincerely,\r\nOperations\r\nops@6connect.com\r\n\r\n6connect, Inc. information:\r\nEquinix Palo Alto, 2001:504:d::33\r\nEquinix Palo Alto, 198.32.176.51\r\n\r\nPeeringDB: http://as8038.peeringdb.com\r\n\r\n"
    return "action=sendRequest&peer_participant_id=1418&peer_asn=16509&peer_name=Amazon.com&source_participant_id=2335&source_asn=8038"
        + "&public_id=5&type=text&email_from=ops%406connect.com&email_to=nalinmk%40gmail.com&cc=&bcc="
        + "&subject=Peering+request+from+6connect%2C+Inc.&status=sent&body=" + Parameters.encode(body)
}()

extension TestLedger {
    /// A ledger whose API knows the seed's directory.
    init(requests settings: PeeringRequestSettings, start: String = "2014-04-23 10:31:33", path: String? = nil) throws {
        let clock = SteppingClock(start: Timestamp(parsing: start)!, stepMillis: 0)
        let ledger =
            try path.map { try Ledger.open(at: $0, clock: clock, ids: SequentialIDs()) }
            ?? Ledger.inMemory(clock: clock, ids: SequentialIDs())
        self.ledger = ledger
        self.clock = clock
        api = APIv1(ledger: ledger, requests: settings)
    }

    func outboxRows() throws -> [Row] {
        try ledger.readNow { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY request_id") }
    }
}

/// A transport that records what it was given and answers from a script.
final class RecordingTransport: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var _sent: [OutgoingMail] = []
    private var script: [Result<String, MailDeliveryError>]

    init(_ script: [Result<String, MailDeliveryError>] = []) { self.script = script }

    var sent: [OutgoingMail] { lock.withLock { _sent } }

    func deliver(_ mail: OutgoingMail) async throws -> String {
        let result: Result<String, MailDeliveryError> = lock.withLock {
            _sent.append(mail)
            return script.isEmpty ? .success("250 2.0.0 Ok: queued as TEST") : script.removeFirst()
        }
        return try result.get()
    }
}
