public import Foundation

/// A moment in UTC with millisecond precision: what the ledger records and what answers show.
///
/// Formatting is done by hand (civil-from-days) rather than with a `DateFormatter`, so it is
/// fast on the write path and cannot vary with locale or time zone settings.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millis: Int64

    public init(millis: Int64) { self.millis = millis }

    /// The wall clock's moment, held within `earliest...latest` (a clock set absurdly far off
    /// cannot make a time the ledger could not write).
    public init(_ date: Date) {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        if millis.isNaN {
            self.millis = 0
        } else {
            self.millis = Int64(min(max(millis, Double(Self.earliest.millis)), Double(Self.latest.millis)))
        }
    }

    /// The first and last moments the ledger accepts from input: years 0001 to 9999, the years
    /// the four-digit forms can write. Every accepted time therefore formats, parses back to
    /// itself, and sorts as text the way it sorts in time (the log compares `recorded_at` as text).
    public static let earliest = Timestamp(millis: -62_135_596_800_000)  // 0001-01-01T00:00:00.000Z
    public static let latest = Timestamp(millis: 253_402_300_799_999)  // 9999-12-31T23:59:59.999Z

    /// `earliest` and `latest` in whole Unix seconds: the range of the Unix-seconds form.
    public static let unixSeconds: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// This moment `seconds` later (or earlier), held at `latest` or `earliest` instead of
    /// overflowing: a configured delay far beyond any real one must not stop the server.
    public func advanced(bySeconds seconds: Int64) -> Timestamp {
        let (delta, overflowMultiplying) = seconds.multipliedReportingOverflow(by: 1000)
        let (sum, overflowAdding) = millis.addingReportingOverflow(delta)
        if overflowMultiplying || overflowAdding { return seconds < 0 ? Self.earliest : Self.latest }
        return Timestamp(millis: min(max(sum, Self.earliest.millis), Self.latest.millis))
    }

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
    ///
    /// Nil for anything else, and for a time that does not exist or lies outside
    /// `earliest...latest`: a day past the month's end (`2026-02-31`, `2025-02-29`), hour 24,
    /// minute or second 60 or more, year 0000, or Unix seconds beyond year 9999. A leap second
    /// (`23:59:60`) is refused too: the ledger's times are Unix times, which have no 60th second,
    /// and reading it as the next minute would record a different date than the one written.
    public init?(parsing text: String) {
        // The log's own times have no surrounding space: only a typed one is trimmed (Foundation's
        // trimming was a visible share of every command, which reads the head's time).
        let padded = text.unicodeScalars.first.map(Self.isWhitespace) == true
            || text.unicodeScalars.last.map(Self.isWhitespace) == true
        let text = padded ? text.trimmingCharacters(in: .whitespaces) : text
        if let seconds = Int64(text) {
            // Checked before multiplying: 9223372036854776 seconds has no Int64 milliseconds.
            guard Self.unixSeconds.contains(seconds) else { return nil }
            self.init(millis: seconds * 1000)
            return
        }
        let bytes = Array(text.utf8)
        // At most four digits are read at a time, so no number here can overflow.
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
            year >= 1, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, ms: Int64 = 0
        var rest = bytes[10...]
        if !rest.isEmpty {
            guard rest.first == UInt8(ascii: " ") || rest.first == UInt8(ascii: "T"), bytes.count >= 19,
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                let h = number(11..<13), let m = number(14..<16), let s = number(17..<19),
                h < 24, m < 60, s < 60
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
        // days_from_civil. Every field is in range here (years 1 to 9999), so nothing overflows.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        self.init(millis: ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms)
    }

    /// True when `text` is a whole day, `YYYY-MM-DD`, that exists: filters match such a value
    /// against the day of a time rather than the time itself.
    public static func isDay(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-") && Timestamp(parsing: text) != nil
    }

    /// The days of `month` (1–12) in `year`, leap years by the Gregorian rule.
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Int64 {
    fileprivate func quotientAndRemainderFlooring(dividingBy divisor: Int64) -> (Int64, Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
