import Foundation
import PeerLedgerDomain

/// The encodings a message needs to carry UTF-8 text through 7-bit mail: RFC 2047 encoded words
/// for headers, quoted-printable (RFC 2045) for bodies, and the RFC 5322 date.
enum MIMEEncoding {
    /// `text` as it may stand in an unstructured header (Subject): unchanged when printable ASCII,
    /// else `=?UTF-8?B?...?=` words of at most 75 characters, never splitting a character,
    /// separated by folding (CRLF SP).
    static func headerText(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII }) else { return text }
        return encodedWords(text)
    }

    static func encodedWords(_ text: String) -> String {
        // 75 - len("=?UTF-8?B?") - len("?=") = 63 base64 characters = 45 bytes at most per word.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A display name: encoded words when not ASCII, a quoted string when it has RFC 5322
    /// specials (a comma, a dot, ...), bare otherwise.
    static func displayName(_ name: String) -> String {
        if name.unicodeScalars.contains(where: { !$0.isASCII }) { return encodedWords(name) }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if name.allSatisfy({ atext.contains($0) }) { return name }
        return "\"\(name)\""
    }

    /// True when `text` can go as 7bit: ASCII, no line over 998 octets.
    static func isSevenBitSafe(_ text: String) -> Bool {
        var length = 0
        for byte in text.utf8 {
            if byte >= 0x80 || byte == 0 { return false }
            if byte == 0x0A || byte == 0x0D { length = 0 } else { length += 1 }
            if length > 998 { return false }
        }
        return true
    }

    /// Quoted-printable of UTF-8 text whose lines end in CRLF: lines of at most 76 characters
    /// (soft breaks `=`), `=` and non-ASCII as `=XX`, a trailing space or tab encoded.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var lines: [String] = []
        for line in text.components(separatedBy: "\r\n") {
            var out = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                var piece: String
                if (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast) {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = "=" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
                }
                // A dot at a line's start is left to SMTP's dot-stuffing; it is safe either way.
                if width + piece.count > 75 {
                    out += "=\r\n"
                    width = 0
                }
                out += piece
                width += piece.count
            }
            lines.append(out)
        }
        return lines.joined(separator: "\r\n")
    }

    /// Base64 in lines of 76 characters.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }

    /// RFC 5322 date in UTC: `Wed, 23 Apr 2014 10:31:33 +0000`.
    static func date(_ moment: Timestamp) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: moment.date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[((parts.weekday ?? 1) - 1) % 7]), \(parts.day ?? 1) \(months[((parts.month ?? 1) - 1) % 12]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// Every line ending made CRLF (CRLF, bare LF and bare CR alike).
    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }
}
