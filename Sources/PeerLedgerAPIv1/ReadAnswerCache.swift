import Foundation
import PeerLedger
import PeerLedgerDomain
import Synchronization

/// Answers of the heavy list reads (getSessions, getPeers, getCommunications), kept with the log
/// position the projections had when they were computed, so a read repeated between writes costs
/// one tiny query instead of building and serializing the list again. Calls that miss at the same
/// moment share one build: the first builds, the others wait for its answer (`Build`), so eight
/// clients reading the big exchange after a write build its 3 MB answer once, not eight times at
/// once (which cost the server ~100 MB of memory at that peak, and the CPU of seven builds).
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
        /// The answers being built now, by key, each at the position of its builder's snapshot.
        var building: [String: (position: Int64, build: Build)] = [:]

        /// Forgets what was kept for an older position.
        mutating func advance(to position: Int64) {
            answers.removeAll(keepingCapacity: true)
            building = building.filter { $0.value.position >= position }
            keys.removeAll(keepingCapacity: true)
            self.position = position
        }
    }

    private let kept = Mutex(Kept())

    /// One answer being built: those waiting for it wait on `done`, then take `answer` (nil when
    /// the build failed: each then builds its own, and reports its own error).
    final class Build: Sendable {
        let done = DispatchGroup()
        let answer = Mutex<APIAnswer?>(nil)

        init() { done.enter() }
    }

    /// How long a call waits for another's build of its answer before it builds its own.
    static let buildWait: DispatchTimeInterval = .seconds(30)

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
        enum Step {
            case kept(APIAnswer)
            case wait(Build)
            case build(Build)
        }
        let step = kept.withLock { kept -> Step in
            if position == kept.position, let answer = kept.answers[key] { return .kept(answer) }
            if let building = kept.building[key], building.position == position { return .wait(building.build) }
            let build = Build()
            kept.building[key] = (position, build)
            return .build(build)
        }
        switch step {
        case let .kept(answer):
            return answer
        case let .wait(build):
            // The builder read the same position, so its answer is this snapshot's too.
            if build.done.wait(timeout: .now() + Self.buildWait) == .success, let answer = build.answer.withLock({ $0 }) {
                return answer
            }
            return try Self.built(read)
        case let .build(build):
            defer {
                kept.withLock { kept in
                    if kept.building[key]?.build === build { kept.building[key] = nil }
                }
                build.done.leave()
            }
            let answer = try Self.built(read)
            build.answer.withLock { $0 = answer }
            store(answer, for: key, at: position)
            return answer
        }
    }

    /// `read`'s reply as an answer, serialized once.
    private static func built(_ read: () throws -> Reply) throws -> APIAnswer {
        var answer = APIAnswer.success(try read())
        answer.render()
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
