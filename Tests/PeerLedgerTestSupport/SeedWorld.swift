import Foundation

@testable public import PeerLedger
@testable import PeerLedgerRouters
@testable public import PeerLedgerAPIv1
@testable public import PeerLedgerDomain

// The seed's world, in its own words: ProVision's example calls and the networks, exchanges and
// router they name. Tests build on these rather than inventing values.

/// The seed's Amazon.com session at Equinix Ashburn (without `target=`; `TestLedger.call` and
/// `SignedClient.call` add `target=peering`).
public let amazon =
    "action=addSession&source_asn=8038&source_ipaddr=1.2.3.5&resource_id=422&peer_asn=16509&peer_name=Amazon.com&peer_participant_id=1418&peer_ipaddr=206.126.236.68&peer_group=LAME-PEERS&public_id=1&type=Peer&prfx_max=200&password=ace12345&note=I%27m+a+fancy+note."

/// The seed's Akamai session (source AS32787).
public let akamai =
    "action=addSession&source_asn=32787&source_ipaddr=1.2.3.4&resource_id=422&peer_asn=20940&peer_name=Akamai+Technologies&peer_participant_id=2&peer_ipaddr=206.126.236.102&peer_group=group+b&public_id=1&type=Peer&prfx_max=20&password=0"

/// The seed's Akamai session with a peer group FRR accepts (one word).
public let akamaiOneWordGroup =
    "action=addSession&source_asn=32787&source_ipaddr=1.2.3.4&resource_id=422&peer_asn=20940&peer_name=Akamai+Technologies&peer_participant_id=2&peer_ipaddr=206.126.236.102&peer_group=group_b&public_id=1&type=Peer&prfx_max=20&password=0"

/// The seed's router: resource 422, ar1.inoc.com.
public func registerAR1(_ ledger: Ledger, platform: RouterPlatform = .frr) throws {
    try ledger.addRouter(
        RouterRegistration(id: 422, name: "ar1.inoc.com", platform: platform, access: RouterAccess(kind: .local)),
        metadata: EventMetadata(actor: "test"))
}

/// The seed's getRequests world: 6connect (AS8038, participant 2335) asks Amazon.com (AS16509,
/// participant 1418); Equinix Ashburn, Palo Alto and San Jose are common, LINX LON1 is theirs only.
public let seedDirectory = FixedPeeringDirectory(
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

/// The seed's request settings: its directory, 6connect as our network, Operations as sender.
public let seedSettings = PeeringRequestSettings(
    directory: seedDirectory, ourParticipantID: 2335,
    sender: try? Mailbox(parsing: "Operations <ops@6connect.com>", field: "sender"))

/// The seed's sendRequest to Amazon.com at public_id 5, with its body, form-encoded.
public let seedRequest: String = {
    let body =
        "Peering,\r\n\r\n6connect, Inc., 8038, would like to peer with Amazon.com at our common locations.\r\n\r\nFacility, IP Address\r\nEquinix Ashburn - 206.126.236.68\r\nEquinix Palo Alto - 198.32.176.36\r\nEquinix Ashburn - 206.126.236.35\r\nEquinix San Jose - 206.223.116.177\r\nLINX Juniper LAN - 195.66.225.175\r\n\r\nSincerely,\r\nOperations\r\nops@6connect.com\r\n\r\n6connect, Inc. information:\r\nEquinix Palo Alto, 2001:504:d::33\r\nEquinix Palo Alto, 198.32.176.51\r\n\r\nPeeringDB: http://as8038.peeringdb.com\r\n\r\n"
    return "action=sendRequest&peer_participant_id=1418&peer_asn=16509&peer_name=Amazon.com&source_participant_id=2335&source_asn=8038"
        + "&public_id=5&type=text&email_from=ops%406connect.com&email_to=nalinmk%40gmail.com&cc=&bcc="
        + "&subject=Peering+request+from+6connect%2C+Inc.&status=sent&body=" + Parameters.encode(body)
}()
