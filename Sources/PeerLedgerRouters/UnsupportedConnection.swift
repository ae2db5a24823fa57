import PeerLedger
import PeerLedgerDomain
/// Routers PeerLedger can render for but not reach itself (Junos, IOS without SSH access): every
/// use says so, as an unreachable router.
struct UnsupportedConnection: RouterConnection {
    let reason: String
    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) { throw .unreachable(reason) }
    func runningConfiguration() async throws(RouterAccessError) -> String { throw .unreachable(reason) }
    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] { throw .unreachable(reason) }
}
