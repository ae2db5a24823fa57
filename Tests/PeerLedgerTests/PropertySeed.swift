import Foundation
import PropertyBased
import PeerLedgerTestSupport
import Testing

/// Runs a property over inputs drawn from a swift-property-based generator with one seed for the
/// whole run, printed before it starts and settable with `PEERLEDGER_PROPERTY_SEED`.
///
/// swift-property-based's own `propertyCheck` prints a seed only for a failing case (`Add
/// .fixedSeed("…") to the Test to reproduce`) and takes it back through the `.fixedSeed` trait,
/// which replays that single case; every other case is drawn from a fresh system seed, so a run
/// cannot be repeated as a whole. Here the library's generators and its xoshiro256** generator
/// (whose seeds are the same base64 text) are driven from one seed, so
/// `PEERLEDGER_PROPERTY_SEED=<printed seed> swift test --filter <test>` repeats a run exactly.
enum PropertyRun {
    static let seedVariable = "PEERLEDGER_PROPERTY_SEED"

    /// `count` inputs from `generator`, each given to `property` (which records issues with
    /// `#expect`, naming the input); the seed is printed with the property's name.
    static func check<Value, Shrinks>(
        _ name: String, count: Int = 2_000, _ generator: Generator<Value, Shrinks>, _ property: (Value) throws -> Void
    ) rethrows {
        var rng = seeded()
        print("property \"\(name)\": \(count) inputs from seed \(rng.currentSeed) (\(seedVariable)=\(rng.currentSeed) repeats them)")
        for _ in 0..<count {
            try property(generator.run(using: &rng))
        }
    }

    static func seeded() -> Xoshiro {
        if let text = ProcessInfo.processInfo.environment[seedVariable] {
            guard let rng = Xoshiro(seed: text) else {
                Issue.record("\(seedVariable)=\(text) is not a seed (32 bytes in base64, as printed by a run)")
                return Xoshiro()
            }
            return rng
        }
        return Xoshiro()
    }
}

/// Strings that input parsers meet: any Unicode text, digit strings of any length with and
/// without signs and prefixes, the edges of 32 and 64 bits, and date-shaped text whose fields run
/// past their ranges.
enum InputText {
    /// Scalars from all of Unicode except the surrogates (which are not scalars).
    static let scalar = Gen<Character>.oneOf(
        Gen.ascii, Gen.ascii, Gen.number, Gen.number,
        Gen<UnicodeScalar>.unicodeScalar(in: "\u{80}"..."\u{D7FF}").map(Character.init),
        Gen<UnicodeScalar>.unicodeScalar(in: "\u{E000}"..."\u{10FFFF}").map(Character.init))

    static let anyText = scalar.string(of: 0...40)

    /// Digits, 0 to 45 of them, after an optional sign or `AS` prefix, sometimes with a space.
    static let digits = zip(
        Gen<String?>.element(of: ["", "", "", "-", "+", "AS", "as", "-AS", " ", "0", "00"] as [String]).map { $0 ?? "" },
        Gen.number.string(of: 0...45),
        Gen<String?>.element(of: ["", "", "", " ", ".5", "e3", "x"] as [String]).map { $0 ?? "" }
    ).map { parts in parts.0 + parts.1 + parts.2 }

    /// Numbers at the edges of the ranges parsers check, one off either side.
    static let edges: [String] = {
        let values: [String] = [
            "0", "1", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551615",
            "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "9223372036854776", "-9223372036854776",
            "253402300799", "253402300800", "-62135596800", "-62135596801", "99999999999999999999999999999999",
        ]
        return values + values.map { "AS" + $0 } + values.map { "+" + $0 }
    }()

    static let edge = Gen<String?>.element(of: edges).map { $0 ?? "" }

    /// `YYYY-MM-DD[ T]HH:MM:SS[.fff][Z]` with every field drawn past its range.
    static let dateShaped = zip(
        Gen.int(in: 0...9999), Gen.int(in: 0...14), Gen.int(in: 0...33), Gen.int(in: 0...25), Gen.int(in: 0...61),
        Gen.int(in: 0...61)
    ).map { fields -> String in
        let (year, month, day, hour, minute, second) = fields
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        switch second % 4 {
        case 0: return date
        case 1: return "\(date) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        case 2: return "\(date)T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(minute * 7, 3))Z"
        default: return "\(date)T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))+00:00"
        }
    }

    /// A mix of all the above.
    static let any = Gen<String>.oneOf(anyText, digits, digits, edge, dateShaped, dateShaped)
}
