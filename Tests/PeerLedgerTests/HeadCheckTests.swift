import Foundation
import PeerLedgerTestSupport
import Synchronization
import Testing

@testable import PeerLedger

/// The head check a following ledger's reads share (`HeadCheck`).
@Suite("Shared head checks")
struct HeadCheckTests {
    /// A log head whose position counts the requests made.
    final class CountingRecord: Sendable {
        let asked = Mutex(0)
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let holdFirst: Bool
        init(holdFirst: Bool) { self.holdFirst = holdFirst }

        func head() async throws -> LogHead {
            let number = asked.withLock { count in
                count += 1
                return count
            }
            if number == 1 && holdFirst { await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } } }
            try await Task.sleep(for: .milliseconds(50))
            return LogHead(position: Int64(number), hash: "h\(number)")
        }

        func releaseFirst() { gate.withLock { $0?.resume(); $0 = nil } }
        var firstHeld: Bool { gate.withLock { $0 != nil } }
    }

    @Test("a read that arrives while a head request is on its way waits for the next request, sent after it arrived")
    func aLateReadGetsALaterRequest() async throws {
        let record = CountingRecord(holdFirst: true)
        let check = HeadCheck { try await record.head() }
        let early = Task { try await check.head() }
        try await waitUntil("the first request to be on its way", within: .seconds(60), every: .milliseconds(5)) { record.firstHeld }
        let late = Task { try await check.head() }
        try await Task.sleep(for: .milliseconds(50))
        record.releaseFirst()
        #expect(try await early.value.position == 1)
        #expect(try await late.value.position == 2)
        #expect(record.asked.withLock { $0 } == 2)
    }

    @Test("reads waiting at the same moment share one request: 64 concurrent reads ask far fewer times, each gets a head")
    func concurrentReadsShareRequests() async throws {
        let record = CountingRecord(holdFirst: false)
        let check = HeadCheck { try await record.head() }
        let heads = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<64 { group.addTask { try await check.head().position } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        let asked = record.asked.withLock { $0 }
        #expect(heads.count == 64)
        #expect(Set(heads).isSubset(of: Set((1...Int64(asked)).map { $0 })))
        #expect(asked >= 1 && asked <= 16, "64 reads made \(asked) requests")
    }
}
