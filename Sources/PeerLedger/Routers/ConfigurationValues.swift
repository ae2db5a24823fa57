/// The checks every value passes before it is written into a router configuration, so that no
/// value can end a command and start another: no control characters anywhere, none of the
/// characters that delimit statements or strings on any platform (`;`, `"`, `{`, `}`, `\`, `` ` ``),
/// single words where the platform wants a word, and lengths the platform accepts.
///
/// The rules are the same for every platform where they can be: an operator moving a session
/// from FRR to Junos should not discover that its name was only ever safe on one of them.
enum ConfigurationValues {
    /// Characters that delimit statements, strings or blocks on at least one platform.
    static let delimiters: Set<Unicode.Scalar> = [";", "\"", "{", "}", "\\", "`"]

    /// Free text (a description, a note): printable, no delimiters; trimmed to `maxLength`
    /// characters, since routers cut descriptions themselves.
    static func text(_ value: String, field: String, platform: RouterPlatform, maxLength: Int) throws(Refusal) -> String {
        try refuseUnsafe(value, field: field, platform: platform)
        let trimmed = value.trimmingSpaces
        return trimmed.count > maxLength ? String(trimmed.prefix(maxLength)).trimmingSpaces : trimmed
    }

    /// A name the platform takes as one word (a peer group): letters, digits, `.`, `_`, `-`.
    static func word(_ value: String, field: String, platform: RouterPlatform, maxLength: Int) throws(Refusal) -> String {
        try refuseUnsafe(value, field: field, platform: platform)
        guard !value.isEmpty, value.unicodeScalars.allSatisfy(isWordScalar) else {
            throw Refusal("\(field) '\(Values.quoted(value))' cannot be rendered for \(platform.rawValue): it must be one word of letters, digits, '.', '_' or '-'")
        }
        guard value.count <= maxLength else {
            throw Refusal("\(field) '\(Values.quoted(value))' is longer than the \(maxLength) characters \(platform.rawValue) accepts")
        }
        return value
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

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }
}
