import NIOCore
import NIOEmbedded
import PeerLedgerTestSupport
import Testing

@testable import PeerLedgerMail

/// The reply parser on its own, fed bytes in awkward pieces.
@Suite("SMTP replies")
struct SMTPReplyHandlerTests {
    func channel() throws -> (EmbeddedChannel, SMTPReplyHandler) {
        let handler = SMTPReplyHandler()
        let channel = EmbeddedChannel(handler: handler)
        return (channel, handler)
    }

    @Test("a multi-line reply split across reads is one reply with every line")
    func multiLine() throws {
        let (channel, handler) = try channel()
        let future = handler.nextReply(timeout: .seconds(5), waitingFor: "EHLO", on: channel.eventLoop)
        try channel.writeInbound(channel.allocator.buffer(string: "250-smtp.example.net Hello\r\n250-AUTH PL"))
        try channel.writeInbound(channel.allocator.buffer(string: "AIN LOGIN\r\n250-STARTTLS\n250 8BITMIME\r\n220 next\r\n"))
        let reply = try future.wait()
        #expect(reply == SMTPReply(code: 250, lines: ["smtp.example.net Hello", "AUTH PLAIN LOGIN", "STARTTLS", "8BITMIME"]))
        // A reply that arrived before anyone asked is kept for the next ask.
        #expect(try handler.nextReply(timeout: .seconds(5), waitingFor: "x", on: channel.eventLoop).wait().description == "220 next")
    }

    @Test("a line that is not an SMTP reply ends the conversation with the line quoted")
    func malformed() throws {
        let (channel, handler) = try channel()
        let future = handler.nextReply(timeout: .seconds(5), waitingFor: "greeting", on: channel.eventLoop)
        try channel.writeInbound(channel.allocator.buffer(string: "HTTP/1.1 400 Bad Request\r\n"))
        #expect(throws: SMTPError.malformedReply("HTTP/1.1 400 Bad Request")) { try future.wait() }
        #expect(throws: SMTPError.malformedReply("HTTP/1.1 400 Bad Request")) {
            try handler.nextReply(timeout: .seconds(5), waitingFor: "x", on: channel.eventLoop).wait()
        }
    }

    @Test("no reply within the time fails the wait with what was awaited")
    func timeout() throws {
        let (channel, handler) = try channel()
        let future = handler.nextReply(timeout: .seconds(30), waitingFor: "DATA", on: channel.eventLoop)
        channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        #expect(throws: SMTPError.timeout(waitingFor: "DATA")) { try future.wait() }
    }

    @Test("the server closing the connection fails the wait")
    func closed() throws {
        let (channel, handler) = try channel()
        let future = handler.nextReply(timeout: .seconds(30), waitingFor: "QUIT", on: channel.eventLoop)
        _ = try channel.finish()
        #expect(throws: SMTPError.connectionClosed) { try future.wait() }
    }
}
