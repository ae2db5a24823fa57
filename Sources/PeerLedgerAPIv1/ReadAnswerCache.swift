import Foundation
import PeerLedger
import PeerLedgerDomain
import Synchronization

/// Answers of the heavy list reads (getSessions, getPeers, getCommunications), kept with the log
/// position the projections had when they were computed, so a read repeated between writes costs
/// one tiny query instead of building and serializing the list again.
///
/// It can never serve a stale answer: an entry is used only when the projections' position
/// (`LedgerReader.projectionPosition()`), read in the same snapshot as the read itself, is the
/// entry's position.
/// Every write that changes a projection appends an event and so moves that position (also a
/// write from another process on the same file). Only reads that are pure functions of the
/// projections and their parameters are cached: never `as_of`, never audit, never a read of
/// what changes without an event (the outbox).
package final class ReadAnswerCache: Sendable {
    /// Read actions of target `peering` whose answers depend only on the projections.
    static let cachedActions: Set<String> = ["getSessions", "getPeers", "getCommunications"]
    /// Parameters that authenticate a call but do not change its answer.
    static let ignoredParameters: Set<String> = ["apiKey", "hash", "time"]
    /// At most this many answers are kept (all of one position).
    static let capacity = 64

    /// What is kept, all of one position.
    private struct Kept {
        var position: Int64 = -1
        var answers: [String: APIAnswer] = [:]
        /// API key rows read at `position`, by apiKey: the same rule holds for them, since
        /// creating or revoking a key appends an event (moving the position) in the transaction
        /// that changes the row. A revoked key is read again on the next call, and refused.
        var keys: [String: StoredAPIKey] = [:]

        /// Forgets what was kept for an older position.
        mutating func advance(to position: Int64) {
            answers.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            self.position = position
        }
    }

    private let kept = Mutex(Kept())

    package init() {}

    /// The cache key of a call, or nil when its answer must not be cached.
    static func key(action: String, parameters: Parameters) -> String? {
        guard parameters.nonEmpty("target") == "peering", cachedActions.contains(action),
            parameters["as_of"] == nil
        else { return nil }
        var key = ""
        for (name, value) in parameters.pairs where !ignoredParameters.contains(name) {
            key += name
            key += "\u{1F}"
            key += value
            key += "\u{1E}"
        }
        return key
    }

    /// The answer of the call `key` in this snapshot: the one kept for the projections' position,
    /// else `read`'s reply, serialized once and kept.
    func answer(for key: String, _ reader: LedgerReader, read: () throws -> Reply) throws -> APIAnswer {
        let position = try reader.projectionPosition()
        if let cached = answer(for: key, at: position) { return cached }
        var answer = APIAnswer.success(try read())
        answer.render()
        store(answer, for: key, at: position)
        return answer
    }

    func answer(for key: String, at position: Int64) -> APIAnswer? {
        kept.withLock { kept in
            guard position == kept.position else { return nil }
            return kept.answers[key]
        }
    }

    func store(_ answer: APIAnswer, for key: String, at position: Int64) {
        kept.withLock { kept in
            // A reader on an older snapshot must not push out the answers of a newer one.
            guard position >= kept.position else { return }
            if position != kept.position {
                kept.advance(to: position)
            } else if kept.answers.count >= Self.capacity {
                kept.answers.removeAll(keepingCapacity: true)
            }
            kept.answers[key] = answer
        }
    }

    /// The key row `apiKey` read at `position`, when it was kept at that very position.
    func storedKey(_ apiKey: String, at position: Int64) -> StoredAPIKey? {
        kept.withLock { kept in
            guard position == kept.position else { return nil }
            return kept.keys[apiKey]
        }
    }

    func store(_ key: StoredAPIKey, at position: Int64) {
        kept.withLock { kept in
            guard position >= kept.position else { return }
            if position != kept.position { kept.advance(to: position) }
            if kept.keys.count >= Self.capacity { kept.keys.removeAll(keepingCapacity: true) }
            kept.keys[key.key.apiKey] = key
        }
    }

    /// Forgets every answer (the benchmark measures reads that miss the cache this way).
    package func removeAll() {
        kept.withLock { $0 = Kept() }
    }

    /// How many answers are kept now (for tests).
    var count: Int { kept.withLock { $0.answers.count } }
}
