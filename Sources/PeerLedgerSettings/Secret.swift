import Foundation

/// A password or other secret read from a file or the environment. It prints as `(secret)`
/// however it is printed, interpolated, dumped or logged; only `reveal()` hands the text to the
/// one place that needs it (an SMTP AUTH exchange).
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let text: String

    public init(_ text: String) { self.text = text }

    public func reveal() -> String { text }

    public var description: String { "(secret)" }
    public var debugDescription: String { "(secret)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// Where a secret came from, named in `config check` instead of the secret.
public enum SecretOrigin: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case environment(String)

    public var description: String {
        switch self {
        case let .file(path): "read from \(path)"
        case let .environment(variable): "from \(variable)"
        }
    }
}

extension Secret {
    /// Reads a secret file: one line, without the line break an editor adds at its end. An
    /// unreadable or empty file, or one of several lines (which of them would be the secret?),
    /// is refused, naming `place` and the path but never any content. A file that others may
    /// read is accepted with a warning (`warnings`).
    static func read(file path: String, place: String, warnings: inout [String]) throws(SettingsProblem) -> Secret {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SettingsProblem("\(place) names \(path), which cannot be read (\(Self.reason(error)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingsProblem("\(place) names \(path), which is not UTF-8 text")
        }
        var secret = Substring(text)
        while let last = secret.last, last == "\n" || last == "\r" || last == "\r\n" { secret = secret.dropLast() }
        guard !secret.isEmpty else { throw SettingsProblem("\(place) names \(path), which is empty") }
        guard !secret.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            throw SettingsProblem("\(place) names \(path), which holds more than one line: the secret must be its only line")
        }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            warnings.append(
                "\(place) names \(path), which users other than its owner may read (mode \(String(mode & 0o777, radix: 8))): chmod 600 it")
        }
        return Secret(String(secret))
    }

    /// Why a file could not be read, in words, without Foundation's long error text.
    static func reason(_ error: any Error) -> String {
        let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? (error as NSError).code
        switch code {
        case Int(ENOENT), NSFileReadNoSuchFileError: return "no such file"
        case Int(EACCES), NSFileReadNoPermissionError: return "permission denied"
        case Int(EISDIR): return "it is a folder"
        default: return "error \(code)"
        }
    }
}
