import Foundation

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

/// A router in memory: records what was pushed, answers with scripted neighbors and failures.
final class FakeRouter: RouterConnector, RouterConnection, @unchecked Sendable {
    private let lock = NSLock()
    private var _pushed: [RouterConfiguration] = []
    private var _failure: RouterAccessError?
    private var _neighbors: [ObservedNeighbor] = []
    private var _running = ""
    private var _credentials: [RouterCredentials?] = []

    var pushed: [RouterConfiguration] { lock.withLock { _pushed } }
    var credentialsSeen: [RouterCredentials?] { lock.withLock { _credentials } }
    func fail(with error: RouterAccessError?) { lock.withLock { _failure = error } }
    func report(_ neighbors: [ObservedNeighbor]) { lock.withLock { _neighbors = neighbors } }
    func setRunning(_ text: String) { lock.withLock { _running = text } }

    func connection(to router: BGPRouter, credentials: RouterCredentials?, storedPassword: String?) -> any RouterConnection {
        lock.withLock { _credentials.append(credentials) }
        return self
    }

    func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) {
        let failure = lock.withLock { _failure }
        if let failure { throw failure }
        lock.withLock { _pushed.append(configuration) }
    }

    func runningConfiguration() async throws(RouterAccessError) -> String {
        let failure = lock.withLock { _failure }
        if let failure { throw failure }
        return lock.withLock { _running }
    }

    func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] {
        let failure = lock.withLock { _failure }
        if let failure { throw failure }
        return lock.withLock { _neighbors }
    }
}

/// The seed's Akamai neighbor as a renderer takes it.
func akamaiNeighbor(group: String? = "group_b", password: String? = "s3cr3tpw", note: String? = nil) -> Neighbor {
    Neighbor(
        sessionID: 2, localASN: 32787, localAddress: "1.2.3.4", address: IPAddress("206.126.236.102")!, remoteASN: 20940,
        description: "Akamai Technologies", group: group, maximumPrefixes: 20, password: password, note: note)
}

/// The path of a file under Tests/ (golden files live outside the test targets).
func testsFile(_ relative: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(relative)
}
