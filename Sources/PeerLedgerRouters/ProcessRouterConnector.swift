public import PeerLedger
import PeerLedgerDomain
/// The real connector: vtysh for FRR, birdc for BIRD, on this host or (FRR) over SSH.
public struct ProcessRouterConnector: RouterConnector {
    /// The deadline of each command's whole exchange with the router.
    public var timeout: Duration

    public init(timeout: Duration = .seconds(30)) { self.timeout = timeout }

    public func connection(to router: BGPRouter, credentials: RouterCredentials?, storedPassword: String?) -> any RouterConnection {
        let access = router.access
        let place: CommandRunner.Place
        switch access.kind {
        case .local:
            place = .local(netns: access.netns)
        case .ssh:
            guard let host = access.host else { return UnsupportedConnection(reason: "\(router.name) has ssh access but no host") }
            place = .ssh(
                host: host, port: access.port ?? 22, user: credentials?.username ?? access.user,
                keyFile: credentials?.password == nil ? access.keyFile : nil, password: credentials?.password ?? storedPassword)
        }
        let runner = CommandRunner(place: place, timeout: timeout)
        switch router.platform {
        case .frr:
            return VtyshConnection(
                runner: runner, socketDirectory: access.vtyshSocket, configDirectory: access.vtyshConfigDir, routerName: router.name)
        case .bird2:
            return BIRDConnection(runner: runner, socket: access.birdSocket, configDirectory: access.birdConfigDir, routerName: router.name)
        case .ciscoIOS, .junos:
            return UnsupportedConnection(
                reason: "\(router.name) is a \(router.platform.rawValue) router: PeerLedger renders its configuration (dry_run=1) but pushes only to frr and bird2 routers")
        }
    }
}
