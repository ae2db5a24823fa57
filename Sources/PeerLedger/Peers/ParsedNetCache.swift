import Foundation

/// PeeringDB nets' fields as parsed from their canonical text, kept between reads: getPeers at an
/// exchange of 1,000 members spent most of a call parsing the same unchanged texts again after
/// every write. An entry is used only while the stored text is exactly the text it was parsed
/// from, so a changed net is parsed anew; the cache is bounded (emptied when full).
final class ParsedNetCache: @unchecked Sendable {
    static let shared = ParsedNetCache()
    /// At most this many nets are kept (a few MB).
    static let capacity = 4_096

    private let lock = NSLock()
    private var entries: [Int64: (text: String, fields: PeeringDBFields)] = [:]

    /// The fields of net `id` whose stored canonical text is `text`.
    func fields(id: Int64, text: String) -> PeeringDBFields {
        lock.lock()
        let kept = entries[id]
        lock.unlock()
        if let kept, kept.text == text { return kept.fields }
        let fields = PeeringDBFields.parsingCanonical(text)
        lock.lock()
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[id] = (text, fields)
        lock.unlock()
        return fields
    }

    /// How many nets are kept now (for tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
