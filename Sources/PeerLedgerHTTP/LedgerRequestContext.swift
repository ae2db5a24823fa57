public import Hummingbird
public import NIOCore

/// The per-request context: Hummingbird's core storage plus the caller's address, which the
/// ledger records in each event's metadata.
public struct LedgerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
