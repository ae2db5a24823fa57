/// The API's `YYYY-MM-DD HH:MM:SS` form of a time stored in the log, computed for every event a
/// projection applies, so it takes a byte-slicing fast path for the canonical form the ledger
/// writes (`2014-04-07T11:32:37.000Z`) and parses only anything else.
public enum RecordedTime {
    /// Exactly `Timestamp(parsing: text)?.apiText ?? text`.
    public static func apiText(_ text: String) -> String {
        if let fast = canonicalAPIText(text) { return fast }
        return Timestamp(parsing: text)?.apiText ?? text
    }

    /// The API form of a canonical ISO 8601 text whose fields are already in range (so parsing
    /// and formatting again could not move them), or nil.
    public static func canonicalAPIText(_ text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.count == 24 else { return nil }
        return utf8.withContiguousStorageIfAvailable { bytes -> String? in
            func digit(_ index: Int) -> Int? {
                let byte = bytes[index]
                return (0x30...0x39).contains(byte) ? Int(byte - 0x30) : nil
            }
            func number(_ index: Int, _ width: Int) -> Int? {
                var value = 0
                for offset in index..<index + width {
                    guard let d = digit(offset) else { return nil }
                    value = value * 10 + d
                }
                return value
            }
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."),
                bytes[23] == UInt8(ascii: "Z"), let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2), number(20, 3) != nil,
                year >= 1, (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: Int64(month), year: Int64(year)), hour < 24, minute < 60, second < 60
            else { return nil }
            var out = Array(bytes[0..<19])
            out[10] = UInt8(ascii: " ")
            return String(decoding: out, as: UTF8.self)
        } ?? nil
    }
}
