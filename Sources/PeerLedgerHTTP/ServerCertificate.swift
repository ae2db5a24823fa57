package import Foundation
package import NIOSSL

/// The server's certificate chain and private key, read from PEM files and checked before any
/// client sees them: both files readable, the key unencrypted and belonging to the leaf
/// certificate, the leaf valid now. A pair that fails a check is refused with the reason, naming
/// the file, never the key's bytes.
package struct ServerCertificate: Sendable {
    package let chain: [NIOSSLCertificate]
    package let key: NIOSSLPrivateKey
    package let certificateFile: String
    package let keyFile: String

    package static func load(certificateFile: String, keyFile: String, now: Date = Date()) throws(CertificateProblem) -> ServerCertificate {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(try Self.bytes(of: certificateFile, role: "certificate"))
        } catch let problem as CertificateProblem {
            throw problem
        } catch {
            throw CertificateProblem("the TLS certificate \(certificateFile) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        guard let leaf = chain.first else {
            throw CertificateProblem("the TLS certificate \(certificateFile) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: try Self.bytes(of: keyFile, role: "key"), format: .pem)
        } catch let problem as CertificateProblem {
            throw problem
        } catch {
            throw CertificateProblem(
                "the TLS key \(keyFile) holds no PEM private key, or one protected by a passphrase, which serve cannot ask for")
        }
        let certificate = ServerCertificate(chain: chain, key: key, certificateFile: certificateFile, keyFile: keyFile)
        let seconds = Int(now.timeIntervalSince1970)
        guard seconds >= leaf.notValidBefore else {
            throw CertificateProblem("the TLS certificate \(certificateFile) is not valid before \(Self.utc(leaf.notValidBefore))")
        }
        guard seconds <= leaf.notValidAfter else {
            throw CertificateProblem("the TLS certificate \(certificateFile) expired on \(Self.utc(leaf.notValidAfter))")
        }
        // BoringSSL refuses a key that does not belong to the leaf when a context is built from
        // the pair: the same check a handshake would fail later, made now.
        do {
            _ = try NIOSSLContext(configuration: certificate.baseConfiguration)
        } catch {
            throw CertificateProblem("the TLS key \(keyFile) does not belong to the certificate \(certificateFile)")
        }
        return certificate
    }

    /// TLS 1.2 and 1.3 only, this pair; what every handshake starts from.
    var baseConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        // Closing a connection, the server sends close_notify and waits for the client's. Clients
        // that keep an idle connection open rarely answer, and NIOSSL's default 5 s wait for each
        // would lengthen every graceful stop by that much; nothing of ours depends on the answer.
        configuration.shutdownTimeout = .seconds(1)
        return configuration
    }

    /// The leaf's serial number in hexadecimal, as `openssl x509 -serial` prints it.
    package var serial: String {
        let bytes = chain[0].serialNumber.drop { $0 == 0 }
        return bytes.isEmpty ? "00" : bytes.map { String(format: "%02X", $0) }.joined()
    }

    /// The leaf's common name, if it has one (NIOSSL shows it only in the description).
    package var commonName: String? {
        let description = chain[0].description
        guard let start = description.range(of: ";common_name=")?.upperBound else { return nil }
        let rest = description[start...]
        return String(rest.prefix { $0 != ";" && $0 != ">" })
    }

    package var notValidAfter: String { Self.utc(chain[0].notValidAfter) }

    /// What the log says of a certificate: enough to tell two apart, nothing secret.
    package var summary: String {
        "CN=\(commonName ?? "-"), serial \(serial), valid until \(notValidAfter), from \(certificateFile)"
    }

    private static func bytes(of path: String, role: String) throws(CertificateProblem) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? (error as NSError).code
            let reason =
                switch code {
                case Int(ENOENT), NSFileReadNoSuchFileError: "no such file"
                case Int(EACCES), NSFileReadNoPermissionError: "permission denied"
                default: "error \(code)"
                }
            throw CertificateProblem("the TLS \(role) \(path) cannot be read (\(reason))")
        }
    }

    private static func utc(_ time: time_t) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time)))
    }
}

/// Why a certificate and key were not taken, in a sentence naming the file.
package struct CertificateProblem: Error, Sendable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
