public import PeerLedgerDomain
/// One mail address with an optional display name (`Operations <ops@6connect.com>` or
/// `ops@6connect.com`), checked so that nothing in it can become an extra header or an SMTP
/// command: ASCII addresses only (`local@domain`, dot-atom local part, host-name domain), display
/// names without control characters, angle brackets or quotes.
public struct Mailbox: Sendable, Hashable, CustomStringConvertible {
    public let name: String?
    public let address: String

    /// Parses one mailbox, refusing it with a message that names `field`.
    public init(parsing input: String, field: String) throws(Refusal) {
        _ = try Values.text(input, field: field, maxLength: 320)
        let text = input.trimmingSpaces
        var name: String?
        var address = text
        if let open = text.lastIndex(of: "<") {
            guard text.hasSuffix(">") else {
                throw Refusal("\(field) must be a mailbox such as 'Name <user@example.net>' or 'user@example.net', got '\(Values.quoted(input))'")
            }
            address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            var display = String(text[..<open]).trimmingSpaces
            if display.count >= 2, display.hasPrefix("\""), display.hasSuffix("\"") {
                display = String(display.dropFirst().dropLast())
            }
            if let bad = display.first(where: { "<>\"\\".contains($0) }) {
                throw Refusal("\(field) has a display name with '\(bad)' in it, which is not allowed, got '\(Values.quoted(input))'")
            }
            name = display.isEmpty ? nil : display
        }
        guard Self.isValidAddress(address) else {
            throw Refusal("\(field) must be a valid mail address such as user@example.net, got '\(Values.quoted(address))'")
        }
        self.name = name
        self.address = address
    }

    public init(address: String, name: String? = nil) throws(Refusal) {
        try self.init(parsing: name.map { "\($0) <\(address)>" } ?? address, field: "address")
    }

    /// A list of mailboxes separated by commas (a comma inside a quoted display name does not
    /// separate). Empty text is an empty list.
    public static func list(parsing input: String, field: String) throws(Refusal) -> [Mailbox] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for character in input {
            if character == "\"" { quoted.toggle() }
            if (character == "," || character == ";") && !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        let mailboxes = try parts.map { $0.trimmingSpaces }.filter { !$0.isEmpty }.map { part throws(Refusal) in
            try Mailbox(parsing: part, field: field)
        }
        guard mailboxes.count <= 50 else { throw Refusal("\(field) names \(mailboxes.count) addresses; at most 50 are allowed") }
        return mailboxes
    }

    /// `local@domain`: the local part a dot-atom (RFC 5322 atext), the domain host-name labels
    /// (letters, digits, hyphens) with at least one dot, or a bracketed address literal is refused.
    static func isValidAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, address.utf8.count <= 254 else { return false }
        let local = parts[0]
        let domain = parts[1]
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        guard !local.isEmpty, local.utf8.count <= 64,
            local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ atom in
                !atom.isEmpty && atom.allSatisfy { atext.contains($0) }
            })
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        return labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.allSatisfy { labelCharacters.contains($0) }
                    && !label.hasPrefix("-") && !label.hasSuffix("-")
            }
    }

    /// The domain part, e.g. for Message-IDs.
    public var domain: String { String(address.split(separator: "@").last ?? "") }

    /// As written in a header: the name quoted or RFC 2047-encoded as needed.
    public var headerText: String {
        guard let name else { return address }
        return "\(MIMEEncoding.displayName(name)) <\(address)>"
    }

    public var description: String { name.map { "\($0) <\(address)>" } ?? address }
}
