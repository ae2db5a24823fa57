import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

@Suite("Mail messages")
struct MailMessageTests {
    let date = Timestamp(parsing: "2014-04-23 10:31:33")!

    func message(
        subject: String = "Peering request from 6connect, Inc.", text: String = "Peering,\r\n\r\nLet us peer.\r\n",
        html: String? = nil, cc: [String] = [], bcc: [String] = []
    ) throws -> MailMessage {
        let from = try Mailbox(parsing: "Operations <ops@6connect.com>", field: "email_from")
        return try MailMessage(
            from: from, to: [Mailbox(parsing: "peering@amazon.com", field: "email_to")],
            cc: cc.map { try Mailbox(parsing: $0, field: "cc") }, bcc: bcc.map { try Mailbox(parsing: $0, field: "bcc") },
            subject: subject, text: text, html: html, date: date,
            messageID: MailMessage.requestMessageID(requestID: 131, from: from))
    }

    func headers(_ rendered: String) -> [String] {
        rendered.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
    }

    @Test("a text request has Date, Message-ID from the request id, From, To, Cc, Subject and a 7bit utf-8 body")
    func plainText() throws {
        let rendered = try message(cc: ["Peering Team <team@6connect.com>"]).rendered
        #expect(headers(rendered) == [
            "Date: Wed, 23 Apr 2014 10:31:33 +0000",
            "Message-ID: <request-131@peerledger.6connect.com>",
            "From: Operations <ops@6connect.com>",
            "To: peering@amazon.com",
            "Cc: Peering Team <team@6connect.com>",
            "Subject: Peering request from 6connect, Inc.",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 7bit",
        ])
        #expect(rendered.hasSuffix("\r\n\r\nPeering,\r\n\r\nLet us peer.\r\n"))
    }

    @Test("Bcc goes to the envelope only, never into the headers")
    func bccOnlyInEnvelope() throws {
        let mail = try message(cc: ["team@6connect.com"], bcc: ["archive@6connect.com"])
        #expect(mail.envelopeRecipients == ["peering@amazon.com", "team@6connect.com", "archive@6connect.com"])
        #expect(!mail.rendered.lowercased().contains("bcc"))
        #expect(!mail.rendered.contains("archive@6connect.com"))
        #expect(mail.outgoing.sender == "ops@6connect.com")
    }

    @Test("a non-ASCII subject is RFC 2047 encoded and a non-ASCII body quoted-printable")
    func nonASCII() throws {
        let rendered = try message(subject: "Peering-Anfrage von 1&1 Versatel – München", text: "Grüße aus München\n").rendered
        let subject = headers(rendered).first { $0.hasPrefix("Subject: ") }
        #expect(subject == "Subject: =?UTF-8?B?UGVlcmluZy1BbmZyYWdlIHZvbiAxJjEgVmVyc2F0ZWwg4oCTIE3DvG5jaGVu?=")
        #expect(headers(rendered).contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(rendered.hasSuffix("\r\n\r\nGr=C3=BC=C3=9Fe aus M=C3=BCnchen\r\n"))
    }

    @Test("a long non-ASCII subject is split into encoded words of at most 75 characters, folded")
    func longSubject() throws {
        let rendered = try message(subject: String(repeating: "Überprüfung ", count: 10)).rendered
        let block = rendered.components(separatedBy: "\r\n\r\n")[0]
        let start = try #require(block.range(of: "Subject: "))
        let folded = block[start.upperBound...].prefix { _ in true }.components(separatedBy: "\r\nMIME-Version")[0]
        let words = folded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
        let decoded = words.map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
        }.joined()
        #expect(decoded == String(repeating: "Überprüfung ", count: 10))
    }

    @Test("type html is multipart/alternative with a text part and an html part, both quoted-printable")
    func html() throws {
        let rendered = try message(text: "Peering, please.\n", html: "<p>Peering, <b>please</b>.</p>\n").rendered
        let contentType = try #require(headers(rendered).first { $0.hasPrefix("Content-Type: ") })
        #expect(contentType.hasPrefix("Content-Type: multipart/alternative; boundary=\"=_peerledger_"))
        let boundary = String(contentType.split(separator: "\"")[1])
        let body = rendered.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let parts = body.components(separatedBy: "--\(boundary)")
        #expect(parts.count == 4)
        #expect(parts[1] == "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPeering, please.\r\n\r\n")
        #expect(parts[2] == "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Peering, <b>please</b>.</p>\r\n\r\n")
        #expect(parts[3] == "--\r\n")
    }

    @Test("quoted-printable keeps lines under 77 characters with soft breaks and encodes '=' and trailing spaces")
    func quotedPrintable() {
        let encoded = MIMEEncoding.quotedPrintable(String(repeating: "a=", count: 40) + " \r\nend ")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.first?.hasSuffix("=") == true)
        #expect(encoded.contains("a=3D"))
        #expect(encoded.hasSuffix("=20\r\nend=20"))
    }

    @Test("lone LF and CR in a body become CRLF")
    func lineEndings() throws {
        let rendered = try message(text: "one\ntwo\rthree\r\nfour").rendered
        #expect(rendered.hasSuffix("\r\n\r\none\r\ntwo\r\nthree\r\nfour\r\n"))
    }

    @Test("a display name with specials is quoted, a non-ASCII one encoded")
    func displayNames() throws {
        #expect(try Mailbox(parsing: "6connect, Inc. <ops@6connect.com>", field: "email_from").headerText == "\"6connect, Inc.\" <ops@6connect.com>")
        #expect(try Mailbox(parsing: "Jörg <j@example.net>", field: "email_from").headerText == "=?UTF-8?B?SsO2cmc=?= <j@example.net>")
        #expect(try Mailbox(parsing: "\"Doe, John\" <john@example.net>", field: "email_to").name == "Doe, John")
    }
}

@Suite("Mailboxes")
struct MailboxTests {
    @Test("mailboxes and lists parse", arguments: [
        ("ops@6connect.com", 1), ("Operations <ops@6connect.com>", 1), ("a@example.net, B <b@example.net>", 2),
        ("\"Doe, John\" <john@example.net>; x@example.org", 2), ("", 0),
    ])
    func valid(_ text: String, _ count: Int) throws {
        #expect(try Mailbox.list(parsing: text, field: "email_to").count == count)
    }

    @Test("header injection and malformed addresses are refused with the field named", arguments: [
        ("ops@6connect.com\r\nBcc: victim@example.net", "email_to must not contain control characters (found a carriage return (CR)); they would become extra router commands or mail headers"),
        ("Ops\n <ops@6connect.com>", "email_to must not contain control characters (found a line feed (LF)); they would become extra router commands or mail headers"),
        ("ops@6connect.com\nRCPT TO:<x@y.z>", "email_to must not contain control characters (found a line feed (LF)); they would become extra router commands or mail headers"),
        ("not-an-address", "email_to must be a valid mail address such as user@example.net, got 'not-an-address'"),
        ("a@b", "email_to must be a valid mail address such as user@example.net, got 'a@b'"),
        ("x@-bad-.com", "email_to must be a valid mail address such as user@example.net, got 'x@-bad-.com'"),
        ("<a@b.com> evil", "email_to must be a mailbox such as 'Name <user@example.net>' or 'user@example.net', got '<a@b.com> evil'"),
        ("Eve <a@b.com>> <c@d.com>", "email_to has a display name with '<' in it, which is not allowed, got 'Eve <a@b.com>> <c@d.com>'"),
        ("jörg@example.net", "email_to must be a valid mail address such as user@example.net, got 'jörg@example.net'"),
        ("a..b@example.net", "email_to must be a valid mail address such as user@example.net, got 'a..b@example.net'"),
    ])
    func refused(_ text: String, _ message: String) {
        #expect(throws: Refusal(message)) { try Mailbox.list(parsing: text, field: "email_to") }
    }
}
