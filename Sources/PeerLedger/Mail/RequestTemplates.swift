import Foundation
public import Mustache
public import PeerLedgerDomain

/// The words of a default peering request (sendEmail): a subject, a plain-text body and an HTML
/// body, as Mustache templates the operator can replace with files. The default text follows the
/// seed's getRequests example body.
public struct RequestTemplates: Sendable {
    public let subject: MustacheTemplate
    public let text: MustacheTemplate
    public let html: MustacheTemplate

    /// Parses the three templates, refusing a malformed one with its name.
    public init(subject: String, text: String, html: String) throws(Refusal) {
        self.subject = try Self.parse(subject, name: "subject", contentType: "TEXT")
        self.text = try Self.parse(text, name: "text", contentType: "TEXT")
        self.html = try Self.parse(html, name: "html", contentType: "HTML")
    }

    /// The built-in templates.
    public static func standard() -> RequestTemplates {
        // The defaults are constants, tested to parse; failing here is a build defect, not input.
        guard let templates = try? RequestTemplates(subject: defaultSubject, text: defaultText, html: defaultHTML) else {
            preconditionFailure("the built-in request templates do not parse")
        }
        return templates
    }

    /// The built-in templates with any of them replaced by a file the operator names.
    public static func load(subjectFile: String? = nil, textFile: String? = nil, htmlFile: String? = nil) throws -> RequestTemplates {
        func read(_ path: String?, _ fallback: String) throws -> String {
            guard let path else { return fallback }
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw Refusal("cannot read template \(path): \(error.localizedDescription)")
            }
        }
        return try RequestTemplates(
            subject: read(subjectFile, defaultSubject), text: read(textFile, defaultText), html: read(htmlFile, defaultHTML))
    }

    static func parse(_ source: String, name: String, contentType: String) throws(Refusal) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: "{{% CONTENT_TYPE: \(contentType)}}" + source)
        } catch {
            throw Refusal("the \(name) template does not parse: \(error)")
        }
    }

    /// Renders the request for `context`: subject (one line), text, HTML.
    public func render(_ context: RequestTemplateContext) -> (subject: String, text: String, html: String) {
        let values = context.values
        let subjectLine = subject.render(values).split(whereSeparator: \.isNewline).joined(separator: " ")
        return (subjectLine.trimmingSpaces, text.render(values), html.render(values))
    }

    public static let defaultSubject = "Peering request from {{our_name}} (AS{{our_asn}})"

    public static let defaultText = """
        Peering,

        {{our_name}}, {{our_asn}}, would like to peer with {{peer_name}} at our common locations.

        Facility, IP Address
        {{#their_addresses}}
        {{exchange}} - {{address}}
        {{/their_addresses}}

        Sincerely,
        {{contact_name}}
        {{contact_email}}

        {{our_name}} information:
        {{#our_addresses}}
        {{exchange}}, {{address}}
        {{/our_addresses}}

        {{#peeringdb_url}}
        PeeringDB: {{peeringdb_url}}
        {{/peeringdb_url}}


        """

    public static let defaultHTML = """
        <html>
        <body>
        <p>Peering,</p>
        <p>{{our_name}}, AS{{our_asn}}, would like to peer with {{peer_name}} (AS{{peer_asn}}) at our common locations.</p>
        <table>
        <tr><th>Facility</th><th>{{peer_name}}</th><th>{{our_name}}</th></tr>
        {{#exchanges}}
        <tr><td>{{name}}</td><td>{{#theirs}}{{.}}<br>{{/theirs}}</td><td>{{#ours}}{{.}}<br>{{/ours}}</td></tr>
        {{/exchanges}}
        </table>
        <p>Sincerely,<br>{{contact_name}}<br><a href="mailto:{{contact_email}}">{{contact_email}}</a></p>
        {{#peeringdb_url}}
        <p>PeeringDB: <a href="{{peeringdb_url}}">{{peeringdb_url}}</a></p>
        {{/peeringdb_url}}
        </body>
        </html>

        """
}

/// What a request template can name: both networks, the common exchanges with each side's
/// addresses (`exchanges`, and flattened as `their_addresses` / `our_addresses` with
/// `exchange` and `address`), our PeeringDB link and our contact.
public struct RequestTemplateContext: Sendable, Equatable {
    public var ours: DirectoryNetwork
    public var peer: DirectoryNetwork
    public var exchanges: [CommonExchange]
    public var contactName: String
    public var contactEmail: String

    public init(ours: DirectoryNetwork, peer: DirectoryNetwork, exchanges: [CommonExchange], contactName: String, contactEmail: String) {
        self.ours = ours
        self.peer = peer
        self.exchanges = exchanges
        self.contactName = contactName
        self.contactEmail = contactEmail
    }

    var values: [String: Any] {
        func flat(ours: Bool) -> [[String: Any]] {
            var rows: [[String: Any]] = []
            for exchange in exchanges {
                for address in ours ? exchange.ourAddresses : exchange.theirAddresses {
                    rows.append(["exchange": exchange.name, "address": address])
                }
            }
            return rows
        }
        var values: [String: Any] = [
            "our_name": ours.name, "our_asn": String(ours.asn), "peer_name": peer.name, "peer_asn": String(peer.asn),
            "contact_name": contactName, "contact_email": contactEmail,
            "exchanges": exchanges.map { ["name": $0.name, "public_id": String($0.publicID), "ours": $0.ourAddresses, "theirs": $0.theirAddresses] as [String: Any] },
            "their_addresses": flat(ours: false), "our_addresses": flat(ours: true),
        ]
        if let url = ours.peeringDBURL { values["peeringdb_url"] = url }
        return values
    }
}
