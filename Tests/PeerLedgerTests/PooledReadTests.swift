import Foundation
import GRDB
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger

/// An async read's connection goes back to the pool without waiting for Swift's cooperative
/// pool: a server whose every cooperative thread waits for a connection (synchronous reads,
/// the kept-answer probes) must still get one.
@Suite("Async reads and the connection pool")
struct PooledReadTests {
    @Test("an async read gives its connection back while every cooperative thread is blocked waiting for one")
    func connectionGivenBackWithThePoolBlocked() async throws {
        var configuration = Configuration()
        configuration.maximumReaderCount = 1
        let pool = try DatabasePool(path: temporaryDatabasePath(), configuration: configuration)
        // The one connection, held by an async read for 300 ms.
        let first = Task { try await pool.readReleasingFirst { db in
            Thread.sleep(forTimeInterval: 0.3)
            return try Int.fetchOne(db, sql: "SELECT 1") ?? 0
        } }
        try await Task.sleep(for: .milliseconds(50))
        // Every cooperative thread blocked until a plain thread's synchronous read has had the
        // connection, 10 s at most each.
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let read = DispatchSemaphore(value: 0)
        let blocked = (0..<threads).map { _ in
            Task.detached { () -> Bool in read.wait(timeout: .now() + 10) == .success }
        }
        Thread {
            _ = try? pool.read { db in try Int.fetchOne(db, sql: "SELECT 2") }
            for _ in 0..<threads { read.signal() }
        }.start()
        var waited: [Bool] = []
        for task in blocked { waited.append(await task.value) }
        #expect(waited == Array(repeating: true, count: threads), "a blocked thread waited 10 s: the connection was not given back")
        #expect(try await first.value == 1)
    }
}
