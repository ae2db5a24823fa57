import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parsing of the API's scalar values at the edge, once, into checked values. Each function's
/// refusal names the parameter and quotes what was given.
public enum Values {
    /// An AS number: 1 to 4294967295 (RFC 6793), plain digits (an `AS` prefix is accepted).
    public static func asn(_ text: String, field: String) throws(Refusal) -> Int64 {
        var digits = Substring(text)
        // An "AS" prefix in either case (ASCII letters: `| 0x20` makes them lower case).
        if digits.utf8.count > 2, digits.utf8.prefix(2).map({ $0 | 0x20 }) == Array("as".utf8) { digits = digits.dropFirst(2) }
        guard let value = Int64(digits), isDigits(digits), (1...4_294_967_295).contains(value) else {
            throw Refusal("\(field) must be an AS number from 1 to 4294967295, got '\(quoted(text))'")
        }
        return value
    }

    /// A positive integer identifier (an exchange, a network, a router, a session).
    public static func identifier(_ text: String, field: String) throws(Refusal) -> Int64 {
        guard let value = Int64(text), isDigits(text), value >= 1 else {
            throw Refusal("\(field) must be a positive integer, got '\(quoted(text))'")
        }
        return value
    }

    /// A count such as a maximum-prefix limit: 0 to 4294967295.
    public static func count(_ text: String, field: String) throws(Refusal) -> Int64 {
        guard let value = Int64(text), isDigits(text), (0...4_294_967_295).contains(value) else {
            throw Refusal("\(field) must be a non-negative integer, got '\(quoted(text))'")
        }
        return value
    }

    /// A moment in UTC: `2014-05-22`, `2014-05-22 23:14:54`, ISO 8601 (`2014-05-22T23:14:54Z`) or
    /// Unix seconds, within years 0001 to 9999. A day that does not exist (`2026-02-31`) is
    /// refused, never carried into the next month.
    public static func time(_ text: String, field: String) throws(Refusal) -> Timestamp {
        guard let moment = Timestamp(parsing: text) else {
            throw Refusal(
                "\(field) must be a time such as 2014-05-22 23:14:54 (UTC; a date that exists, years 0001 to 9999, or Unix seconds), got '\(quoted(text))'")
        }
        return moment
    }

    /// A 0/1 flag (`true`/`false` accepted too).
    public static func flag(_ text: String, field: String) throws(Refusal) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw Refusal("\(field) must be 0 or 1, got '\(quoted(text))'")
        }
    }

    /// Only the digits 0 to 9 (no sign, no space), read by byte.
    public static func isDigits(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Free text that may end up in a router command or a mail header: printable characters only.
    /// CR, LF, TAB and every other control character are refused, as are Unicode line and
    /// paragraph separators.
    public static func text(_ text: String, field: String, maxLength: Int = 255) throws(Refusal) -> String {
        if let bad = text.unicodeScalars.first(where: isControl) {
            throw Refusal("\(field) must not contain control characters (found \(describe(bad))); they would become extra router commands or mail headers")
        }
        guard text.count <= maxLength else {
            throw Refusal("\(field) is \(text.count) characters long; at most \(maxLength) are allowed")
        }
        return text
    }

    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    public static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "a line feed (LF)"
        case "\r": return "a carriage return (CR)"
        case "\t": return "a tab"
        default: return String(format: "U+%04X", scalar.value)
        }
    }

    /// The given text with control characters shown as escapes, safe to put in a message or log.
    public static func quoted(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            out += isControl(scalar) ? String(format: "\\u{%X}", scalar.value) : String(scalar)
        }
        return out
    }
}

/// IPv4 or IPv6, the two `ip_type` values of the API.
public enum IPType: String, Sendable, CaseIterable {
    case ipv4, ipv6

    public static func parse(_ text: String, field: String = "ip_type") throws(Refusal) -> IPType {
        guard let value = IPType(rawValue: text.lowercased()) else {
            throw Refusal("\(field) must be ipv4 or ipv6, got '\(Values.quoted(text))'")
        }
        return value
    }
}

/// An IP address in its canonical text form (IPv6 compressed and lowercase), with its family.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let type: IPType

    public var description: String { text }

    /// Parses an IPv4 dotted quad (no leading zeros, which some parsers read as octal) or an
    /// IPv6 address, refusing anything else with a message naming `field`.
    public static func parse(_ input: String, field: String) throws(Refusal) -> IPAddress {
        if let address = IPAddress(input) { return address }
        throw Refusal("\(field) must be an IPv4 or IPv6 address, got '\(Values.quoted(input))'")
    }

    public init?(_ input: String) {
        // Read as bytes: every address is printable ASCII (a control character or anything
        // beyond ASCII is refused here), so its bytes are its characters. Splitting into
        // `Character`s cost a command more than its own SQL did (four addresses an addSession).
        let bytes = input.utf8
        guard !bytes.isEmpty, bytes.count <= 45, bytes.allSatisfy({ (0x20..<0x7F).contains($0) }) else { return nil }
        if bytes.contains(UInt8(ascii: ":")) {
            var address = in6_addr()
            guard inet_pton(AF_INET6, input, &address) == 1 else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            type = .ipv6
        } else {
            guard Self.isDottedQuad(bytes) else { return nil }
            text = input
            type = .ipv4
        }
    }

    /// Four decimal parts of 0–255 joined by dots, each 1–3 digits with no leading zero (which
    /// some parsers read as octal) unless it is "0".
    public static func isDottedQuad(_ bytes: String.UTF8View) -> Bool {
        var parts = 0
        var digits = 0
        var value = 0
        var leadingZero = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                parts += 1
                guard parts < 4 else { return false }
                (digits, value, leadingZero) = (0, 0, false)
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), !leadingZero, digits < 3 else { return false }
            if digits == 0, byte == UInt8(ascii: "0") { leadingZero = true }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            guard value <= 255 else { return false }
        }
        return parts == 3 && digits > 0
    }
}
