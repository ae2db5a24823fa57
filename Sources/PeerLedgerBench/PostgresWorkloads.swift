import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerPostgres

/// The event store on PostgreSQL, against plain inserts on the same server in the same run: the
/// rows of `peerledger bench --store postgres://…`. Everything is made in a schema of its own,
/// dropped at the end, so the database is left as it was.
public struct PostgresWorkloads: Sendable {
    let url: String
    let log: @Sendable (String) -> Void

    public init(url: String, log: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.log = log
    }

    /// Durable single appends (one SessionAdded per transaction, one writer), then appends from
    /// 16 writers over two stores (what two `serve` nodes hold: one writer connection each), each
    /// against as many plain `BEGIN; INSERT; COMMIT` of a row of the same payload, from one
    /// connection and from 16.
    public func run(count: Int) async throws -> [BenchmarkRow] {
        let bench = try await PostgresBenchSchema.create(url: url)
        var stores: [PostgresEventStore] = []
        do {
            let settings = try await bench.durabilitySettings()
            log("PostgreSQL: \(settings)")
            let payload = try LedgerWorkloads(events: 0, folder: FileManager.default.temporaryDirectory, log: log).samplePayload()
            stores = [try await bench.store(), try await bench.store()]
            var rows: [BenchmarkRow] = []

            let lone = try await Self.appends(stores: [stores[0]], writers: 1, count: count, first: 0)
            let plainLone = try await bench.plainInserts(count: count, writers: 1, payload: payload)
            log("single appends: ledger \(Int(Double(count) / lone))/s, plain \(Int(Double(count) / plainLone))/s")
            rows.append(BenchmarkRow(
                workload: "PostgreSQL: durable single appends (SessionAdded)", figure: Double(count) / lone,
                baseline: Double(count) / plainLone, unit: "commands/s", higherIsBetter: true, target: ">= 0.50", note: settings))

            let many = try await Self.appends(stores: stores, writers: 16, count: count, first: count)
            let plainMany = try await bench.plainInserts(count: count, writers: 16, payload: payload)
            log("16 writers: ledger \(Int(Double(count) / many))/s, plain \(Int(Double(count) / plainMany))/s")
            rows.append(BenchmarkRow(
                workload: "PostgreSQL: 16 concurrent writers over 2 stores", figure: Double(count) / many,
                baseline: Double(count) / plainMany, unit: "commands/s", higherIsBetter: true, target: ">= 0.50",
                note: "baseline: 16 connections of plain inserts"))
            for store in stores { await store.close() }
            try await bench.drop()
            return rows
        } catch {
            for store in stores { await store.close() }
            try? await bench.drop()
            throw error
        }
    }

    /// `count` appends of a new session each, by `writers` tasks spread over `stores` in turn;
    /// the seconds they took. Session ids start after `first`.
    static func appends(stores: [PostgresEventStore], writers: Int, count: Int, first: Int) async throws -> Double {
        let metadata = EventMetadata(actor: "bench")
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let store = stores[writer % stores.count]
                group.addTask {
                    for n in stride(from: writer, to: count, by: writers) {
                        let id = first + n + 1
                        _ = try await store.append(metadata) { log in
                            try log.append(.sessionAdded(LedgerWorkloads.session(id)), to: "session-\(id)", expecting: .noStream)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return (ContinuousClock.now - started).seconds
    }
}
