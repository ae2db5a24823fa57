import GRDB

extension DatabaseReader {
    /// An async read that hands its connection back to the pool on the connection's own queue.
    ///
    /// GRDB's `async` read gives the connection back only once the awaiting task has resumed,
    /// which needs a thread of Swift's cooperative pool; a synchronous read made on that pool
    /// (the kept-answer probes, `Ledger.readNow`) blocks one until a connection is free. With as
    /// many such reads as the pool has threads, connections held by reads waiting to resume were
    /// never given back, and the server stopped answering. Here the read's value is handed over
    /// and the connection released on the reader's queue, so a free connection never waits for
    /// the cooperative pool.
    func readReleasingFirst<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            asyncRead { database in
                continuation.resume(with: Result { try body(database.get()) })
            }
        }
    }
}
