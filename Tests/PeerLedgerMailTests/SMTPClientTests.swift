import Foundation
import NIOCore
import PeerLedger
import PeerLedgerDomain
import Testing

@testable import PeerLedgerMail
import PeerLedgerTestSupport

/// The SMTP client against a real server (aiosmtpd), over loopback.
@Suite("SMTP client", .serialized)
struct SMTPClientTests {
    let message = "From: ops@6connect.com\r\nTo: peering@amazon.com\r\nSubject: Peering\r\n\r\nPeering,\r\n.\r\n..two dots\r\nbare LF\nend"

    func configuration(_ sink: SMTPSink, _ security: SMTPConfiguration.Security = .none) -> SMTPConfiguration {
        SMTPConfiguration(
            host: security == .none ? "127.0.0.1" : "localhost", port: sink.port, security: security, heloName: "peerledger.test",
            timeout: .seconds(5), trustRootsFile: security == .none ? nil : sink.certificatePath)
    }

    @Test(
        "a message goes over EHLO, MAIL FROM, one RCPT TO per recipient and DATA, dot-stuffed with CRLF endings",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func plain() async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let reply = try await SMTPClient(configuration: configuration(sink)).send(
            from: "ops@6connect.com", to: ["peering@amazon.com", "archive@6connect.com"], message: message)
        #expect(reply.code == 250)
        #expect(reply.description == "250 2.0.0 Ok: queued as SINK0")
        let received = try sink.received()
        #expect(received.count == 1)
        #expect(received[0].mailFrom == "ops@6connect.com")
        #expect(received[0].rcptTos == ["peering@amazon.com", "archive@6connect.com"])
        #expect(received[0].content == "From: ops@6connect.com\r\nTo: peering@amazon.com\r\nSubject: Peering\r\n\r\nPeering,\r\n.\r\n..two dots\r\nbare LF\r\nend\r\n")
    }

    @Test(
        "AUTH PLAIN when offered, AUTH LOGIN when only it is offered",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func auth() async throws {
        for (mode, mechanism) in [("auth", "PLAIN"), ("auth-login", "LOGIN")] {
            let sink = try SMTPSink(mode: mode)
            try await sink.start()
            var config = configuration(sink)
            config.username = "peerledger"
            config.password = "s3cret-pw"
            config.allowPlaintextAuth = true
            try await SMTPClient(configuration: config).send(from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
            #expect(try sink.received().first?.authenticated == "peerledger via \(mechanism)")
        }
    }

    @Test(
        "a wrong password fails with the server's 535 reply, and the password appears in no error",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func authRefused() async throws {
        let sink = try SMTPSink(mode: "auth")
        try await sink.start()
        var config = configuration(sink)
        config.username = "peerledger"
        config.password = "wrong-password"
        config.allowPlaintextAuth = true
        do {
            try await SMTPClient(configuration: config).send(from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
            Issue.record("a wrong password was accepted")
        } catch let error as SMTPError {
            guard case let .rejected(command, reply) = error else { Issue.record("unexpected \(error)"); return }
            #expect(command == "AUTH PLAIN")
            #expect(reply.code == 535)
            #expect(!error.description.contains("wrong-password"))
            #expect(!"\(config)".contains("wrong-password"))
            #expect(error.isPermanent)
        }
        #expect(try sink.received().isEmpty)
    }

    @Test(
        "AUTH over an unencrypted connection is refused unless allowed",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func authNeedsTLS() async throws {
        let sink = try SMTPSink(mode: "auth")
        try await sink.start()
        var config = configuration(sink)
        config.username = "peerledger"
        config.password = "s3cret-pw"
        await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: config).send(from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
        }
        #expect(try sink.received().isEmpty)
    }

    @Test(
        "STARTTLS upgrades the connection before MAIL FROM, verifying the server's certificate",
        .enabled(if: SMTPSink.available(tls: true), "needs /usr/bin/python3 with aiosmtpd, and openssl for its certificate"))
    func starttls() async throws {
        let sink = try SMTPSink(mode: "starttls")
        try await sink.start()
        let reply = try await SMTPClient(configuration: configuration(sink, .starttls)).send(
            from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
        #expect(reply.code == 250)
        #expect(try sink.received().count == 1)
        // Without STARTTLS the server (which requires it) refuses MAIL FROM.
        await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: configuration(sink)).send(from: "ops@6connect.com", to: ["x@example.net"], message: message)
        }
    }

    @Test(
        "a certificate the client does not trust fails the STARTTLS handshake",
        .enabled(if: SMTPSink.available(tls: true), "needs /usr/bin/python3 with aiosmtpd, and openssl for its certificate"))
    func untrusted() async throws {
        let sink = try SMTPSink(mode: "starttls")
        try await sink.start()
        var config = configuration(sink, .starttls)
        config.trustRootsFile = nil
        await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: config).send(from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
        }
        #expect(try sink.received().isEmpty)
    }

    @Test(
        "implicit TLS speaks TLS from the first byte",
        .enabled(if: SMTPSink.available(tls: true), "needs /usr/bin/python3 with aiosmtpd, and openssl for its certificate"))
    func implicitTLS() async throws {
        let sink = try SMTPSink(mode: "tls")
        try await sink.start()
        let reply = try await SMTPClient(configuration: configuration(sink, .tls)).send(
            from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
        #expect(reply.code == 250)
        #expect(try sink.received().count == 1)
    }

    @Test(
        "a server that does not know EHLO gets HELO",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func heloFallback() async throws {
        let sink = try SMTPSink(mode: "no-ehlo")
        try await sink.start()
        let reply = try await SMTPClient(configuration: configuration(sink)).send(
            from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
        #expect(reply.description == "250 2.0.0 Ok: queued as HELO0")
        #expect(try sink.received().first?.content.hasSuffix("Peering,\r\n.\r\n..two dots\r\nbare LF\r\nend\r\n") == true)
    }

    @Test(
        "a refused recipient fails with the command and the server's reply; 5xx is permanent, 4xx is not",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func refusedRecipient() async throws {
        let sink = try SMTPSink()
        try await sink.start()
        let client = SMTPClient(configuration: configuration(sink))
        await #expect(throws: SMTPError.rejected(
            command: "RCPT TO:<reject-me@amazon.com>",
            reply: SMTPReply(code: 550, lines: ["5.1.1 <reject-me@amazon.com>: Recipient address rejected"]))
        ) {
            try await client.send(from: "ops@6connect.com", to: ["peering@amazon.com", "reject-me@amazon.com"], message: message)
        }
        let transport = SMTPTransport(configuration: configuration(sink))
        await #expect(throws: MailDeliveryError(reply: "RCPT TO:<later-x@amazon.com>: 451 4.3.0 Try again later", permanent: false)) {
            try await transport.deliver(OutgoingMail(sender: "ops@6connect.com", recipients: ["later-x@amazon.com"], message: message))
        }
        #expect(try sink.received().isEmpty)
    }

    @Test(
        "a server that never answers times out",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func timeout() async throws {
        let sink = try SMTPSink(mode: "silent")
        try await sink.start()
        var config = configuration(sink)
        config.timeout = .milliseconds(300)
        await #expect(throws: SMTPError.timeout(waitingFor: "connecting (greeting)")) {
            try await SMTPClient(configuration: config).send(from: "ops@6connect.com", to: ["peering@amazon.com"], message: message)
        }
    }

    @Test(
        "a server slow enough to stay under each reply's timeout still hits the conversation's deadline",
        .enabled(if: SMTPSink.available(), "needs /usr/bin/python3 with aiosmtpd"))
    func deadline() async throws {
        let sink = try SMTPSink(mode: "slow")
        try await sink.start()
        var config = configuration(sink)
        config.timeout = .milliseconds(500)  // 5 s for the whole conversation; it needs over 7 s
        let recipients = (1...70).map { "peer\($0)@amazon.com" }
        await #expect(throws: SMTPError.timeout(waitingFor: "the whole conversation (10 times the reply timeout)")) {
            try await SMTPClient(configuration: config).send(from: "ops@6connect.com", to: recipients, message: message)
        }
        #expect(try sink.received().isEmpty)
    }

    @Test("no server listening is a temporary delivery failure")
    func serverDown() async throws {
        let closed = try ClosedLoopbackPort()
        let transport = SMTPTransport(configuration: SMTPConfiguration(host: "127.0.0.1", port: closed.port, timeout: .seconds(2)))
        do {
            _ = try await transport.deliver(OutgoingMail(sender: "ops@6connect.com", recipients: ["peering@amazon.com"], message: message))
            Issue.record("delivered to nobody")
        } catch let error as MailDeliveryError {
            #expect(!error.permanent)
            #expect(error.reply.hasPrefix("cannot connect to 127.0.0.1:"))
        }
        withExtendedLifetime(closed) {}
    }
}

@Suite("SMTP DATA encoding")
struct SMTPDataTests {
    func encoded(_ text: String) -> String { String(decoding: SMTPData.encode(text), as: UTF8.self) }

    @Test("lines starting with a dot get another, every line ends in CRLF, and the end is a lone dot")
    func dotStuffing() {
        #expect(encoded(".hidden\r\nok\r\n.") == "..hidden\r\nok\r\n..\r\n.\r\n")
        #expect(encoded("a\nb\rc\r\nd") == "a\r\nb\r\nc\r\nd\r\n.\r\n")
        #expect(encoded("line\r\n\r\n") == "line\r\n\r\n.\r\n")
        #expect(encoded("") == ".\r\n")
    }
}

@Suite("SMTP TLS server names")
struct SMTPServerNameTests {
    @Test("a host name is sent for SNI and checked against the certificate; an IP literal is not a name")
    func names() {
        #expect(SMTPSession.serverName("smtp.6connect.com") == "smtp.6connect.com")
        #expect(SMTPSession.serverName("cafe.be") == "cafe.be")
        #expect(SMTPSession.serverName("127.0.0.1") == nil)
        #expect(SMTPSession.serverName("2001:504:d::33") == nil)
    }
}
