import Foundation
import Testing

@testable import PeerLedger

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

    @Test("A peer group of two words (the seed's 'group b') is refused for FRR, naming peer_group")
    func seedGroupRefusedForFRR() {
        #expect(throws: Refusal.self) { try RouterConfiguration.render(akamaiNeighbor(group: "group b"), platform: .frr, operation: .configure) }
        do {
            _ = try RouterConfiguration.render(akamaiNeighbor(group: "group b"), platform: .frr, operation: .configure)
        } catch {
            #expect(error.message.hasPrefix("peer_group 'group b' cannot be rendered for frr"))
        }
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
