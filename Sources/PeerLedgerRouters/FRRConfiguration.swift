import PeerLedger
import PeerLedgerDomain
/// FRR's vtysh commands for a neighbor, in the seed's shape (`conf t` ... `end`, `write`), with
/// the address-family part explicit so IPv6 neighbors are activated where they belong.
enum FRRConfiguration {
    static let descriptionLimit = 80

    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.configure(n, platform: .frr)
    }

    static func remove(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.remove(n, platform: .frr)
    }
}
