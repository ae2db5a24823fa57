import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One TLS connection to a test server that stays open between requests and sends bytes exactly
/// as given: what a test needs to see which certificate a connection got, to keep a connection
/// across a certificate reload, to speak HTTP/1.0 over TLS, and to offer old TLS versions. Every
/// wait is bounded.
final class TLSConnection: Sendable {
    private let channel: any Channel
    private let received: Received

    /// What the connection has read so far, whether it ended, and the error that ended it.
    final class Received: Sendable {
        let state = Mutex<(bytes: [UInt8], closed: Bool, error: String?)>(([], false, nil))
    }

    /// Collects what the server sends.
    final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: Received
        init(received: Received) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            received.state.withLock { $0.bytes += bytes }
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.state.withLock { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            received.state.withLock { $0.error = $0.error ?? String(describing: error) }
            context.close(promise: nil)
        }
    }

    /// Connects to 127.0.0.1:`port`, trusting the test's CA. `minimum` and `maximum` limit the
    /// versions the client offers (TLS 1.0 only, say); `ciphers` adds the suites an old version needs.
    static func connect(
        port: Int, trusting caFile: String, minimum: TLSVersion? = nil, maximum: TLSVersion? = nil, ciphers: String? = nil
    ) async throws -> TLSConnection {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(caFile)
        if let minimum { configuration.minimumTLSVersion = minimum }
        if let maximum { configuration.maximumTLSVersion = maximum }
        if let ciphers { configuration.cipherSuites = ciphers }
        let context = try NIOSSLContext(configuration: configuration)
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TLSConnection(channel: channel, received: received)
    }

    private init(channel: any Channel, received: Received) {
        self.channel = channel
        self.received = received
    }

    deinit { channel.close(promise: nil) }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// One HTTP response: status, headers, and a Content-Length body.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// Waits at most `seconds` for one whole response, which it takes off what was read; nil if
    /// the connection ended or the time passed first.
    func readResponse(seconds: Double = 10) async throws -> Response? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let taken: Response? = received.state.withLock { state in
                let separator: [UInt8] = Array("\r\n\r\n".utf8)
                guard let end = state.bytes.firstRange(of: separator) else { return nil }
                let head = String(decoding: state.bytes[..<end.lowerBound], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let status = Int(lines.removeFirst().split(separator: " ").dropFirst().first ?? "") ?? 0
                var headers: [String: String] = [:]
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                guard state.bytes.count - end.upperBound >= length else { return nil }
                let body = String(decoding: state.bytes[end.upperBound..<(end.upperBound + length)], as: UTF8.self)
                state.bytes.removeFirst(end.upperBound + length)
                return Response(status: status, headers: headers, body: body)
            }
            if let taken { return taken }
            if received.state.withLock({ $0.closed }) { return nil }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// GET /health on this connection: the answer's status, nil if none came.
    func health() async throws -> Int? {
        try await send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return try await readResponse()?.status
    }

    /// True when the server ends the connection within `seconds`.
    func isClosedByServer(within seconds: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if received.state.withLock({ $0.closed }) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// The error that ended the connection (a refused handshake), if any.
    var error: String? { received.state.withLock { $0.error } }

    /// The server's certificate serial number, in hexadecimal, once the handshake is done.
    func peerSerial() async throws -> String? {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        let bytes = certificate.serialNumber.drop { $0 == 0 }
        return bytes.map { String(format: "%02X", $0) }.joined()
    }

    func negotiatedVersion() async throws -> TLSVersion? {
        try await channel.nioSSL_tlsVersion().get()
    }
}
