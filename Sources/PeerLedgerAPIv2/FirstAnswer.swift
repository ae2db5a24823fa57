import Foundation

/// A create's answer as its idempotency record keeps it, so that a retry with the same
/// `Idempotency-Key` gets exactly the first answer, even after the resource changed. The
/// resources kept hold no secret (a session says only whether it has a password).
enum FirstAnswer {
    /// The answer's JSON, as the record keeps it.
    static func kept<Answer: Encodable>(_ answer: Answer) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(answer) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The answer a record keeps, or nil for a record holding only an id (kept before answers
    /// were recorded).
    static func restored<Answer: Decodable>(_ outcome: String, as type: Answer.Type) -> Answer? {
        guard outcome.hasPrefix("{") else { return nil }
        return try? JSONDecoder().decode(type, from: Data(outcome.utf8))
    }
}
