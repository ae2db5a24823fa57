import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The rendered configurations checked by the daemons' own parsers (installed by .ci/run).
@Suite("Rendered configurations pass FRR's and BIRD's own parsers")
struct DaemonSyntaxTests {
    static func run(_ arguments: [String]) async throws -> CommandResult {
        try await CommandRunner.execute(arguments, timeout: .seconds(30))
    }

    static func temporaryFile(_ text: String, suffix: String) throws -> URL {
        let url = Scratch.url("peerledger-\(UUID().uuidString)\(suffix)")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The seed's sessions, IPv4 and IPv6, with and without group, password and limit, and with
    /// the seed's own two-word groups.
    static var neighbors: [Neighbor] {
        var v6 = akamaiNeighbor(group: nil, password: nil, note: "I'm a fancy note.")
        v6.address = IPAddress("2001:504:0:2::1:6509:1")!
        v6.localAddress = nil
        v6.maximumPrefixes = nil
        return [
            akamaiNeighbor(note: "I'm a fancy note."), akamaiNeighbor(group: nil, password: "0"), v6,
            akamaiNeighbor(group: "group a", password: "0"), akamaiNeighbor(group: "group b"),
        ]
    }

    @Test(
        "vtysh --dryrun accepts every rendered FRR configuration (and refuses a broken one)",
        .enabled(if: toolAvailable("vtysh"), "needs vtysh (apt-get install frr; .ci/run installs it)"))
    func frrDryRun() async throws {
        for neighbor in Self.neighbors {
            for operation in [ConfigurationOperation.configure, .remove] {
                let configuration = try RouterConfiguration.render(neighbor, platform: .frr, operation: operation)
                // The dry run reads a configuration file: the same lines without entering and leaving config mode.
                let body = configuration.commandLines.filter { !["conf t", "end", "write"].contains($0) }
                let file = try Self.temporaryFile(body.joined(separator: "\n") + "\n", suffix: ".conf")
                defer { try? FileManager.default.removeItem(at: file) }
                let result = try await Self.run(["vtysh", "--dryrun", "-f", file.path])
                #expect(result.status == 0, "\(body.joined(separator: "\n"))\n\(result.output)\(result.errorOutput)")
            }
        }
        let broken = try Self.temporaryFile("router bgp 32787\n neighbor 206.126.236.102 remote-as 20940 extra\n", suffix: ".conf")
        defer { try? FileManager.default.removeItem(at: broken) }
        #expect(try await Self.run(["vtysh", "--dryrun", "-f", broken.path]).status != 0)
    }

    @Test(
        "bird -p accepts every rendered BIRD 2 block (and refuses a broken one)",
        .enabled(if: toolAvailable("bird"), "needs bird (apt-get install bird2; .ci/run installs it)"))
    func birdParse() async throws {
        for neighbor in Self.neighbors {
            let block = try RouterConfiguration.render(neighbor, platform: .bird2, operation: .configure).text
            // The templates the main configuration defines, under the groups' router-safe names.
            let main = "router id 192.0.2.1;\ntemplate bgp group_b { }\ntemplate bgp group_a { }\n" + block
            let file = try Self.temporaryFile(main, suffix: ".conf")
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try await Self.run(["bird", "-p", "-c", file.path])
            #expect(result.status == 0, "\(main)\n\(result.output)\(result.errorOutput)")
        }
        let broken = try Self.temporaryFile("router id 192.0.2.1;\nprotocol bgp x { neighbor 192.0.2.2 as; }\n", suffix: ".conf")
        defer { try? FileManager.default.removeItem(at: broken) }
        #expect(try await Self.run(["bird", "-p", "-c", broken.path]).status != 0)
    }
}
