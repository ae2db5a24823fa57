import Foundation
public import NIOCore
public import NIOPosix
import NIOSSL
import PeerLedger
import PeerLedgerDomain
import Synchronization

/// A small SMTP client (RFC 5321) over SwiftNIO: one connection per message, EHLO (HELO when the
/// server does not know EHLO), STARTTLS or implicit TLS, AUTH PLAIN or LOGIN, MAIL FROM, one
/// RCPT TO per envelope recipient, DATA, QUIT. No Swift SMTP package exists on these machines,
/// and a peering request needs nothing more.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    public init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Sends one message and returns the server's reply to the end of DATA (its acceptance).
    /// Throws `SMTPError` with the server's reply when any step is refused.
    @discardableResult
    public func send(from sender: String, to recipients: [String], message: String) async throws -> SMTPReply {
        let session = try await SMTPSession.connect(configuration, group: group)
        do {
            let accepted = try await session.deliver(from: sender, to: recipients, data: SMTPData.encode(message))
            await session.quit()
            return accepted
        } catch {
            await session.quit()
            throw error
        }
    }
}

/// One connection's conversation, step by step.
final class SMTPSession: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPReplyHandler>
    let configuration: SMTPConfiguration
    /// What the server offered in its last EHLO answer (upper-cased keywords with their parameters).
    private let extensions = Mutex<[String: String]>([:])
    private let secured: Mutex<Bool>

    private init(channel: any Channel, handler: NIOLoopBound<SMTPReplyHandler>, configuration: SMTPConfiguration) {
        self.channel = channel
        self.handler = handler
        self.configuration = configuration
        self.secured = Mutex(configuration.security == .tls)
    }

    static func connect(_ configuration: SMTPConfiguration, group: any EventLoopGroup) async throws -> SMTPSession {
        let tls: NIOSSLContext? = configuration.security == .none ? nil : try makeTLSContext(configuration)
        let implicitTLS = configuration.security == .tls
        let host = configuration.host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(configuration.timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: serverName(host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPError.connection("cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self), eventLoop: channel.eventLoop)
        }.get()
        let session = SMTPSession(channel: channel, handler: handler, configuration: configuration)
        // Each reply has its own timeout; this bounds the whole conversation too (a server that
        // stops reading would otherwise hold a write forever). Cancelled when the channel closes.
        let (whole, overflow) = configuration.timeout.nanoseconds.multipliedReportingOverflow(by: 10)
        let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(overflow ? Int64.max : whole)) {
            handler.value.finish(.timeout(waitingFor: "the whole conversation (10 times the reply timeout)"))
        }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        do {
            try await session.expect(200..<300, after: "connecting (greeting)", reply: session.reply(to: "connecting (greeting)"))
            try await session.hello()
            if configuration.security == .starttls {
                guard session.offers("STARTTLS") else {
                    throw SMTPError.unsupported("the server does not offer STARTTLS, which the configuration requires")
                }
                try await session.command("STARTTLS", expecting: 200..<300)
                try await session.startTLS(tls)
                try await session.hello()
            }
            if let username = configuration.username {
                try await session.authenticate(username: username, password: configuration.password ?? "")
            }
        } catch {
            await session.quit()
            throw error
        }
        return session
    }

    static func makeTLSContext(_ configuration: SMTPConfiguration) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.trustRootsFile { tls.trustRoots = .file(file) }
        return try NIOSSLContext(configuration: tls)
    }

    /// SNI and certificate checks take a host name; for an IP literal NIOSSL takes none (and
    /// checks the address instead).
    static func serverName(_ host: String) -> String? {
        IPAddress(host) == nil ? host : nil
    }

    func deliver(from sender: String, to recipients: [String], data: [UInt8]) async throws -> SMTPReply {
        try await command("MAIL FROM:<\(sender)>", expecting: 200..<300)
        for recipient in recipients {
            try await command("RCPT TO:<\(recipient)>", expecting: 200..<300)
        }
        try await command("DATA", expecting: 300..<400)
        try await write(channel.allocator.buffer(bytes: data), what: "the message (end of DATA)")
        let accepted = try await reply(to: "the message (end of DATA)")
        try expect(200..<300, after: "the message (end of DATA)", reply: accepted)
        return accepted
    }

    /// Says goodbye and closes; never fails (the message is already accepted or already lost).
    func quit() async {
        if channel.isActive {
            _ = try? await command("QUIT", expecting: 200..<300)
        }
        try? await channel.close()
    }

    // MARK: Steps

    /// EHLO, falling back to HELO when the server does not understand EHLO.
    private func hello() async throws {
        let answer = try await send("EHLO \(configuration.heloName)")
        if answer.isPositive {
            var offered: [String: String] = [:]
            for line in answer.lines.dropFirst() {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard let keyword = parts.first else { continue }
                let name = keyword.split(separator: "=", maxSplits: 1)
                offered[name[0].uppercased()] = (parts.count > 1 ? String(parts[1]) : name.count > 1 ? String(name[1]) : "")
            }
            extensions.withLock { $0 = offered }
            return
        }
        guard answer.isPermanentFailure else { throw SMTPError.rejected(command: "EHLO", reply: answer) }
        try await command("HELO \(configuration.heloName)", expecting: 200..<300)
        extensions.withLock { $0 = [:] }
    }

    private func offers(_ keyword: String) -> Bool { extensions.withLock { $0[keyword] != nil } }

    private func startTLS(_ context: NIOSSLContext?) async throws {
        guard let context else { throw SMTPError.connection("no TLS context") }
        let host = configuration.host
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: context, serverHostname: SMTPSession.serverName(host)), position: .first)
            }.get()
        } catch {
            throw SMTPError.connection("STARTTLS: \(error)")
        }
        secured.withLock { $0 = true }
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN. The password is sent base64-encoded and never
    /// appears in an error: commands are named "AUTH PLAIN" / "AUTH LOGIN" only.
    private func authenticate(username: String, password: String) async throws {
        guard secured.withLock({ $0 }) || configuration.allowPlaintextAuth else {
            throw SMTPError.unsupported(
                "refusing to send the SMTP password over an unencrypted connection; use --smtp-security starttls or tls")
        }
        let mechanisms = Set((extensions.withLock { $0["AUTH"] } ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            let answer = try await send("AUTH PLAIN \(token)", named: "AUTH PLAIN")
            try expect(200..<300, after: "AUTH PLAIN", reply: answer)
        } else if mechanisms.contains("LOGIN") {
            try await command("AUTH LOGIN", expecting: 300..<400)
            let user = try await send(Data(username.utf8).base64EncodedString(), named: "AUTH LOGIN (username)")
            try expect(300..<400, after: "AUTH LOGIN (username)", reply: user)
            let done = try await send(Data(password.utf8).base64EncodedString(), named: "AUTH LOGIN (password)")
            try expect(200..<300, after: "AUTH LOGIN (password)", reply: done)
        } else {
            throw SMTPError.unsupported("the server offers no AUTH PLAIN or LOGIN, and a username is configured")
        }
    }

    // MARK: Lines

    @discardableResult
    private func command(_ line: String, expecting codes: Range<Int>) async throws -> SMTPReply {
        let answer = try await send(line)
        try expect(codes, after: line, reply: answer)
        return answer
    }

    /// Writes one command line and reads its reply. `named` replaces the line in errors (AUTH).
    private func send(_ line: String, named: String? = nil) async throws -> SMTPReply {
        try await write(channel.allocator.buffer(string: line + "\r\n"), what: named ?? line)
        return try await reply(to: named ?? line)
    }

    /// Writes to the server. When the connection is already gone, the reason the reply handler
    /// saw (a failed TLS handshake, a close, a timeout) is the error, rather than NIO's bare
    /// "I/O on closed channel".
    private func write(_ buffer: ByteBuffer, what: String) async throws {
        do {
            try await channel.writeAndFlush(buffer)
        } catch {
            _ = try await reply(to: what)
            throw SMTPError.connection("\(what): \(error)")
        }
    }

    private func reply(to command: String) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = configuration.timeout
        let eventLoop = channel.eventLoop
        return try await eventLoop.flatSubmit {
            handler.value.nextReply(timeout: timeout, waitingFor: command, on: eventLoop)
        }.get()
    }

    private func expect(_ codes: Range<Int>, after command: String, reply: SMTPReply) throws {
        guard codes.contains(reply.code) else { throw SMTPError.rejected(command: command, reply: reply) }
    }
}
