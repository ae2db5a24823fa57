import Foundation
public import PeerLedgerDomain

/// A peering request as a checked command: every value parsed and every header value proven
/// free of CR/LF before anything is recorded or queued.
public struct PeeringRequest: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case sent, accepted, rejected
    }

    public var publicID: Int64
    public var peerParticipantID: Int64
    public var sourceParticipantID: Int64
    public var sourceASN: Int64?
    public var peerName: String
    public var peerASN: Int64
    public var from: Mailbox
    public var to: [Mailbox]
    public var cc: [Mailbox]
    public var bcc: [Mailbox]
    public var subject: String
    /// As given: plain text for type text, HTML for type html.
    public var body: String
    /// The plain-text alternative of an HTML body.
    public var textBody: String?
    public var type: MailMessage.BodyType
    public var status: Status
    /// Overrides the quiet period.
    public var force: Bool

    /// Reads sendRequest's values, refusing the first bad or missing one by name; `given(name)`
    /// is the non-empty text given for `name`, or nil.
    package init(sendRequest given: (String) -> String?) throws(Refusal) {
        func required(_ name: String) throws(Refusal) -> String {
            guard let value = given(name) else { throw Refusal("sendRequest needs \(name)") }
            return value
        }
        publicID = try Values.identifier(required("public_id"), field: "public_id")
        peerParticipantID = try Values.identifier(required("peer_participant_id"), field: "peer_participant_id")
        sourceParticipantID = try Values.identifier(required("source_participant_id"), field: "source_participant_id")
        sourceASN = try given("source_asn").map { text throws(Refusal) in try Values.asn(text, field: "source_asn") }
        peerName = try Values.text(required("peer_name"), field: "peer_name")
        peerASN = try Values.asn(required("peer_asn"), field: "peer_asn")
        from = try Mailbox(parsing: required("email_from"), field: "email_from")
        to = try Mailbox.list(parsing: required("email_to"), field: "email_to")
        guard !to.isEmpty else { throw Refusal("email_to must name at least one address") }
        cc = try Mailbox.list(parsing: given("cc") ?? "", field: "cc")
        bcc = try Mailbox.list(parsing: given("bcc") ?? "", field: "bcc")
        subject = try Values.text(required("subject"), field: "subject", maxLength: 900)
        let typeText = try required("type")
        guard let type = MailMessage.BodyType(rawValue: typeText) else {
            throw Refusal("type must be text or html, got '\(Values.quoted(typeText))'")
        }
        self.type = type
        let statusText = try required("status")
        guard let status = Status(rawValue: statusText) else {
            throw Refusal("status must be sent, accepted or rejected, got '\(Values.quoted(statusText))'")
        }
        self.status = status
        body = try Self.checkedBody(given("body") ?? "", field: "body")
        textBody = type == .html ? HTMLText.plain(body) : nil
        force = try given("force").map { text throws(Refusal) in try Values.flag(text, field: "force") } ?? false
    }

    public init(
        publicID: Int64, peerParticipantID: Int64, sourceParticipantID: Int64, sourceASN: Int64?, peerName: String,
        peerASN: Int64, from: Mailbox, to: [Mailbox], subject: String, body: String, textBody: String?,
        type: MailMessage.BodyType, status: Status = .sent, force: Bool = false
    ) throws(Refusal) {
        self.publicID = publicID
        self.peerParticipantID = peerParticipantID
        self.sourceParticipantID = sourceParticipantID
        self.sourceASN = sourceASN
        self.peerName = try Values.text(peerName, field: "peer_name")
        self.peerASN = peerASN
        self.from = from
        self.to = to
        cc = []
        bcc = []
        self.subject = try Values.text(subject, field: "subject", maxLength: 900)
        self.body = try Self.checkedBody(body, field: "body")
        self.textBody = textBody
        self.type = type
        self.status = status
        self.force = force
    }

    /// A body must say something, and may hold line breaks and tabs but no other control
    /// characters.
    static func checkedBody(_ body: String, field: String) throws(Refusal) -> String {
        guard body.contains(where: { !$0.isWhitespace }) else { throw Refusal("\(field) must not be empty") }
        if let bad = body.unicodeScalars.first(where: { Values.isControl($0) && !["\r", "\n", "\t"].contains($0) }) {
            throw Refusal("\(field) must not contain control characters other than line breaks and tabs (found \(Values.describe(bad)))")
        }
        guard body.utf8.count <= 1_000_000 else { throw Refusal("\(field) is larger than 1 MB") }
        return body
    }

    /// The message this request sends, with its Message-ID derived from the request id.
    public func message(requestID: Int64, date: Timestamp) throws(Refusal) -> MailMessage {
        try MailMessage(
            from: from, to: to, cc: cc, bcc: bcc, subject: subject, text: type == .html ? (textBody ?? body) : body,
            html: type == .html ? body : nil, date: date,
            messageID: MailMessage.requestMessageID(requestID: requestID, from: from))
    }
}

/// A plain-text reading of an HTML body, for the text alternative of an HTML request: tags
/// dropped, line breaks where blocks start and end (one blank line at most), table cells
/// separated by a space, runs of spaces collapsed, the common entities decoded.
enum HTMLText {
    static func plain(_ html: String) -> String {
        var out = ""
        var tag = ""
        var inTag = false
        for character in html {
            if inTag {
                if character == ">" {
                    inTag = false
                    let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
                    if ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"].contains(name) || tag.lowercased().hasPrefix("/p")
                        || tag.lowercased().hasPrefix("/tr") || tag.lowercased().hasPrefix("/div")
                    {
                        out += "\n"
                    } else if name == "td" || name == "th" {
                        out += " "
                    }
                    tag = ""
                } else {
                    tag.append(character)
                }
            } else if character == "<" {
                inTag = true
            } else if character != "\r" {
                out.append(character)
            }
        }
        let decoded = out.replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
        var lines: [String] = []
        for line in decoded.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = String(line).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if trimmed.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(trimmed)
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
    }
}
