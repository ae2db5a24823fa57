import Foundation
public import PeerLedger
import PeerLedgerDomain
public import PeerLedgerRouters

/// A router in memory: records what was pushed, answers with scripted neighbors and failures.
public final class FakeRouter: RouterConnector, RouterConnection, @unchecked Sendable {
    private let lock = NSLock()
    private var _pushed: [RouterConfiguration] = []
    private var _failure: RouterAccessError?
    private var _neighbors: [ObservedNeighbor] = []
    private var _running = ""
    private var _credentials: [RouterCredentials?] = []

    public init() {}

    public var pushed: [RouterConfiguration] { lock.withLock { _pushed } }
    public var credentialsSeen: [RouterCredentials?] { lock.withLock { _credentials } }
    public func fail(with error: RouterAccessError?) { lock.withLock { _failure = error } }
    public func report(_ neighbors: [ObservedNeighbor]) { lock.withLock { _neighbors = neighbors } }
    public func setRunning(_ text: String) { lock.withLock { _running = text } }

    public func connection(to router: BGPRouter, credentials: RouterCredentials?, storedPassword: String?) -> any RouterConnection {
        lock.withLock { _credentials.append(credentials) }
        return self
    }

    public func push(_ configuration: RouterConfiguration) async throws(RouterAccessError) {
        let failure = lock.withLock { _failure }
        if let failure { throw failure }
        lock.withLock { _pushed.append(configuration) }
    }

    public func runningConfiguration() async throws(RouterAccessError) -> String {
        let failure = lock.withLock { _failure }
        if let failure { throw failure }
        return lock.withLock { _running }
    }

    public func neighbors() async throws(RouterAccessError) -> [ObservedNeighbor] {
        let failure = lock.withLock { _failure }
        if let failure { throw failure }
        return lock.withLock { _neighbors }
    }
}

