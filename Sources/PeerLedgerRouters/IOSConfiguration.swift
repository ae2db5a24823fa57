import PeerLedger
import PeerLedgerDomain
/// Cisco IOS commands: FRR's shape, with the password's encryption type (`0`, clear text) and
/// no `update-source` (IOS takes an interface there, not an address).
enum IOSConfiguration {
    static func configure(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.configure(n, platform: .ciscoIOS)
    }

    static func remove(_ n: Neighbor) throws(Refusal) -> String {
        try CLIConfiguration.remove(n, platform: .ciscoIOS)
    }
}
