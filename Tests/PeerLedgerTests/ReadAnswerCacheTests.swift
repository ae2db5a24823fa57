import Foundation
import Synchronization
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

/// The read-answer cache serves repeated list reads between writes, and never a stale one.
struct ReadAnswerCacheTests {
    @Test func repeatedReadIsServedFromTheCacheWithTheSameBytes() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let first = try await t.call("action=getSessions&public_id=1")
        #expect(t.api.readCache.count == 1)
        let second = try await t.call("action=getSessions&public_id=1")
        #expect(second == first)
        #expect(second.text == first.body.serialized())
        #expect(second.data?.arrayValue?.count == 1)
    }

    /// Counts the builds of an answer.
    final class Builds: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test func callsThatMissAtOnceShareOneBuildOfTheAnswer() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        try await t.call(amazon)
        let cache = ReadAnswerCache()
        let builds = Builds()
        // Six calls at one position: whichever comes while the first builds waits for it, and
        // one that comes after takes the kept answer, so the answer is built once whatever the timing.
        let answers = try await withThrowingTaskGroup(of: APIAnswer.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await t.ledger.reading { reader in
                        try cache.answer(for: "getSessions", reader) {
                            builds.add()
                            Thread.sleep(forTimeInterval: 0.3)
                            return Reply("1 session found.", data: .array([.string("one")]))
                        }
                    }
                }
            }
            var answers: [APIAnswer] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        #expect(builds.value == 1)
        #expect(answers.count == 6)
        #expect(Set(answers.map(\.text)) == [#"{"success":1,"message":"1 session found.","data":["one"]}"#])
    }

    @Test func aBuildThatFailsLeavesTheOthersToBuildTheirOwn() async throws {
        let t = try TestLedger(path: temporaryDatabasePath())
        let cache = ReadAnswerCache()
        struct Broken: Error {}
        await #expect(throws: Broken.self) {
            try await t.ledger.reading { reader in try cache.answer(for: "k", reader) { throw Broken() } }
        }
        let answer = try await t.ledger.reading { reader in try cache.answer(for: "k", reader) { Reply("built") } }
        #expect(answer.message == "built")
    }

    @Test func aWriteBetweenTwoReadsIsSeenByTheSecondRead() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let before = try await t.call("action=getSessions&public_id=1")
        #expect(before.data?.arrayValue?.count == 1)
        try await t.call(akamai)
        let after = try await t.call("action=getSessions&public_id=1")
        #expect(after.data?.arrayValue?.count == 2)
        #expect(after.message == "2 sessions found.")

        let update = try await t.call("action=updateSession&id=1&note=changed")
        #expect(update.succeeded)
        let updated = try await t.call("action=getSessions&public_id=1")
        let notes = updated.data?.arrayValue?.compactMap { $0["note"]?.stringValue }
        #expect(notes?.contains("changed") == true)
        #expect(updated.text == updated.body.serialized())
    }

    @Test func aWriteThroughAnotherLedgerOnTheSameFileInvalidatesTheCache() async throws {
        let path = temporaryDatabasePath()
        let reader = try TestLedger(path: path)
        let writer = try TestLedger(path: path)
        try await writer.call(amazon)
        let before = try await reader.call("action=getSessions&public_id=1")
        #expect(before.data?.arrayValue?.count == 1)
        try await writer.call(akamai)
        let after = try await reader.call("action=getSessions&public_id=1")
        #expect(after.data?.arrayValue?.count == 2)
    }

    @Test func asOfAuditAndRefusedReadsAreNotCached() async throws {
        let t = try TestLedger()
        try await t.call(amazon)
        let past = try await t.call("action=getSessions&public_id=1&as_of=2026-11-20+09:00:00")
        #expect(past.succeeded)
        let refused = try await t.call("action=getSessions")
        #expect(!refused.succeeded)
        let history = try await t.call("target=audit&action=getHistory&session=1")
        #expect(history.succeeded)
        #expect(t.api.readCache.count == 0)
    }

    @Test func signatureParametersDoNotSplitTheCacheButOtherParametersDo() throws {
        let plain = try Parameters(formEncoded: "target=peering&action=getSessions&public_id=1")
        let signed = try Parameters(formEncoded: "target=peering&action=getSessions&public_id=1&apiKey=1-AB&time=5&hash=x")
        let other = try Parameters(formEncoded: "target=peering&action=getSessions&public_id=2")
        #expect(ReadAnswerCache.key(action: "getSessions", parameters: plain) == ReadAnswerCache.key(action: "getSessions", parameters: signed))
        #expect(ReadAnswerCache.key(action: "getSessions", parameters: plain) != ReadAnswerCache.key(action: "getSessions", parameters: other))
        #expect(ReadAnswerCache.key(action: "getRequests", parameters: plain) == nil)
    }
}
