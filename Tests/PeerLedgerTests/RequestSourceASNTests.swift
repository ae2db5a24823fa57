import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("getRequests shows our ASN when sendRequest named only our network")
struct RequestSourceASNTests {
    /// The seed's request to Amazon.com with only source_participant_id=2335 (6connect, AS8038).
    static let withoutSourceASN = seedRequest.replacingOccurrences(of: "&source_asn=8038", with: "")

    @Test("sendRequest without source_asn records 6connect's AS8038, and getRequests answers it")
    func filledFromTheNetwork() async throws {
        #expect(!Self.withoutSourceASN.contains("source_asn"))
        let t = try TestLedger(requests: seedSettings)
        #expect(try await t.call(Self.withoutSourceASN).message == "Request sent")
        let request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["source_participant_id"] == .string("2335"))
        #expect(request["source_asn"] == .string("8038"))
        #expect(request["peer_asn"] == .string("16509"))
        let sent = try #require(try t.events().first { $0.type == "PeeringRequestSent" })
        #expect(sent.payload.contains(#""source_asn":8038"#))
        // A rebuild from the log gives the same answer.
        #expect(try t.ledger.rebuild().matches)
    }

    @Test("a source_asn that is not our network's is refused naming it, and nothing is recorded or queued")
    func mismatchRefused() async throws {
        let t = try TestLedger(requests: seedSettings)
        let answer = try await t.call(Self.withoutSourceASN + "&source_asn=16509")
        #expect(answer.message == "source_asn 16509 does not match 6connect, Inc. (source_participant_id 2335), which is AS8038")
        #expect(try t.eventCount() == 0)
        #expect(try t.outboxRows().isEmpty)
    }

    @Test("a request recorded without its source ASN (an older log) is answered with the network's ASN")
    func olderLog() async throws {
        let t = try TestLedger(requests: seedSettings)
        _ = try t.ledger.writeNow(EventMetadata(actor: "test")) { tx in
            try tx.append(
                .peeringRequestSent(
                    PeeringRequestSent(
                        requestID: 1, publicID: 5, sourceParticipantID: 2335, sourceASN: nil, peerParticipantID: 1418, peerASN: 16509,
                        peerName: "Amazon.com", emailType: "text", emailFrom: "ops@6connect.com", emailTo: "nalinmk@gmail.com",
                        cc: nil, bcc: nil, subject: "Peering request from 6connect, Inc.", body: "Peering", textBody: nil,
                        status: "sent", messageID: "<request-1@6connect.com>", forced: false)),
                to: "request-1", expecting: .noStream)
        }
        let request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["source_asn"] == .string("8038"))
        // A network the directory does not know stays null rather than guessed.
        let unknown = try TestLedger(requests: PeeringRequestSettings(directory: FixedPeeringDirectory(exchanges: [:], networks: [], presences: [], contacts: [:])))
        _ = try unknown.ledger.writeNow(EventMetadata(actor: "test")) { tx in
            try tx.append(
                .peeringRequestSent(
                    PeeringRequestSent(
                        requestID: 1, publicID: 5, sourceParticipantID: 2335, sourceASN: nil, peerParticipantID: 1418, peerASN: 16509,
                        peerName: "Amazon.com", emailType: "text", emailFrom: "ops@6connect.com", emailTo: "nalinmk@gmail.com",
                        cc: nil, bcc: nil, subject: "Peering request from 6connect, Inc.", body: "Peering", textBody: nil,
                        status: "sent", messageID: "<request-1@6connect.com>", forced: false)),
                to: "request-1", expecting: .noStream)
        }
        #expect(try await unknown.call("action=getRequests").data?.arrayValue?.first?["source_asn"] == .null)
    }
}
