import Foundation

/// A moment in UTC with millisecond precision: what the ledger records and what answers show.
///
/// Formatting is done by hand (civil-from-days) rather than with a `DateFormatter`, so it is
/// fast on the write path and cannot vary with locale or time zone settings.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millis: Int64

    public init(millis: Int64) { self.millis = millis }

    public init(_ date: Date) { self.millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.millis < rhs.millis }

    public var date: Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// `2014-04-07T11:32:37.000Z`: the form stored in the log.
    public var iso8601: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)).\(pad(c.millisecond, 3))Z"
    }

    /// `2014-04-07 11:32:37`: ProVision's timestamp shape in API answers.
    public var apiText: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))"
    }

    public var description: String { iso8601 }

    private struct Components { var year, month, day, hour, minute, second, millisecond: Int }

    private var components: Components {
        let (days, msOfDay) = millis.quotientAndRemainderFlooring(dividingBy: 86_400_000)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let seconds = msOfDay / 1000
        return Components(
            year: Int(year), month: Int(month), day: Int(day),
            hour: Int(seconds / 3600), minute: Int(seconds / 60 % 60), second: Int(seconds % 60),
            millisecond: Int(msOfDay % 1000))
    }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// `CharacterSet.whitespaces` (Unicode's spaces and the tab), asked only beyond ASCII, where
    /// its answer is not simply a space or a tab.
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || scalar == "\t" : CharacterSet.whitespaces.contains(scalar)
    }

    /// Reads the forms an operator types: `2014-04-07`, `2014-04-07 11:32:37`,
    /// `2014-04-07T11:32:37Z`, `2014-04-07T11:32:37.123Z`, or Unix seconds. All are UTC.
    public init?(parsing text: String) {
        // The log's own times have no surrounding space: only a typed one is trimmed (Foundation's
        // trimming was a visible share of every command, which reads the head's time).
        let padded = text.unicodeScalars.first.map(Self.isWhitespace) == true
            || text.unicodeScalars.last.map(Self.isWhitespace) == true
        let text = padded ? text.trimmingCharacters(in: .whitespaces) : text
        if let seconds = Int64(text) {
            self.init(millis: seconds * 1000)
            return
        }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, ms: Int64 = 0
        var rest = bytes[10...]
        if !rest.isEmpty {
            guard rest.first == UInt8(ascii: " ") || rest.first == UInt8(ascii: "T"), bytes.count >= 19,
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                let h = number(11..<13), let m = number(14..<16), let s = number(17..<19),
                h < 24, m < 60, s < 61
            else { return nil }
            (hour, minute, second) = (h, m, s)
            rest = bytes[19...]
            if rest.first == UInt8(ascii: ".") {
                var digits = 0
                var index = 20
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                    if digits < 3 { ms = ms * 10 + Int64(bytes[index] - 0x30) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 { for _ in digits..<3 { ms *= 10 } }
                rest = bytes[index...]
            }
            if rest.elementsEqual("Z".utf8) || rest.elementsEqual("+00:00".utf8) { rest = [][...] }
            guard rest.isEmpty else { return nil }
        }
        // days_from_civil
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        self.init(millis: ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms)
    }
}

extension Int64 {
    fileprivate func quotientAndRemainderFlooring(dividingBy divisor: Int64) -> (Int64, Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
