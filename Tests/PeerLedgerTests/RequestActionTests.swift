import Foundation
import GRDB
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Peering requests")
struct RequestActionTests {
    @Test("getRequests on an empty ledger answers 'No request found.' with success 1 and data []")
    func noRequests() async throws {
        let t = try TestLedger(requests: seedSettings)
        let answer = try await t.call("action=getRequests")
        #expect(answer.text == #"{"success":1,"message":"No request found.","data":[]}"#)
    }

    @Test("sendRequest records the seed's request, queues its message and answers 'Request sent' with the peer")
    func sendSeedRequest() async throws {
        let t = try TestLedger(requests: seedSettings)
        let answer = try await t.call(seedRequest)
        #expect(answer.message == "Request sent")
        #expect(answer.data?["request_status"] == .string("sent"))
        #expect(answer.data?["name"] == .string("Amazon.com"))
        let log = try #require(answer.data?["log_data"]?.arrayValue)
        #expect(log == [.object([
            ("message", .string("Request sent to nalinmk@gmail.com")), ("time", .string("2014-04-23 10:31:33")),
            ("request_id", .string("1")), ("session_id", .null), ("public_id", .string("5")),
        ])])
        #expect(try t.events().map(\.type) == ["PeeringRequestSent"])

        let list = try await t.call("action=getRequests&peer_participant_id=1418")
        #expect(list.message == "1 request found.")
        let request = try #require(list.data?.arrayValue?.first)
        #expect(request["id"] == .string("1"))
        #expect(request["public_id"] == .string("5"))
        #expect(request["source_participant_id"] == .string("2335"))
        #expect(request["source_asn"] == .string("8038"))
        #expect(request["peer_asn"] == .string("16509"))
        #expect(request["email_type"] == .string("text"))
        #expect(request["email_from"] == .string("ops@6connect.com"))
        #expect(request["email_to"] == .string("nalinmk@gmail.com"))
        #expect(request["subject"] == .string("Peering request from 6connect, Inc."))
        #expect(request["body"]?.stringValue?.hasPrefix("Peering,\r\n\r\n6connect, Inc., 8038, would like to peer") == true)
        #expect(request["status"] == .string("sent"))
        #expect(request["created"] == .string("2014-04-23 10:31:33"))
        #expect(request["delivery_status"] == .string("queued"))

        let rows = try t.outboxRows()
        #expect(rows.count == 1)
        #expect(rows[0]["message_id"] == "request-1@peerledger.6connect.com")
        #expect(rows[0]["state"] == "pending")
        #expect((rows[0]["message"] as String).contains("Message-ID: <request-1@peerledger.6connect.com>\r\n"))
    }

    @Test("getRequests lists newest first and filters by peer_participant_id")
    func listing() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest)
        try await t.call(
            "action=sendRequest&public_id=1&peer_participant_id=2&source_participant_id=2335&peer_name=Akamai+Technologies&peer_asn=20940&email_from=ops%406connect.com&email_to=noc%40akamai.com&subject=Peering&body=Hello&type=text&status=sent")
        let all = try await t.call("action=getRequests")
        #expect(all.message == "2 request found.")
        #expect(all.data?.arrayValue?.map { $0["id"] } == [.string("2"), .string("1")])
        let akamai = try await t.call("action=getRequests&peer_participant_id=2")
        #expect(akamai.data?.arrayValue?.map { $0["peer_name"] } == [.string("Akamai Technologies")])
        let none = try await t.call("action=getRequests&peer_participant_id=262")
        #expect(none.text == #"{"success":1,"message":"No request found.","data":[]}"#)
    }

    @Test("a bad value is refused naming the field, and nothing is recorded or queued", arguments: [
        ("email_to=nalinmk%40gmail.com%0D%0ABcc%3A+victim%40example.net", "email_to must not contain control characters (found a carriage return (CR)); they would become extra router commands or mail headers"),
        ("subject=Peering%0D%0ABcc%3A+victim%40example.net", "subject must not contain control characters (found a carriage return (CR)); they would become extra router commands or mail headers"),
        ("email_from=Ops%0A+%3Cops%406connect.com%3E", "email_from must not contain control characters (found a line feed (LF)); they would become extra router commands or mail headers"),
        ("cc=Eve%0A%3Ceve%40example.net%3E", "cc must not contain control characters (found a line feed (LF)); they would become extra router commands or mail headers"),
        ("bcc=not+an+address", "bcc must be a valid mail address such as user@example.net, got 'not an address'"),
        ("email_to=nobody", "email_to must be a valid mail address such as user@example.net, got 'nobody'"),
        ("body=+%0D%0A+", "body must not be empty"),
        ("type=pdf", "type must be text or html, got 'pdf'"),
        ("status=maybe", "status must be sent, accepted or rejected, got 'maybe'"),
        ("public_id=99", "No exchange with public_id 99"),
        ("peer_participant_id=4242", "No network with peer_participant_id 4242"),
        ("peer_asn=16510", "peer_asn 16510 does not match Amazon.com (peer_participant_id 1418), which is AS16509"),
        ("peer_asn=", "sendRequest needs peer_asn"),
    ])
    func refusals(_ change: String, _ message: String) async throws {
        let t = try TestLedger(requests: seedSettings)
        var parameters = try Parameters(formEncoded: seedRequest).pairs
        for pair in try Parameters(formEncoded: change).pairs {
            if let index = parameters.firstIndex(where: { $0.name == pair.name }) {
                parameters[index].value = pair.value
            } else {
                parameters.append(pair)
            }
        }
        let answer = try await t.call(try Parameters(parameters).formEncoded)
        #expect(answer.text == APIAnswer.failure(message).text)
        #expect(try t.eventCount() == 0)
        #expect(try t.outboxRows().isEmpty)
    }

    @Test("a network not present at the exchange is refused")
    func notPresent() async throws {
        let t = try TestLedger(requests: seedSettings)
        let answer = try await t.call(seedRequest.replacingOccurrences(of: "public_id=5", with: "public_id=18").replacingOccurrences(
            of: "peer_participant_id=1418&peer_asn=16509&peer_name=Amazon.com", with: "peer_participant_id=2&peer_asn=20940&peer_name=Akamai"))
        #expect(answer.message == "Akamai Technologies (peer_participant_id 2) is not present at LINX LON1 (public_id 18)")
        #expect(try t.eventCount() == 0)
    }

    @Test("a second request to the same network within 30 days is refused saying when the last went, unless force=1")
    func quietPeriod() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest)
        t.clock.set(Timestamp(parsing: "2014-05-01 08:00:00")!)
        let again = try await t.call(seedRequest.replacingOccurrences(of: "public_id=5", with: "public_id=1"))
        #expect(again.text == APIAnswer.failure(
            "A request to Amazon.com (peer_participant_id 1418) already went on 2014-04-23 10:31:33 UTC (request 1); another is allowed from 2014-05-23 10:31:33 UTC, or pass force=1 to send it now").text)
        #expect(try t.eventCount() == 1)
        let forced = try await t.call(seedRequest + "&force=1")
        #expect(forced.message == "Request sent")
        t.clock.set(Timestamp(parsing: "2014-06-02 08:00:00")!)
        #expect(try await t.call(seedRequest).message == "Request sent")
        #expect(try t.eventCount() == 3)
    }

    @Test("the quiet period is configurable")
    func quietPeriodConfigurable() async throws {
        var settings = seedSettings
        settings.quietPeriodSeconds = 3600
        let t = try TestLedger(requests: settings)
        try await t.call(seedRequest)
        t.clock.set(Timestamp(parsing: "2014-04-23 11:31:33")!)
        #expect(try await t.call(seedRequest).message == "Request sent")
    }

    @Test("sendRequest with status accepted records the answer too, with its history line")
    func accepted() async throws {
        let t = try TestLedger(requests: seedSettings)
        let answer = try await t.call(seedRequest.replacingOccurrences(of: "status=sent", with: "status=accepted"))
        #expect(answer.data?["request_status"] == .string("accepted"))
        #expect(try t.events().map(\.type) == ["PeeringRequestSent", "PeeringRequestAnswered"])
        let log = try #require(answer.data?["log_data"]?.arrayValue)
        #expect(log.map { $0["message"] } == [.string("Request accepted"), .string("Request sent to nalinmk@gmail.com")])
    }

    @Test("sendEmail writes the default request from the templates to the Policy contact")
    func sendEmailToPolicy() async throws {
        let t = try TestLedger(requests: seedSettings)
        let answer = try await t.call("action=sendEmail&participant_id=1418&public_id=1")
        #expect(answer.message == "Request sent")
        let request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["email_to"] == .string("Peering <peering@amazon.com>"))
        #expect(request["email_from"] == .string("Operations <ops@6connect.com>"))
        #expect(request["subject"] == .string("Peering request from 6connect, Inc. (AS8038)"))
        #expect(request["body"] == .string("""
            Peering,

            6connect, Inc., 8038, would like to peer with Amazon.com at our common locations.

            Facility, IP Address
            Equinix Palo Alto - 198.32.176.36
            Equinix Ashburn - 206.126.236.68
            Equinix Ashburn - 206.126.236.35
            Equinix Ashburn - 2001:504:0:2::1:6509
            Equinix San Jose - 206.223.116.177

            Sincerely,
            Operations
            ops@6connect.com

            6connect, Inc. information:
            Equinix Palo Alto, 198.32.176.51
            Equinix Palo Alto, 2001:504:d::33
            Equinix Ashburn, 206.126.236.20
            Equinix San Jose, 206.223.116.20

            PeeringDB: http://as8038.peeringdb.com


            """))
    }

    @Test("sendEmail falls back to Technical, then NOC, and refuses a network with none of them")
    func sendEmailFallback() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call("action=sendEmail&participant_id=2&public_id=1")
        #expect(try await t.call("action=getRequests&peer_participant_id=2").data?.arrayValue?.first?["email_to"] == .string("noc@akamai.com"))
        let none = try await t.call("action=sendEmail&participant_id=262&public_id=1")
        #expect(none.message == "1&1 Internet (participant_id 262) has no Policy, Technical or NOC contact with a valid email address; use sendRequest with email_to")
        #expect(try t.eventCount() == 1)
    }

    @Test("sendEmail with html templates sends HTML with its text alternative")
    func sendEmailHTML() async throws {
        var settings = seedSettings
        settings.emailType = .html
        let t = try TestLedger(requests: settings)
        try await t.call("action=sendEmail&participant_id=1418&public_id=1")
        let message: String = try #require(try t.outboxRows().first)["message"]
        #expect(message.contains("Content-Type: multipart/alternative"))
        #expect(message.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPeering,\r\n"))
        let request = try #require(try await t.call("action=getRequests").data?.arrayValue?.first)
        #expect(request["email_type"] == .string("html"))
        let html = try #require(request["body"]?.stringValue)
        #expect(html.contains("<tr><td>Equinix Ashburn</td><td>206.126.236.68<br>206.126.236.35<br>2001:504:0:2::1:6509<br></td><td>206.126.236.20<br></td></tr>"))
        #expect(html.contains("<p>6connect, Inc., AS8038, would like to peer with Amazon.com (AS16509) at our common locations.</p>"))
    }

    @Test("sendRequest type html sends the HTML with a plain-text alternative read from it")
    func sendRequestHTML() async throws {
        let t = try TestLedger(requests: seedSettings)
        let html = "<p>Peering,</p><p>6connect, Inc. &amp; AS8038 would like to peer.</p><table><tr><td>Equinix Ashburn</td><td>206.126.236.68</td></tr></table>"
        let answer = try await t.call(
            seedRequest.replacingOccurrences(of: "type=text", with: "type=html").components(separatedBy: "&body=")[0]
                + "&body=" + Parameters.encode(html))
        #expect(answer.message == "Request sent")
        let event = try #require(try t.events().first)
        #expect(event.payload.contains(#""text_body":"Peering,\n\n6connect, Inc. & AS8038 would like to peer.\n\nEquinix Ashburn 206.126.236.68\n""#))
        let message: String = try #require(try t.outboxRows().first)["message"]
        #expect(message.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPeering,\r\n\r\n6connect, Inc. & AS8038 would like to peer.\r\n"))
        #expect(message.contains("Content-Type: text/html; charset=utf-8"))
    }

    @Test("operator templates replace the defaults and a malformed one is refused by name")
    func operatorTemplates() throws {
        let templates = try RequestTemplates(subject: "Peering with AS{{our_asn}}", text: "Hi {{peer_name}}: {{#exchanges}}{{name}};{{/exchanges}}", html: "<p>{{peer_name}}</p>")
        let context = RequestTemplateContext(
            ours: DirectoryNetwork(participantID: 2335, asn: 8038, name: "6connect, Inc."),
            peer: DirectoryNetwork(participantID: 262, asn: 8560, name: "1&1 Internet"),
            exchanges: [CommonExchange(publicID: 1, name: "Equinix Ashburn", ourAddresses: [], theirAddresses: [])],
            contactName: "Ops", contactEmail: "ops@6connect.com")
        let rendered = templates.render(context)
        #expect(rendered.subject == "Peering with AS8038")
        #expect(rendered.text == "Hi 1&1 Internet: Equinix Ashburn;")
        #expect(rendered.html == "<p>1&amp;1 Internet</p>")
        #expect(throws: Refusal.self) { try RequestTemplates(subject: "{{#open}}", text: "", html: "") }
    }

    @Test("rebuilding the projections from the log gives the same requests and history")
    func rebuild() async throws {
        let t = try TestLedger(requests: seedSettings)
        try await t.call(seedRequest)
        try await t.call("action=sendEmail&participant_id=2&public_id=1")
        let result = try t.ledger.rebuild()
        #expect(result.matches)
    }
}
