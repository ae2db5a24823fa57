public import Foundation

/// A certificate authority of the test's own, made by openssl, and server certificates it signs
/// for 127.0.0.1: what a test needs to serve HTTPS that a client can verify, with serial numbers
/// it chooses so that it can tell two certificates apart on the wire.
public struct TestCertificates: Sendable {
    public let folder: URL
    public let caFile: String

    public static let openssl: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    public static var available: Bool { openssl != nil }

    /// A new CA in a scratch folder of its own.
    public init() throws {
        folder = Scratch.url("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        caFile = folder.appendingPathComponent("ca.pem").path
        try Self.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", folder.appendingPathComponent("ca.key").path, "-out", caFile, "-subj", "/CN=PeerLedger Test CA",
            "-days", "2", "-set_serial", "1",
        ])
    }

    /// A server certificate for 127.0.0.1 and localhost, signed by the CA, and its key: the
    /// paths of two PEM files named after `name`.
    public func issue(commonName: String, serial: Int, name: String) throws -> (certificate: String, key: String) {
        let base = folder.appendingPathComponent(name).path
        try Self.run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=\(commonName)",
        ])
        let extensions = base + ".ext"
        try Data(
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
                .utf8
        ).write(to: URL(fileURLWithPath: extensions))
        try Self.run([
            "x509", "-req", "-in", base + ".csr", "-CA", caFile, "-CAkey", folder.appendingPathComponent("ca.key").path,
            "-set_serial", String(serial), "-days", "2", "-out", base + ".pem", "-extfile", extensions,
        ])
        return (base + ".pem", base + ".key")
    }

    /// Replaces the bytes of `path` with those of `source` in one rename, as certbot's deploy
    /// step or an operator's `mv` does.
    public static func replace(_ path: String, with source: String) throws {
        let staged = path + ".new"
        try? FileManager.default.removeItem(atPath: staged)
        try FileManager.default.copyItem(atPath: source, toPath: staged)
        guard rename(staged, path) == 0 else { throw TestFailure("rename \(staged) to \(path) failed: errno \(errno)") }
    }

    private static func run(_ arguments: [String]) throws {
        guard let openssl else { throw TestFailure("openssl is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        if done.wait(timeout: .now() + 30) == .timedOut {
            process.terminate()
            throw TestFailure("openssl \(arguments.first ?? "") did not finish within 30 s")
        }
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
