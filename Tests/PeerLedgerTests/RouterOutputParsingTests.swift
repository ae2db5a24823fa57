import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

@Suite("Reading BGP state from FRR and BIRD")
struct RouterOutputParsingTests {
    @Test("FRR's show bgp neighbors json gives each neighbor's state and accepted prefixes")
    func frrNeighbors() throws {
        let text = try String(contentsOf: testsFile("Golden/routers/frr-show-bgp-neighbors.json"), encoding: .utf8)
        let neighbors = try FRRNeighbors.parse(text)
        #expect(neighbors.count == 2)
        let up = try #require(neighbors.first { $0.address == "10.99.0.2" })
        #expect(up.state == .established)
        #expect(up.prefixesReceived == 10)
        #expect(up.remoteASN == 65002)
        #expect(up.lastError == nil)
        let waiting = try #require(neighbors.first { $0.address == "10.99.0.9" })
        #expect(waiting.state == .active)
        #expect(waiting.prefixesReceived == 0)
    }

    @Test("FRR's maximum-prefix teardown reads as idle with the notification reason")
    func frrMaximumPrefix() throws {
        let text = #"""
            {"10.99.0.2":{"remoteAs":65002,"bgpState":"Idle","addressFamilyInfo":{"ipv4Unicast":{"acceptedPrefixCounter":0,"prefixAllowedMax":5}},
             "lastErrorCodeSubcode":"0601","lastNotificationReason":"Cease\/Maximum Number of Prefixes Reached","lastResetDueTo":"BGP Notification send"}}
            """#
        let neighbor = try #require(try FRRNeighbors.parse(text).first)
        #expect(neighbor.state == .idle)
        #expect(neighbor.lastError == "Cease/Maximum Number of Prefixes Reached")
    }

    @Test("FRR output that is not JSON is reported as the router's answer, not a crash")
    func frrGarbage() {
        #expect(throws: RouterAccessError.self) { try FRRNeighbors.parse("% Unknown command: show bgp neighbors jsn") }
    }

    @Test("BIRD's show protocols all gives each BGP protocol's neighbor, state, routes and last error")
    func birdProtocols() throws {
        let text = try String(contentsOf: testsFile("Golden/routers/bird-show-protocols-all.txt"), encoding: .utf8)
        let neighbors = try BIRDProtocols.parse(text)
        #expect(neighbors.count == 1)
        #expect(neighbors.first?.address == "10.99.0.1")
        #expect(neighbors.first?.state == .established)
        #expect(neighbors.first?.remoteASN == 65001)
        #expect(neighbors.first?.prefixesReceived == 0)
        let down = """
            BIRD 2.0.12 ready.
            Name       Proto      Table      State  Since         Info
            peerledger_session_2 BGP        ---        start  13:26:56.842  Active        Socket: Connection closed
              BGP state:          Active
                Neighbor address: 206.126.236.102
                Neighbor AS:      20940
                Last error:       Socket: Connection closed
            """
        let active = try #require(try BIRDProtocols.parse(down).first)
        #expect(active.state == .active)
        #expect(active.lastError == "Socket: Connection closed")
        #expect(active.address == "206.126.236.102")
    }

    @Test("FRR reporting a prefix count no router holds is refused as the router's answer, never summed into an overflow")
    func frrHugeCounts() throws {
        func output(_ ipv4: String, _ ipv6: String) -> String {
            #"{"206.126.236.68":{"remoteAs":16509,"bgpState":"Established","addressFamilyInfo":{"ipv4Unicast":{"acceptedPrefixCounter":\#(ipv4)},"ipv6Unicast":{"acceptedPrefixCounter":\#(ipv6)}}}}"#
        }
        #expect(try FRRNeighbors.parse(output("150", "20")).first?.prefixesReceived == 170)
        for (ipv4, ipv6) in [
            ("9223372036854775807", "1"), ("4294967295", "1"), ("-1", "0"), ("99999999999999999999999", "0"), ("1.5", "0"),
        ] {
            #expect(throws: RouterAccessError.self, "\(ipv4) + \(ipv6)") { try FRRNeighbors.parse(output(ipv4, ipv6)) }
        }
        #expect(throws: RouterAccessError.rejected(
            "FRR reported acceptedPrefixCounter 9223372036854775807 for neighbor 206.126.236.68 (ipv4Unicast): not a prefix count from 0 to 4294967295")
        ) { try FRRNeighbors.parse(output("9223372036854775807", "1")) }
    }

    @Test("BIRD reporting more routes than fit in a count is refused as the router's answer, never summed into an overflow")
    func birdHugeRoutes() throws {
        func output(_ first: String, _ second: String) -> String {
            """
            BIRD 2.0.12 ready.
            peerledger_session_1 BGP        ---        up     13:26:56.842  Established
              BGP state:          Established
                Neighbor address: 206.126.236.68
                Neighbor AS:      16509
              Channel ipv4
                Routes:         \(first) imported, 0 exported, 0 preferred
              Channel ipv6
                Routes:         \(second) imported, 0 exported, 0 preferred
            """
        }
        #expect(try BIRDProtocols.parse(output("150", "20")).first?.prefixesReceived == 170)
        for (first, second) in [("9223372036854775807", "1"), ("99999999999999999999", "0"), ("4294967295", "1")] {
            #expect(throws: RouterAccessError.self, "\(first) + \(second)") { try BIRDProtocols.parse(output(first, second)) }
        }
        #expect(throws: RouterAccessError.rejected(
            "BIRD reported 99999999999999999999 routes for 206.126.236.68: not a prefix count from 0 to 4294967295")
        ) { try BIRDProtocols.parse(output("99999999999999999999", "0")) }
    }
}
