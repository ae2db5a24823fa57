import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerFixtures

/// `peerledger generate-peeringdb OUT`: a synthetic PeeringDB data set for benchmarks.
struct GeneratePeeringDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-peeringdb",
        abstract: "Write a synthetic PeeringDB-shaped data set (default: today's real scale) into a folder.")

    @Argument(help: "The folder to write org.json, ix.json, ... into.") var folder: String
    @Option(help: "Random seed (the same seed gives the same files).") var seed: UInt64 = 1
    @Option(help: "Networks.") var networks = 33_000
    @Option(help: "Exchanges.") var exchanges = 1_300
    @Option(help: "Network-at-exchange links (netixlan).") var netixlans = 60_000
    @Option(help: "Contacts (poc).") var contacts = 30_000
    @Option(help: "Members of exchange 1.") var bigExchangeMembers = 1_000

    func validate() throws {
        // Ids and ASNs are derived from these counts (AS64512 + id): a count in the billions
        // would leave the ASN range.
        for (value, option) in [
            (networks, "--networks"), (exchanges, "--exchanges"), (netixlans, "--netixlans"), (contacts, "--contacts"),
            (bigExchangeMembers, "--big-exchange-members"),
        ] {
            try require(value, in: 0...10_000_000, option: option)
        }
        guard networks >= bigExchangeMembers, bigExchangeMembers >= 1, exchanges >= 2, netixlans >= bigExchangeMembers,
            contacts >= 1
        else {
            throw ValidationError("need networks >= big-exchange-members >= 1, exchanges >= 2, netixlans >= big-exchange-members, contacts >= 1")
        }
    }

    func run() async throws {
        var set = SyntheticPeeringDB()
        set.seed = seed
        set.networks = networks
        set.exchanges = exchanges
        set.netixlans = netixlans
        set.contacts = contacts
        set.bigExchangeMembers = bigExchangeMembers
        try set.write(to: URL(fileURLWithPath: folder, isDirectory: true))
        print("Wrote \(networks) nets, \(exchanges) ix, \(netixlans) netixlan, \(contacts) poc to \(folder)")
    }
}
