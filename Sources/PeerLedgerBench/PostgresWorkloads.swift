public import Foundation
import GRDB
public import PeerLedger
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

    /// Durable single appends (one SessionAdded per transaction, one writer) through the store and
    /// through a node following it, then appends from 16 writers over two stores (one writer
    /// connection each) and commands from 16 writers over two nodes (what two `serve --store`
    /// processes do), each against as many plain `BEGIN; INSERT; COMMIT` of a row of the same
    /// payload, from one connection and from 16.
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

            let loneNode = try await Self.nodeWrites(stores: [stores[0]], writers: 1, count: count, first: 3 * count, log: log)
            log("single commands on a node: \(Int(Double(count) / loneNode))/s")
            rows.append(BenchmarkRow(
                workload: "PostgreSQL: durable single commands on a node (addSession)", figure: Double(count) / loneNode,
                baseline: Double(count) / plainLone, unit: "commands/s", higherIsBetter: true, target: ">= 0.50",
                note: "a ledger file following the log, one writer; baseline: plain inserts from one connection"))

            let many = try await Self.appends(stores: stores, writers: 16, count: count, first: count)
            let plainMany = try await bench.plainInserts(count: count, writers: 16, payload: payload)
            log("16 writers: ledger \(Int(Double(count) / many))/s, plain \(Int(Double(count) / plainMany))/s")
            rows.append(BenchmarkRow(
                workload: "PostgreSQL: 16 concurrent writers over 2 stores", figure: Double(count) / many,
                baseline: Double(count) / plainMany, unit: "commands/s", higherIsBetter: true, target: ">= 0.50",
                note: "baseline: 16 connections of plain inserts"))
            let nodes = try await Self.nodeWrites(stores: stores, writers: 16, count: count, first: 2 * count, log: log)
            log("16 writers over 2 nodes: \(Int(Double(count) / nodes))/s")
            rows.append(BenchmarkRow(
                workload: "PostgreSQL: 16 concurrent writers over 2 nodes", figure: Double(count) / nodes,
                baseline: Double(count) / plainMany, unit: "commands/s", higherIsBetter: true, target: ">= 0.50",
                note: "ledger files following the log; baseline: 16 connections of plain inserts"))
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
        return try await spread(count, over: stores, writers: writers) { store, n in
            let id = first + n + 1
            _ = try await store.append(metadata) { log in
                try log.append(.sessionAdded(LedgerWorkloads.session(id)), to: "session-\(id)", expecting: .noStream)
            }
        }
    }

    /// Runs `write` for 0..<`count` from `writers` tasks at once, writer `w` taking every
    /// `writers`-th number from `w` on `targets[w % targets.count]`; the seconds they took.
    static func spread<Target: Sendable>(
        _ count: Int, over targets: [Target], writers: Int, _ write: @escaping @Sendable (Target, Int) async throws -> Void
    ) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let target = targets[writer % targets.count]
                group.addTask {
                    for n in stride(from: writer, to: count, by: writers) { try await write(target, n) }
                }
            }
            try await group.waitForAll()
        }
        return (ContinuousClock.now - started).seconds
    }
}

extension PostgresWorkloads {
    /// `count` commands adding a session each, by `writers` tasks spread over two nodes: ledger
    /// files in a temporary folder, each following one of `stores` (what `serve --store` runs),
    /// so each command is decided on a node's copy under the log's head lock, committed to
    /// PostgreSQL and then to the node's file. The seconds they took; session ids start after
    /// `first`.
    static func nodeWrites(
        stores: [PostgresEventStore], writers: Int, count: Int, first: Int, log: @Sendable (String) -> Void
    ) async throws -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-bench-nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var nodes: [Ledger] = []
        for (index, store) in stores.enumerated() {
            let node = try Ledger.open(at: folder.appendingPathComponent("node-\(index).sqlite").path)
            try await node.follow(store)
            nodes.append(node)
        }
        log("two nodes follow the log; \(writers) writers...")
        let metadata = EventMetadata(actor: "bench")
        let seconds = try await spread(count, over: nodes, writers: writers) { node, n in
            let id = first + n + 1
            _ = try await node.write(metadata) { tx in
                try tx.append(.sessionAdded(LedgerWorkloads.session(id)), to: "session-\(id)", expecting: .noStream)
            }
        }
        let groups = nodes.map { node in
            let commits = node.groupCommits
            return String(format: "%.1f", commits.commandsPerGroup) + " (\(commits.onHead) of \(commits.groups) on the head, \(commits.ranAgain) run again)"
        }
        log("commands per commit on the nodes: \(groups.joined(separator: ", "))")
        return seconds
    }

    /// A new node's copy of `world`'s log built from PostgreSQL (what `serve --store` does on an
    /// empty file: every event copied in as recorded, every projection built), against a plain
    /// read of the same log from the same server plus one plain SQLite insert per event, run
    /// before and after it. The world's log is loaded into a schema of its own first (not
    /// timed), dropped at the end.
    ///
    /// With `http`, that node's file then serves the big exchange's lists over HTTP as a `serve
    /// --store` process following the same log (each read checks the log's head first), against
    /// nginx serving the same bytes (`HTTPWorkload`).
    ///
    /// Then `writes` durable single commands on that node, the log holding the world (its
    /// indexes as large as a long-lived ledger's), against as many plain inserts on the same
    /// server, run before and after them.
    public func nodeCopy(of world: Ledger, folder: URL, http: Bool = false, writes: Int = 1_000) async throws -> [BenchmarkRow] {
        let bench = try await PostgresBenchSchema.create(url: url)
        let store: PostgresEventStore
        do {
            store = try await bench.store()
        } catch {
            try? await bench.drop()
            throw error
        }
        do {
            let events = try world.headPosition()
            try await Self.load(world, into: store, log: log)
            let before = try await Self.plainReadAndInsert(store, folder: folder)
            let copy = folder.appendingPathComponent("node-copy.sqlite").path
            let started = ContinuousClock.now
            let node = try Ledger.open(at: copy, snapshotInterval: Int64.max)
            try await node.follow(store)
            let seconds = (ContinuousClock.now - started).seconds
            let sameLog = try node.headPosition() == events
            let sameProjections = try node.projectionChecksum() == world.projectionChecksum()
            guard sameLog, sameProjections else {
                throw BenchmarkFailure("the node's copy is not the world: its log or its projections differ")
            }
            let after = try await Self.plainReadAndInsert(store, folder: folder)
            let total = Double(events)
            let baseline = total / ((before + after) / 2)
            log("node copy: \(Int(total / seconds)) events/s; baseline \(Int(total / before)) and \(Int(total / after)) events/s")
            // Its memory as a node's process has it (this one holds the world it loaded): a lone
            // `peerledger rebuild --store` making a copy from nothing (the copy's one replay
            // builds its projections; the command does not replay them again).
            let lonePath = folder.appendingPathComponent("lone-node-copy.sqlite").path
            let lone = try await onThread {
                try LedgerWorkloads.loneRebuild(database: lonePath, arguments: ["--store", bench.schemaURL])
            }
            try? FileManager.default.removeItem(atPath: lonePath)
            guard lone.events == events else {
                throw BenchmarkFailure("the lone node's copy rebuilt \(lone.events) events, not the log's \(events)")
            }
            let writeRow = try await Self.singleCommands(on: node, count: writes, after: events, bench: bench, log: log)
            var served: [BenchmarkRow] = []
            if http {
                log("the big exchange's lists over HTTP from a node following PostgreSQL, against nginx...")
                var workload = HTTPWorkload(ledger: node, databasePath: copy, folder: folder, log: log)
                workload.serverArguments = ["--store", bench.schemaURL]
                workload.prefix = "PostgreSQL node: "
                let calls = ReadWorkloads(ledger: node, log: log).calls.filter { !$0.label.hasPrefix("getCommunications") }
                served = try await workload.run(calls: calls)
            }
            await store.close()
            try await bench.drop()
            let copyRow = BenchmarkRow(
                workload: "PostgreSQL: a new node's copy of \(events) events and its projections, built from the log",
                figure: total / seconds, baseline: baseline, unit: "events/s", higherIsBetter: true, target: ">= 0.50",
                note: "baseline: the log read from PostgreSQL plus one plain SQLite insert per event")
            let memoryRow = BenchmarkRow(
                workload: "PostgreSQL: peak resident memory of a lone `peerledger rebuild --store` copying the log from nothing",
                figure: lone.peakMegabytes,
                baseline: nil, unit: "MB", higherIsBetter: false, target: "< 250 MB")
            return [copyRow, memoryRow, writeRow] + served
        } catch {
            await store.close()
            try? await bench.drop()
            throw error
        }
    }

    /// `count` commands adding a session each on `node` (following the log of `events` events),
    /// one at a time, against as many plain inserts from one connection before and after them.
    static func singleCommands(
        on node: Ledger, count: Int, after events: Int64, bench: PostgresBenchSchema, log: @escaping @Sendable (String) -> Void
    ) async throws -> BenchmarkRow {
        let payload = try LedgerWorkloads(events: 0, folder: FileManager.default.temporaryDirectory, log: log).samplePayload()
        // WAL a write: the server's position read around each run (its other sessions, at rest, counted in).
        let walAtStart = try await bench.walBytes()
        let before = try await bench.plainInserts(count: count, writers: 1, payload: payload)
        let walAfterPlain = try await bench.walBytes()
        // Session ids past any the world holds.
        let first = 1_000_000_000
        let metadata = EventMetadata(actor: "bench")
        let started = ContinuousClock.now
        for n in 0..<count {
            let id = first + n + 1
            _ = try await node.write(metadata) { tx in
                try tx.append(.sessionAdded(LedgerWorkloads.session(id)), to: "session-\(id)", expecting: .noStream)
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let walAfterCommands = try await bench.walBytes()
        let plainWAL = (walAfterPlain - walAtStart) / Int64(count)
        let commandWAL = (walAfterCommands - walAfterPlain) / Int64(count)
        let after = try await bench.plainInserts(count: count, writers: 1, payload: payload, table: "plain_rows_after")
        let baseline = Double(count) / ((before + after) / 2)
        log("single commands on the node following \(events) events: \(Int(Double(count) / seconds))/s; plain \(Int(Double(count) / before))/s and \(Int(Double(count) / after))/s; WAL \(commandWAL) bytes a command, \(plainWAL) a plain insert")
        return BenchmarkRow(
            workload: "PostgreSQL: durable single commands on a node, the log holding \(events) events (addSession)",
            figure: Double(count) / seconds, baseline: baseline, unit: "commands/s", higherIsBetter: true, target: ">= 0.50",
            note: "baseline: plain inserts from one connection, before and after; WAL \(commandWAL) bytes a command, \(plainWAL) a plain insert")
    }

    /// Appends the world's log to `store` as recorded, 10,000 events a transaction, with the
    /// world's secrets in the first.
    static func load(_ world: Ledger, into store: PostgresEventStore, log: @Sendable (String) -> Void) async throws {
        let head = try world.headPosition()
        var secrets: [(ref: String, value: String)] = try world.allSecrets()
        var position: Int64 = 0
        while position < head {
            let end: Int64 = min(head, position + 10_000)
            let batch: [RecordedEvent] = try world.events(after: position, through: end)
            let kept = secrets
            try await onThread { () throws -> Void in
                _ = try store.lock()
                var commit = RecordCommit()
                (commit.events, commit.secrets) = (batch, kept)
                try store.commit(commit)
            }
            secrets = []
            position = end
            if position % 200_000 == 0 { log("loading the world into PostgreSQL: \(position) of \(head) events") }
        }
    }

    /// The baseline: every event read in order from PostgreSQL (the pages a node's copy reads,
    /// without the lock), and one plain row inserted per event into an SQLite file in one
    /// transaction. Returns the seconds it took.
    static func plainReadAndInsert(_ store: PostgresEventStore, folder: URL) async throws -> Double {
        let path = folder.appendingPathComponent("baseline-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { (db: Database) throws -> Void in
            try db.execute(sql: "CREATE TABLE rows (id INTEGER, payload TEXT, hash TEXT)")
        }
        let started = ContinuousClock.now
        try await onThread { () throws -> Void in
            try queue.write { (db: Database) throws -> Void in
                let insert = try db.makeStatement(sql: "INSERT INTO rows VALUES (?, ?, ?)")
                var position: Int64 = 0
                while true {
                    let page: [RecordedEvent] = try store.tail(after: position, limit: 5_000).events
                    guard let last = page.last else { break }
                    for event in page { try insert.execute(arguments: [event.position, event.payload, event.hash]) }
                    position = last.position
                }
            }
        }
        return (ContinuousClock.now - started).seconds
    }
}

/// Runs blocking `work` (SQLite, or the PostgreSQL store's synchronous calls) on a thread of its
/// own rather than one of Swift's cooperative pool.
private func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
