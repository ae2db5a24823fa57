import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

@Suite("Rendering router configurations")
struct RenderingTests {
    @Test("FRR configuration follows the seed's example: conf t, router bgp, neighbor lines, end, write")
    func frrFollowsSeed() throws {
        let text = try RouterConfiguration.render(akamaiNeighbor(), platform: .frr, operation: .configure).text
        #expect(
            text == """
                conf t
                router bgp 32787
                neighbor group_b peer-group
                neighbor 206.126.236.102 remote-as 20940
                neighbor 206.126.236.102 peer-group group_b
                neighbor 206.126.236.102 description Akamai Technologies
                neighbor 206.126.236.102 update-source 1.2.3.4
                neighbor 206.126.236.102 password s3cr3tpw
                address-family ipv4 unicast
                neighbor 206.126.236.102 activate
                neighbor 206.126.236.102 maximum-prefix 20
                exit-address-family
                end
                write

                """)
    }

    @Test("Cisco IOS and Junos renderings match their golden files", arguments: [RouterPlatform.ciscoIOS, .junos])
    func goldenFiles(platform: RouterPlatform) throws {
        for operation in [ConfigurationOperation.configure, .remove] {
            let text = try RouterConfiguration.render(akamaiNeighbor(note: "I'm a fancy note."), platform: platform, operation: operation).text
            let golden = try String(contentsOf: testsFile("Golden/routers/akamai-\(platform.rawValue)-\(operation.rawValue).txt"), encoding: .utf8)
            #expect(text == golden)
        }
    }

    @Test("An IPv6 session is activated under address-family ipv6 (FRR) and family inet6 (Junos)")
    func ipv6Families() throws {
        var neighbor = akamaiNeighbor()
        neighbor.address = IPAddress("2001:504:0:2::6509:1")!
        neighbor.localAddress = "2001:504:0:2::8013:1"
        let frr = try RouterConfiguration.render(neighbor, platform: .frr, operation: .configure).text
        #expect(frr.contains("address-family ipv6 unicast\nneighbor 2001:504:0:2::6509:1 activate\nneighbor 2001:504:0:2::6509:1 maximum-prefix 20\n"))
        let junos = try RouterConfiguration.render(neighbor, platform: .junos, operation: .configure).text
        #expect(junos.contains("neighbor 2001:504:0:2::6509:1 family inet6 unicast prefix-limit maximum 20"))
        let bird = try RouterConfiguration.render(neighbor, platform: .bird2, operation: .configure).text
        #expect(bird.contains("  ipv6 {\n"))
    }

    @Test("Descriptions are trimmed to what the platform accepts: 80 characters on FRR, 255 on Junos")
    func descriptionLimits() throws {
        var neighbor = akamaiNeighbor()
        neighbor.description = String(repeating: "Akamai ", count: 50)
        let frr = try RouterConfiguration.render(neighbor, platform: .frr, operation: .configure)
        let frrLine = try #require(frr.commandLines.first { $0.contains("description") })
        #expect(frrLine == "neighbor 206.126.236.102 description " + String(neighbor.description!.prefix(80)))
        let junos = try RouterConfiguration.render(neighbor, platform: .junos, operation: .configure)
        let junosLine = try #require(junos.commandLines.first { $0.contains("description") })
        #expect(junosLine.hasSuffix(" description \"" + String(neighbor.description!.prefix(255)) + "\""))
    }

    @Test("Every password in a rendered configuration is <redacted> in its logged form, on every platform", arguments: RouterPlatform.allCases)
    func redaction(platform: RouterPlatform) throws {
        let configuration = try RouterConfiguration.render(akamaiNeighbor(password: "0"), platform: platform, operation: .configure)
        #expect(configuration.text.contains("0"))
        #expect(configuration.redacted.contains("<redacted>"))
        for line in configuration.redacted.split(separator: "\n") where line.contains("password") || line.contains("authentication-key") {
            #expect(line.hasSuffix("<redacted>") || line.hasSuffix("\"<redacted>\"") || line.hasSuffix("\"<redacted>\";"))
        }
        let long = try RouterConfiguration.render(akamaiNeighbor(password: "TopSecret42"), platform: platform, operation: .configure)
        #expect(!long.redacted.contains("TopSecret42"))
    }

    @Test("The seed's peer groups 'group a' and 'group b' render on every platform under their router-safe names")
    func seedGroupsRender() throws {
        let expected: [RouterPlatform: String] = [.frr: "group-a", .ciscoIOS: "group-a", .junos: "group-a", .bird2: "group_a"]
        for platform in RouterPlatform.allCases {
            let configuration = try RouterConfiguration.render(akamaiNeighbor(group: "group a"), platform: platform, operation: .configure)
            let name = try #require(expected[platform])
            #expect(configuration.peerGroup == name)
            switch platform {
            case .frr, .ciscoIOS:
                #expect(configuration.commandLines.contains("neighbor \(name) peer-group"))
                #expect(configuration.commandLines.contains("neighbor 206.126.236.102 peer-group \(name)"))
            case .junos:
                #expect(configuration.commandLines.first == "set protocols bgp group \(name) type external")
            case .bird2:
                #expect(configuration.commandLines.contains("protocol bgp peerledger_session_2 from \(name) {"))
            }
            #expect(!configuration.text.contains("group a"))
        }
        let junosRemove = try RouterConfiguration.render(akamaiNeighbor(group: "group b"), platform: .junos, operation: .remove)
        #expect(junosRemove.text == "delete protocols bgp group group-b neighbor 206.126.236.102\n")
    }

    @Test("A router-safe name: runs of other characters become one separator, none at the ends, at most 64 characters")
    func routerSafeNames() throws {
        func name(_ value: String, _ platform: RouterPlatform = .frr) throws -> String {
            try ConfigurationValues.routerName(value, field: "peer_group", platform: platform)
        }
        // Names the platform accepts are kept as they are.
        #expect(try name("LAME-PEERS") == "LAME-PEERS")
        #expect(try name("ix.peers_v4") == "ix.peers_v4")
        #expect(try name("LAB_PEERS", .bird2) == "LAB_PEERS")
        // Others are mapped, the same way every time.
        #expect(try name("group a") == "group-a")
        #expect(try name("  Équipe / Paris  ") == "Equipe-Paris")
        #expect(try name("Übergabe Köln", .bird2) == "Ubergabe_Koln")
        #expect(try name("Transit (Tier 1)") == "Transit-Tier-1")
        #expect(try name("LAME-PEERS", .bird2) == "LAME_PEERS")
        #expect(try name("ix.peers", .bird2) == "ix_peers")
        #expect(try name("1st tier", .bird2) == "_1st_tier")
        #expect(try name("1st tier") == "1st-tier")
        let long = String(repeating: "peer group ", count: 10)
        let cut = try name(long)
        #expect(cut.count <= 64)
        #expect(cut == String(String(repeating: "peer-group-", count: 6).prefix(64)).trimmingCharacters(in: ["-"]))
        #expect(try name(long) == cut)
        // Nothing to make a name of, or a sign of injection: refused, naming the parameter.
        #expect(throws: Refusal("peer_group '東京 ÷' cannot be rendered for frr: it has no ASCII letter or digit to make a router-safe name of")) {
            try name("東京 ÷")
        }
        #expect(throws: Refusal.self) { try name("group a\nneighbor 192.0.2.66 remote-as 666") }
        #expect(throws: Refusal.self) { try name("group a; delete protocols bgp", .junos) }
    }

    @Test("Injection attempts in peer name, group, password and note are refused for every platform, naming the field",
        arguments: RouterPlatform.allCases)
    func injectionRefused(platform: RouterPlatform) {
        let attacks = [
            "x\nneighbor 192.0.2.66 remote-as 666", "x\r\nend", "x; delete protocols bgp", "x\" ; \"", "x { }", "x}", "x{",
            "x\\", "x\u{2028}y", "x\u{0}",
        ]
        for field in ["peer_name", "peer_group", "password", "note"] {
            for attack in attacks {
                var neighbor = akamaiNeighbor()
                switch field {
                case "peer_name": neighbor.description = attack
                case "peer_group": neighbor.group = attack
                case "password": neighbor.password = attack
                default: neighbor.note = attack
                }
                do {
                    let rendered = try RouterConfiguration.render(neighbor, platform: platform, operation: .configure)
                    Issue.record("\(platform.rawValue) rendered \(field) = \(attack.debugDescription): \(rendered.text)")
                } catch {
                    #expect(error.message.hasPrefix(field), "\(error.message)")
                }
            }
        }
    }
}
