/// The DATA section of a message as sent on the wire (RFC 5321 4.5.2): every line ending in
/// CRLF whatever it ended in before (CRLF, a bare LF or a bare CR), a leading dot doubled, and the
/// terminating `.` line.
enum SMTPData {
    static func encode(_ message: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count + 64)
        var atLineStart = true
        var previousWasCR = false
        for byte in message.utf8 {
            if byte == UInt8(ascii: "\n") {
                if !previousWasCR { out += [0x0D, 0x0A] }
                previousWasCR = false
                atLineStart = true
                continue
            }
            if previousWasCR {
                previousWasCR = false
            }
            if byte == UInt8(ascii: "\r") {
                out += [0x0D, 0x0A]
                previousWasCR = true
                atLineStart = true
                continue
            }
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            atLineStart = false
            out.append(byte)
        }
        if !atLineStart { out += [0x0D, 0x0A] }
        out += Array(".\r\n".utf8)
        return out
    }
}
