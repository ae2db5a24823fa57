import Foundation
import Logging
import HTTPTypes
import NIOCore
import Hummingbird
import PeerLedgerDomain

/// A posted form (`application/x-www-form-urlencoded`), read once with a size bound. A body that
/// is not such a form is refused by name, never read as empty.
struct ConsoleForm: Sendable {
    private var fields: [String: String] = [:]

    subscript(_ name: String) -> String? { fields[name] }

    /// The field's text trimmed; nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    init(fields: [String: String]) { self.fields = fields }

    static func read(_ request: Request, limit: Int) async throws -> ConsoleForm {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw Refusal("the form is larger than \(limit / 1024) KiB")
        }
        return try parse(String(buffer: buffer))
    }

    /// `a=b&c=d` with `+` for spaces and percent escapes; a bad escape or a repeated field is refused.
    static func parse(_ text: String) throws(Refusal) -> ConsoleForm {
        var fields: [String: String] = [:]
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(pieces[0]), let value = decode(pieces.count > 1 ? pieces[1] : "") else {
                throw Refusal("the form is not URL-encoded text (a bad % escape near '\(Values.quoted(String(part.prefix(40))))')")
            }
            guard fields[name] == nil else { throw Refusal("the form gives \(name) twice") }
            fields[name] = value
        }
        return ConsoleForm(fields: fields)
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
