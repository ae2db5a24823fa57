import Foundation
import PeerLedger
package import PeerLedgerDomain

/// The checks every value passes before it is written into a router configuration, so that no
/// value can end a command and start another: no control characters anywhere, none of the
/// characters that delimit statements or strings on any platform (`;`, `"`, `{`, `}`, `\`, `` ` ``),
/// names (peer groups) in a form the platform takes as one word, and lengths the platform accepts.
///
/// The rules are the same for every platform where they can be: an operator moving a session
/// from FRR to Junos should not discover that its name was only ever safe on one of them.
package enum ConfigurationValues {
    /// Characters that delimit statements, strings or blocks on at least one platform.
    static let delimiters: Set<Unicode.Scalar> = [";", "\"", "{", "}", "\\", "`"]

    /// Free text (a description, a note): printable, no delimiters; trimmed to `maxLength`
    /// characters, since routers cut descriptions themselves.
    static func text(_ value: String, field: String, platform: RouterPlatform, maxLength: Int) throws(Refusal) -> String {
        try refuseUnsafe(value, field: field, platform: platform)
        let trimmed = value.trimmingSpaces
        return trimmed.count > maxLength ? String(trimmed.prefix(maxLength)).trimmingSpaces : trimmed
    }

    /// The longest name PeerLedger configures on a router (a peer group, a BIRD template).
    static let nameLimit = 64

    /// The name a value (the session's `peer_group`) is configured under on `platform`: the
    /// value itself when the platform accepts it as a name, else its router-safe form, the same
    /// every time for the same value:
    /// - FRR, Cisco IOS, Junos accept letters, digits, `.`, `_` and `-`; in the router-safe form
    ///   each run of other characters becomes one `-` (`group a` → `group-a`).
    /// - BIRD accepts letters, digits and `_`, not starting with a digit; each run of other
    ///   characters becomes one `_` (`group a` → `group_a`), and `_` goes before a leading digit.
    /// - Accented letters first lose their accents (`Équipe` → `Equipe`: Unicode's canonical
    ///   decomposition, which the Unicode stability policy keeps the same forever).
    /// - No separator is left at either end, and the form is cut to 64 characters.
    /// Control characters and statement delimiters are refused, never replaced: they are a
    /// sign of an injection attempt, not of a name. A value with no ASCII letter or digit is
    /// refused, since nothing of it would be left.
    package static func routerName(_ value: String, field: String, platform: RouterPlatform) throws(Refusal) -> String {
        try refuseUnsafe(value, field: field, platform: platform)
        let bird = platform == .bird2
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": return true
            case ".", "-": return !bird
            default: return false
            }
        }
        let scalars = Array(value.unicodeScalars)
        let startsWell = bird ? scalars.first.map { !("0"..."9").contains($0) } ?? false : !scalars.isEmpty
        if startsWell, scalars.count <= nameLimit, scalars.allSatisfy(allowed) { return value }

        let separator: Unicode.Scalar = bird ? "_" : "-"
        var out = String.UnicodeScalarView()
        var pendingSeparator = false
        for scalar in value.decomposedStringWithCanonicalMapping.unicodeScalars {
            // A combining mark left by the decomposition belongs to the letter before it.
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if allowed(scalar) {
                if pendingSeparator && !out.isEmpty { out.append(separator) }
                pendingSeparator = false
                out.append(scalar)
            } else {
                pendingSeparator = true
            }
        }
        var name = String(out)
        while name.unicodeScalars.first == separator { name.unicodeScalars.removeFirst() }
        guard name.unicodeScalars.contains(where: { $0.properties.isAlphabetic || ("0"..."9").contains($0) }) else {
            throw Refusal("\(field) '\(Values.quoted(value))' cannot be rendered for \(platform.rawValue): it has no ASCII letter or digit to make a router-safe name of")
        }
        if bird, let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "_" + name }
        if name.unicodeScalars.count > nameLimit { name = String(String.UnicodeScalarView(name.unicodeScalars.prefix(nameLimit))) }
        while name.unicodeScalars.last == separator { name.unicodeScalars.removeLast() }
        return name
    }

    /// A secret (a BGP password): printable ASCII, no spaces, no quotes of either kind, no delimiters.
    static func secret(_ value: String, field: String, platform: RouterPlatform, maxLength: Int) throws(Refusal) -> String {
        if let bad = value.unicodeScalars.first(where: Values.isControl) {
            throw Refusal("\(field) cannot be rendered for \(platform.rawValue): it contains a control character (\(Values.describe(bad)))")
        }
        guard !value.isEmpty,
            value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !delimiters.contains($0) && $0 != "'" && $0 != "#" })
        else {
            throw Refusal("\(field) cannot be rendered for \(platform.rawValue): it must be printable ASCII without spaces, quotes, '#', ';', braces or backslashes")
        }
        guard value.count <= maxLength else {
            throw Refusal("\(field) is longer than the \(maxLength) characters \(platform.rawValue) accepts")
        }
        return value
    }

    static func refuseUnsafe(_ value: String, field: String, platform: RouterPlatform) throws(Refusal) {
        if let bad = value.unicodeScalars.first(where: Values.isControl) {
            throw Refusal("\(field) '\(Values.quoted(value))' cannot be rendered for \(platform.rawValue): it contains a control character (\(Values.describe(bad))) that would start another command")
        }
        if let bad = value.unicodeScalars.first(where: { delimiters.contains($0) }) {
            throw Refusal("\(field) '\(Values.quoted(value))' cannot be rendered for \(platform.rawValue): '\(bad)' would end the value or the statement")
        }
    }

    package static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }
}
