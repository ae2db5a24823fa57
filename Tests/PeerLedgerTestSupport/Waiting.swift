import Dispatch
import Foundation

/// Waits, polling every `interval`, until `condition` holds; past `limit` it throws a
/// `TestFailure` naming `what` was awaited, so a test that would otherwise hang fails and says
/// why. `what` reads after "waiting for", e.g. "60 acknowledged writes".
///
/// The polling suspends (`Task.sleep`), never blocks: an in-process server keeps answering on
/// Swift's cooperative pool meanwhile.
public func waitUntil(
    _ what: String, within limit: Duration = .seconds(30), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while !(try await condition()) {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(limit) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// Runs blocking `work` (a socket read, a pipe read, a child's exit) on a thread of its own and
/// suspends until it returns, so it never holds a thread of Swift's cooperative pool: an
/// in-process server answers on that pool, and a test blocking it could wait on itself.
///
/// Not on Dispatch's shared workers either: on Linux they are as many as the cores, and a worker
/// blocked in a read is replaced only when Dispatch's monitor notices, about once a second per
/// thread. With hundreds of tests side by side, each waiting on a child or a socket, a short wait
/// (a `psql`) queued behind them for a minute.
public func offPool<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        onThreadOfItsOwn { continuation.resume(returning: Result { () throws(E) -> T in try work() }) }
    }
    return try result.get()
}

/// Starts `work` on a new thread, which ends with it.
public func onThreadOfItsOwn(_ work: @escaping @Sendable () -> Void) {
    let thread = Thread { work() }
    thread.start()
}
