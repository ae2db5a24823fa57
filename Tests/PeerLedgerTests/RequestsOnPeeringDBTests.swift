import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// sendRequest and sendEmail over the real PeeringDB projections (not a stand-in directory).
@Suite("Peering requests on PeeringDB data")
struct RequestsOnPeeringDBTests {
    @Test("sendRequest to 1&1 Internet at Equinix Ashburn sets its request_status and writes its history line")
    func sendRequestUpdatesThePeer() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let answer = try await t.call(
            "action=sendRequest&public_id=1&peer_participant_id=262&source_participant_id=2335&peer_name=1%261+Internet&peer_asn=8560&email_from=ops%406connect.com&email_to=peering%401und1.net&subject=Peering+request+from+6connect%2C+Inc.&body=Peering%2C%0D%0A%0D%0AHello.&type=text&status=sent")
        #expect(answer.message == "Request sent")
        #expect(answer.data?["request_status"] == .string("sent"))
        #expect(answer.data?["name"] == .string("1&1 Internet"))
        let peers = try await t.call("action=getPeers&public_id=1&id=262&include_log_data=1")
        let peer = try #require(peers.data?.arrayValue?.first)
        #expect(peer["request_status"] == .string("sent"))
        #expect(peer["log_data"]?.arrayValue?.first?["message"] == .string("Request sent to peering@1und1.net"))
        let communications = try await t.call("action=getCommunications&public_id=1")
        let oneAndOne = communications.data?.arrayValue?.first { $0["id"] == .string("262") }
        #expect(oneAndOne?["request_status"] == .string("sent"))
        let requests = try await t.call("action=getRequests&peer_participant_id=262")
        #expect(requests.message == "1 request found.")
        #expect(requests.data?.arrayValue?.first?["peer_name"] == .string("1&1 Internet"))
    }

    @Test("sendRequest for a network that is not at the exchange, or an unknown exchange, is refused and records nothing")
    func sendRequestRefusesUnknowns() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let before = try t.eventCount()
        let base = "action=sendRequest&source_participant_id=2335&peer_name=X&peer_asn=8560&email_from=ops%406connect.com&email_to=peering%401und1.net&subject=Peering&body=Hello&type=text&status=sent"
        let unknownExchange = try await t.call(base + "&public_id=999&peer_participant_id=262")
        #expect(!unknownExchange.succeeded)
        #expect(unknownExchange.message.contains("999"))
        let unknownNetwork = try await t.call(base + "&public_id=1&peer_participant_id=77777")
        #expect(!unknownNetwork.succeeded)
        #expect(unknownNetwork.message.contains("77777"))
        #expect(try t.eventCount() == before)
    }

    @Test("sendEmail uses our network from peerledger self and the peer's Policy contact from PeeringDB")
    func sendEmailUsesPeeringDB() async throws {
        let (t, _) = try await TestLedger.withPeeringDB()
        let settings = PeeringRequestSettings(sender: try Mailbox(parsing: "Operations <ops@6connect.com>", field: "from"))
        let api = APIv1(ledger: t.ledger, requests: settings)
        let answer = await api.handle(
            APIRequest(parameters: try Parameters(formEncoded: "target=peering&action=sendEmail&participant_id=262&public_id=1"), actor: "test"))
        #expect(answer.succeeded, "\(answer.message)")
        let requests = try await t.call("action=getRequests&peer_participant_id=262")
        let request = try #require(requests.data?.arrayValue?.first)
        #expect(request["email_to"] == .string("Peering <peering@1und1.net>"))
        #expect(request["source_asn"] == .string("8038"))
        let body = request["body"]?.stringValue ?? ""
        #expect(body.contains("6connect, Inc."))
        #expect(body.contains("Equinix Ashburn"))
    }
}
