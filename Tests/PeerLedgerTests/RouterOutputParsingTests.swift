import Foundation
import Testing

@testable import PeerLedger

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
}
