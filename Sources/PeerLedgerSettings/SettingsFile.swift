import Foundation
import TOMLKit

/// The configuration file: TOML, every setting a top-level key. Each key is checked against the
/// catalog; a key the catalog does not know is refused by name, never ignored, since a misspelt
/// key silently ignored is a setting silently at its default.
enum SettingsFile {
    /// The file's keys and values, each checked, in the file's order.
    static func entries(path: String) throws(SettingsError) -> [(Setting, SettingValue)] {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw SettingsError(problems: [SettingsProblem("\(path) is not UTF-8 text")])
            }
            text = decoded
        } catch let error as SettingsError {
            throw error
        } catch {
            throw SettingsError(
                problems: [SettingsProblem("Cannot read the configuration file \(path): \(Secret.reason(error))")], fileUnreadable: true)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SettingsError(problems: [parseProblem(error, text: text, path: path)])
        } catch {
            throw SettingsError(problems: [SettingsProblem("\(path) is not valid TOML")])
        }
        var entries: [(Setting, SettingValue)] = []
        var problems: [(line: Int, problem: SettingsProblem)] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (key, convertible) in table {
            let value = convertible.tomlValue
            let place = "\(path): \(key)"
            guard let setting = Setting.named(key) else {
                problems.append((line(of: key, in: lines), unknownKey(key, value: value, place: place)))
                continue
            }
            do throws(SettingsProblem) {
                entries.append((setting, try setting.value(fromFile: raw(value), place: place)))
            } catch {
                problems.append((line(of: key, in: lines), error))
            }
        }
        // The parser hands keys back sorted; problems are told in the file's order.
        guard problems.isEmpty else { throw SettingsError(problems: problems.sorted { $0.line < $1.line }.map(\.problem)) }
        return entries
    }

    /// The first line that sets `key` or opens a table of that name (Int.max if none does).
    static func line(of key: String, in lines: [Substring]) -> Int {
        let index = lines.firstIndex { line in
            let text = line.drop { $0 == " " || $0 == "\t" }
            if text.hasPrefix("[\(key)]") || text.hasPrefix("[\(key).") { return true }
            guard text.hasPrefix(key) else { return false }
            let rest = text.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
            return rest.hasPrefix("=") || rest.hasPrefix(".")
        }
        return index ?? Int.max
    }

    /// Names why a key is refused; its value is never repeated (it might be a secret).
    static func unknownKey(_ key: String, value: TOMLValue, place: String) -> SettingsProblem {
        if let secret = Setting.catalog.first(where: { $0.inlineSecretKey == key }), case let .secretFile(variable) = secret.kind {
            return SettingsProblem(
                "\(place): a secret is not taken inline in the configuration file, which is often readable by others and copied around; write the path of a file holding it as \(secret.key) (a file only the service's user can read), or set \(variable) in the service's environment"
            )
        }
        if let reason = Setting.reserved[key] { return SettingsProblem("\(place) \(reason)") }
        if value.type == .table {
            return SettingsProblem("\(place): unknown table [\(key)]: every setting is a top-level key, e.g. smtp_host = \"relay.example.net\"")
        }
        let suggestion = Setting.closest(to: key).map { " (did you mean \($0)?)" } ?? ""
        return SettingsProblem("\(place): unknown key\(suggestion)")
    }

    static func raw(_ value: TOMLValue) -> RawValue {
        switch value.type {
        case .string: value.string.map(RawValue.text) ?? .other(typeName: "string")
        case .int: value.int.map { RawValue.integer(Int64($0)) } ?? .other(typeName: "integer")
        case .bool: value.bool.map(RawValue.boolean) ?? .other(typeName: "boolean")
        default: .other(typeName: value.type.description)
        }
    }

    /// The parser's message with its line and column, unless the line looks like a secret's:
    /// the parser quotes the text it choked on, and that text must not reach a terminal or a log.
    static func parseProblem(_ error: TOMLParseError, text: String, path: String) -> SettingsProblem {
        let line = error.source.begin.line
        let where_ = "\(path) line \(line), column \(error.source.begin.column)"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let source = line >= 1 && line <= lines.count ? lines[line - 1].lowercased() : ""
        let name = source.split(separator: "=", maxSplits: 1).first.map(String.init) ?? source
        if ["password", "secret", "token"].contains(where: { name.contains($0) }) {
            return SettingsProblem("\(where_): not valid TOML (the parser's message is not shown: the line may hold a secret)")
        }
        return SettingsProblem("\(where_): not valid TOML: \(error.description)")
    }
}

extension Setting {
    /// The setting whose key is nearest a misspelt one, when it is near enough to be meant.
    static func closest(to key: String) -> String? {
        let scored = catalog.map { ($0.key, editDistance(key, $0.key)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, key.count / 4) else { return nil }
        return best
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
