package import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the server's certificate on SIGHUP and logs the outcome: the new certificate's
/// serial and expiry, or why the old one is kept. Always in `serve`'s group, with or without
/// TLS, because SIGHUP's default action ends the process: `systemctl reload` must never stop
/// the server.
package struct CertificateReloading: Service {
    let certificate: ReloadingCertificate?
    let logger: Logger

    package init(certificate: ReloadingCertificate?, logger: Logger) {
        self.certificate = certificate
        self.logger = logger
    }

    package func run() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// One reload, as on SIGHUP.
    package func reload() {
        guard let certificate else {
            logger.notice("SIGHUP: serving plain HTTP, there is no certificate to reload")
            return
        }
        do {
            let new = try certificate.reload()
            logger.notice(
                "SIGHUP: TLS certificate reloaded; new connections get it",
                metadata: ["serial": "\(new.serial)", "common_name": "\(new.commonName ?? "-")", "not_after": "\(new.notValidAfter)"])
        } catch {
            let kept = certificate.certificate
            logger.error(
                "SIGHUP: TLS certificate not reloaded, \(error.message); the previous one stays in use",
                metadata: ["serial": "\(kept.serial)", "not_after": "\(kept.notValidAfter)"])
        }
    }
}
