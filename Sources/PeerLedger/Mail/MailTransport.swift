import PeerLedgerDomain
/// One message ready to hand to a mail server: the envelope (who the server delivers to, Bcc
/// included) and the RFC 5322 text (which never names the Bcc recipients).
public struct OutgoingMail: Sendable, Equatable {
    /// The envelope sender (`MAIL FROM`, sendmail `-f`): a bare address.
    public var sender: String
    /// Every envelope recipient (`RCPT TO`): To, Cc and Bcc, bare addresses.
    public var recipients: [String]
    /// The whole message, headers and body, lines ending in CRLF.
    public var message: String

    public init(sender: String, recipients: [String], message: String) {
        self.sender = sender
        self.recipients = recipients
        self.message = message
    }
}

/// Whatever carries a message to a mail server: SMTP or a sendmail pipe (PeerLedgerMail), a
/// recording fake in tests. The core's outbox worker speaks only this.
public protocol MailTransport: Sendable {
    /// Delivers `mail` and returns the server's acceptance (e.g. `250 2.0.0 Ok: queued as 4F2`).
    /// Throws `MailDeliveryError` when the server refused or could not be reached.
    func deliver(_ mail: OutgoingMail) async throws -> String
}

/// A delivery that did not happen, with what the server said, and whether trying again later can
/// help (a 4xx reply, a server down or a timeout) or not (a 5xx reply).
public struct MailDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's reply, or a description of the failure when there was no reply.
    public var reply: String
    /// True when the server refused for good (5xx): retrying would give the same answer.
    public var permanent: Bool

    public init(reply: String, permanent: Bool) {
        self.reply = reply
        self.permanent = permanent
    }

    public var description: String { reply }
}
