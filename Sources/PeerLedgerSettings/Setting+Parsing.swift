import PeerLedger
import PeerLedgerDomain

/// A value as it arrived, before it is checked against its setting: TOML knows its type, the
/// environment and flags give text.
enum RawValue {
    case text(String)
    case integer(Int64)
    case boolean(Bool)
    /// A TOML value of a type no setting takes (a float, a date, an array, a table).
    case other(typeName: String)
}

extension Setting {
    /// Checks a value from the file against the setting. `place` names where it came from
    /// (`peerledger.toml: port`) and starts every message.
    func value(fromFile raw: RawValue, place: String) throws(SettingsProblem) -> SettingValue {
        switch (kind, raw) {
        case (.integer, .integer(let number)):
            return try checked(number, place: place)
        case (.boolean, .boolean(let flag)):
            return .boolean(flag)
        case (.integer, .text(let text)) where Int64(text) != nil:
            throw SettingsProblem("\(place) must be a number, without quotes: \(key) = \(text)")
        case (.boolean, .text(let text)) where ["true", "false"].contains(text):
            throw SettingsProblem("\(place) must be true or false, without quotes: \(key) = \(text)")
        case (.text, .text(let text)), (.path, .text(let text)), (.choice, .text(let text)), (.mailbox, .text(let text)),
            (.secretFile, .text(let text)):
            return try checked(text, place: place)
        default:
            throw SettingsProblem("\(place) must be \(accepted), got \(Self.describe(raw))")
        }
    }

    /// Checks a value given as text, by an environment variable or a flag, against the setting.
    func value(fromText text: String, place: String) throws(SettingsProblem) -> SettingValue {
        switch kind {
        case .integer:
            // Int64(text) refuses anything that does not fit: the range check below sees only
            // numbers the later arithmetic can hold.
            guard let number = Int64(text) else { throw SettingsProblem("\(place) must be \(accepted), got '\(Self.shown(text))'") }
            return try checked(number, place: place)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .boolean(true)
            case "false", "no", "off", "0": return .boolean(false)
            default: throw SettingsProblem("\(place) must be true or false, got '\(Self.shown(text))'")
            }
        case .text, .path, .choice, .mailbox, .secretFile:
            return try checked(text, place: place)
        }
    }

    private func checked(_ number: Int64, place: String) throws(SettingsProblem) -> SettingValue {
        guard case let .integer(range, unit) = kind else { throw SettingsProblem("\(place) must be \(accepted), got \(number)") }
        guard range.contains(number) else {
            throw SettingsProblem("\(place) must be from \(range.lowerBound) to \(range.upperBound)\(unit.isEmpty ? "" : " \(unit)"), got \(number)")
        }
        return .integer(number)
    }

    private func checked(_ text: String, place: String) throws(SettingsProblem) -> SettingValue {
        guard !text.isEmpty else { throw SettingsProblem("\(place) must be \(accepted), got an empty value") }
        guard text.utf8.count <= 4096 else { throw SettingsProblem("\(place) is longer than 4096 bytes") }
        if let control = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw SettingsProblem(
                "\(place) must not hold control characters, got U+\(String(control.value, radix: 16, uppercase: true)) in '\(Self.shown(text))'")
        }
        switch kind {
        case let .choice(choices):
            guard choices.contains(text) else { throw SettingsProblem("\(place) must be \(Self.oneOf(choices)), got '\(text)'") }
        case .mailbox:
            do throws(Refusal) {
                _ = try Mailbox(parsing: text, field: place)
            } catch {
                throw SettingsProblem(error.message)
            }
        default:
            break
        }
        return .text(text)
    }

    static func describe(_ raw: RawValue) -> String {
        switch raw {
        case let .text(text): "the text \"\(shown(text))\""
        case let .integer(number): "the number \(number)"
        case let .boolean(flag): "\(flag)"
        case let .other(typeName): "a value of type \(typeName)"
        }
    }

    /// A value quoted in a message: control characters escaped and long text cut, so a message
    /// is one readable line.
    static func shown(_ text: String) -> String {
        let escaped = text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
            .joined()
        return escaped.count > 80 ? String(escaped.prefix(80)) + "…" : escaped
    }
}
