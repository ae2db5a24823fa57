import Crypto
public import PeerLedgerDomain

/// A peering request as an RFC 5322 / MIME message: the pure step between the ledger's record of
/// a request and the bytes a mail server receives. Same inputs, same bytes: the outbox can hold
/// the message and a resend after a crash carries the same Message-ID.
public struct MailMessage: Sendable, Equatable {
    public enum BodyType: String, Sendable, CaseIterable {
        case text, html
    }

    public var from: Mailbox
    public var to: [Mailbox]
    public var cc: [Mailbox]
    /// Envelope only: never written into the headers.
    public var bcc: [Mailbox]
    public var subject: String
    /// The plain-text body (for type html, the text alternative).
    public var text: String
    /// The HTML body, for type html.
    public var html: String?
    public var date: Timestamp
    /// Without angle brackets: `request-131@peerledger.6connect.com`.
    public var messageID: String

    public init(
        from: Mailbox, to: [Mailbox], cc: [Mailbox] = [], bcc: [Mailbox] = [], subject: String, text: String,
        html: String? = nil, date: Timestamp, messageID: String
    ) throws(Refusal) {
        _ = try Values.text(subject, field: "subject", maxLength: 998)
        _ = try Values.text(messageID, field: "message id", maxLength: 200)
        guard !to.isEmpty else { throw Refusal("email_to must name at least one address") }
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        self.messageID = messageID
    }

    /// The Message-ID of a peering request: `request-ID@peerledger.DOMAIN`, DOMAIN being the
    /// sender's, so a copy sent again after a crash is recognisably the same message.
    public static func requestMessageID(requestID: Int64, from: Mailbox) -> String {
        "request-\(requestID)@peerledger.\(from.domain)"
    }

    /// The envelope: the sender's address, then every To, Cc and Bcc address once, in that order.
    public var envelopeRecipients: [String] {
        var seen = Set<String>()
        return (to + cc + bcc).map(\.address).filter { seen.insert($0.lowercased()).inserted }
    }

    public var outgoing: OutgoingMail {
        OutgoingMail(sender: from.address, recipients: envelopeRecipients, message: rendered)
    }

    /// The message text, CRLF line endings throughout.
    public var rendered: String {
        var headers: [String] = [
            "Date: \(MIMEEncoding.date(date))",
            "Message-ID: <\(messageID)>",
            "From: \(from.headerText)",
            "To: " + to.map(\.headerText).joined(separator: ",\r\n "),
        ]
        if !cc.isEmpty { headers.append("Cc: " + cc.map(\.headerText).joined(separator: ",\r\n ")) }
        headers.append("Subject: \(MIMEEncoding.headerText(subject))")
        headers.append("MIME-Version: 1.0")
        let body: String
        if let html {
            let boundary = "=_peerledger_" + String(SHA256.hash(data: Array(messageID.utf8)).hexString.prefix(24))
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body = [
                "This is a multi-part message in MIME format.",
                "",
                "--\(boundary)",
                Self.part(text, subtype: "plain", forceEncoding: true),
                "--\(boundary)",
                Self.part(html, subtype: "html", forceEncoding: true),
                "--\(boundary)--",
                "",
            ].joined(separator: "\r\n")
        } else {
            headers.append(Self.partHeaders(text, subtype: "plain", forceEncoding: false))
            body = Self.bodyText(text, forceEncoding: false)
        }
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// One part of a multipart body: its headers, a blank line, its encoded text.
    static func part(_ content: String, subtype: String, forceEncoding: Bool) -> String {
        partHeaders(content, subtype: subtype, forceEncoding: forceEncoding) + "\r\n\r\n"
            + bodyText(content, forceEncoding: forceEncoding)
    }

    /// Inside a multipart, bodies are always quoted-printable: `=` is then always `=3D`, so the
    /// boundary (which starts with `=_`) can never occur in a part.
    static func partHeaders(_ content: String, subtype: String, forceEncoding: Bool) -> String {
        let encoding = !forceEncoding && MIMEEncoding.isSevenBitSafe(content) ? "7bit" : "quoted-printable"
        return "Content-Type: text/\(subtype); charset=utf-8\r\nContent-Transfer-Encoding: \(encoding)"
    }

    static func bodyText(_ content: String, forceEncoding: Bool) -> String {
        let normalized = MIMEEncoding.crlf(content)
        let withEnd = normalized.hasSuffix("\r\n") ? normalized : normalized + "\r\n"
        if !forceEncoding && MIMEEncoding.isSevenBitSafe(content) { return withEnd }
        return MIMEEncoding.quotedPrintable(withEnd)
    }
}
