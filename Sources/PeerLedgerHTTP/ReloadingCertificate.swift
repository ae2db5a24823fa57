package import NIOSSL
import Synchronization

/// The certificate new TLS connections are given. It starts as the pair loaded at start and is
/// replaced by `reload()`; each handshake asks for the newest (NIOSSL's context callback), so a
/// renewed certificate takes effect without a restart, and connections already open keep the
/// session they negotiated.
package final class ReloadingCertificate: Sendable {
    private let current: Mutex<ServerCertificate>

    package init(_ certificate: ServerCertificate) {
        current = Mutex(certificate)
    }

    package var certificate: ServerCertificate { current.withLock { $0 } }

    /// Reads the same two files again. A pair that passes every check replaces the current one;
    /// one that fails leaves the current one in place and says why.
    @discardableResult
    package func reload() throws(CertificateProblem) -> ServerCertificate {
        let old = certificate
        let new = try ServerCertificate.load(certificateFile: old.certificateFile, keyFile: old.keyFile)
        current.withLock { $0 = new }
        return new
    }

    /// The server's TLS configuration: TLS 1.2 and 1.3 only, and the newest pair at every handshake.
    package var tlsConfiguration: TLSConfiguration {
        var configuration = certificate.baseConfiguration
        configuration.sslContextCallback = { [self] _, promise in
            let pair = certificate
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return configuration
    }
}
