public import Foundation
import GRDB
public import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
public import PeerLedgerFixtures

/// The ledger's workloads, each measured beside a baseline in the same run on the same machine:
/// the baselines are plain GRDB doing the same amount of SQLite work without the ledger's
/// validation, hash chain, triggers or projections.
public struct LedgerWorkloads {
    /// How many events the log of the rebuild and audit workloads holds.
    public let events: Int
    let folder: URL
    let log: (String) -> Void

    public init(events: Int, folder: URL, log: @escaping (String) -> Void) {
        self.events = events
        self.folder = folder
        self.log = log
    }

    /// The world's database file (the lone server of the HTTP workload opens it too).
    public var worldPath: String { folder.appendingPathComponent("world.sqlite").path }

    /// A plain table of the events table's shape, with no triggers, hash or projection.
    static let plainSchema = """
        CREATE TABLE plain (
            position INTEGER PRIMARY KEY, stream TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL,
            schema_version INTEGER NOT NULL, payload TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL
        ) STRICT
        """

    /// A plain database with the ledger's pragmas for transactions of `eventsPerCommit` events.
    func plainDatabase(_ name: String, eventsPerCommit: Int) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Ledger.walCheckpointPages(forEvents: eventsPerCommit))")
        }
        let queue = try DatabaseQueue(path: folder.appendingPathComponent(name).path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: Self.plainSchema)
        }
        return queue
    }

    static func insertPlain(_ db: Database, position: Int, payload: String) throws {
        try db.cachedStatement(sql: "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").execute(arguments: [
            position, "session-\(position)", 1, "SessionAdded", 1, payload, #"{"actor":"bench","request_id":"00000000-0000-0000-0000-000000000000"}"#,
            "2026-11-27T12:00:00.000Z", String(repeating: "0", count: 64), String(repeating: "f", count: 64),
        ])
    }

    static func addSessionCall(_ n: Int) -> String {
        "target=peering&action=addSession&public_id=\(n % 50 + 1)&source_asn=8038&source_ipaddr=206.126.236.12&resource_id=422&peer_asn=\(n % 60000 + 1)&peer_name=Network+\(n)&peer_participant_id=\(n % 33000 + 1)&peer_ipaddr=10.\(n / 65536 % 256).\(n / 256 % 256).\(n % 256)&peer_group=peers&type=Peer&prfx_max=100"
    }

    /// Durable single-command writes: one addSession per transaction through the whole path,
    /// against one plain insert per transaction; chunks alternate so both see the same noise.
    public func singleWrites(count: Int) async throws -> BenchmarkRow {
        let ledger = try Ledger.open(at: folder.appendingPathComponent("single.sqlite").path)
        let api = APIv1(ledger: ledger)
        let plain = try plainDatabase("single-plain.sqlite", eventsPerCommit: 1)
        let payload = try samplePayload()
        var ledgerSeconds = 0.0, plainSeconds = 0.0
        let chunk = 50
        for start in stride(from: 0, to: count, by: chunk) {
            ledgerSeconds += try await Stopwatch.seconds {
                for n in start..<min(count, start + chunk) {
                    let answer = await api.handle(APIRequest(parameters: try Parameters(formEncoded: Self.addSessionCall(n)), actor: "bench"))
                    guard answer.succeeded else { throw BenchmarkFailure("addSession: \(answer.message)") }
                }
            }
            plainSeconds += try Stopwatch.seconds {
                for n in start..<min(count, start + chunk) {
                    try plain.write { db in try Self.insertPlain(db, position: n + 1, payload: payload) }
                }
            }
        }
        log("single writes: ledger \(Int(Double(count) / ledgerSeconds))/s, plain \(Int(Double(count) / plainSeconds))/s")
        return BenchmarkRow(
            workload: "durable single-command writes (addSession, synchronous=FULL)", figure: Double(count) / ledgerSeconds,
            baseline: Double(count) / plainSeconds, unit: "commands/s", higherIsBetter: true, target: ">= 0.70")
    }

    /// The canonical payload of a typical SessionAdded, so baselines write rows of the same size.
    func samplePayload() throws -> String {
        let ledger = try Ledger.inMemory()
        _ = try ledger.writeNow(EventMetadata(actor: "bench")) { tx in
            try tx.append(.sessionAdded(Self.session(1)), to: "session-1", expecting: .noStream)
        }
        return try ledger.events(through: 1).first?.payload ?? ""
    }

    static func session(_ id: Int) -> SessionAdded {
        SessionAdded(sessionID: Int64(id), fields: [
            "public_id": .int(Int64(id % 50 + 1)), "source_asn": .int(8038), "source_ipaddr": .text("206.126.236.12"),
            "resource_id": .int(422), "peer_asn": .int(Int64(id % 60000 + 1)), "peer_name": .text("Network \(id)"),
            "peer_participant_id": .int(Int64(id % 33000 + 1)), "peer_ipaddr": .text("10.\(id / 65536 % 256).\(id / 256 % 256).\(id % 256)"),
            "peer_group": .text("peers"), "type": .text("Peer"), "state": .text("not configured"), "prfx_max": .int(100),
            "ip_type": .text("ipv4"),
        ])
    }

    /// Builds the synthetic world of `events` events (`SyntheticWorld`: PeeringDB imported, then
    /// sessions, requests and history appended 1,000 events per transaction, log first with the
    /// projections caught up every 50,000 events, or with `projectingEachBatch` each batch
    /// projected in its own transaction) and measures its batched appends against plain inserts
    /// batched alike, one plain batch after each of the world's so both see the same machine.
    /// Returns the rows and the world's ledger for the following workloads.
    public func batchedAppend(seed: UInt64 = 1, projectingEachBatch: Bool = false) async throws -> ([BenchmarkRow], Ledger, WorldSummary) {
        let ledger = try SyntheticWorld.openLedger(at: worldPath)
        let plain = try plainDatabase("log-plain.sqlite", eventsPerCommit: SyntheticWorld.batchSize)
        let payload = try samplePayload()
        var plainSeconds = 0.0
        var position = 0
        var world = SyntheticWorld(shape: .scaled(toEvents: events), seed: seed)
        world.projectingEachBatch = projectingEachBatch
        let summary = try await world.build(
            into: ledger, scratch: folder,
            afterBatch: { count in
                let first = position
                position += count
                plainSeconds += try Stopwatch.seconds {
                    try plain.write { db in
                        for n in first..<first + count { try Self.insertPlain(db, position: n + 1, payload: payload) }
                    }
                }
                // As `serve` does: a projection snapshot whenever the log grew an interval (untimed).
                try ledger.takeSnapshotIfDue()
            },
            progress: log)
        // The boundaries inside the PeeringDB import (one transaction, no batch end) get theirs
        // as the keeper of `serve` would give them at start-up (untimed).
        let backfilled = try ledger.backfillSnapshots()
        if !backfilled.isEmpty { log("snapshots backfilled at \(backfilled.map(String.init).joined(separator: ", "))") }
        let events = Double(summary.batchedEvents)
        let what = "the world's \(summary.batchedEvents) sessions, requests, history"
        guard summary.catchUps > 0 else {
            let row = BenchmarkRow(
                workload: "batched append, 1,000 events per transaction, each batch projected in its transaction (\(what))",
                figure: events / summary.batchedSeconds, baseline: events / plainSeconds, unit: "events/s", higherIsBetter: true,
                target: ">= 0.50")
            return ([row], ledger, summary)
        }
        let rows = [
            BenchmarkRow(
                workload: "batched append, 1,000 events per transaction, log first (\(what))",
                figure: events / summary.batchedSeconds, baseline: events / plainSeconds, unit: "events/s", higherIsBetter: true,
                target: ">= 0.50"),
            BenchmarkRow(
                workload: "the same batches with the projections' \(summary.catchUps) catch-ups (every \(world.catchUpInterval) events), together",
                figure: events / (summary.batchedSeconds + summary.catchUpSeconds), baseline: events / plainSeconds, unit: "events/s",
                higherIsBetter: true, target: "reported"),
        ]
        return (rows, ledger, summary)
    }

    /// Rebuild of every projection from the log, against a plain scan of the events table plus
    /// plain inserts of as many projection rows (one per event). The figure held to the target is
    /// `peerledger rebuild` run on its own (this binary as a child process, which reports its
    /// rate and its peak memory), run between two baseline runs (the mean of their times gives
    /// the baseline), each of the three on a checkpointed file. The rebuild inside this process,
    /// which has just built the world and still holds it, is reported beside it against the same
    /// baseline.
    public func rebuild(_ ledger: Ledger) throws -> [BenchmarkRow] {
        let report = try ledger.rebuild()
        guard report.matches else { throw BenchmarkFailure("rebuild changed the projections") }
        let lone = try loneRebuild(of: ledger, events: report.events)
        return lone.rows + [
            BenchmarkRow(
                workload: "projection rebuild inside the benchmark's process, right after building the world",
                figure: report.eventsPerSecond, baseline: lone.baseline, unit: "events/s", higherIsBetter: true, target: "reported"),
        ]
    }

    /// The rebuild's two target rows: a lone `peerledger rebuild` of the ledger's file, timed
    /// between two baseline scans of the same file, and its peak memory. Returns the baseline
    /// rate too, for the rows that compare to it.
    public func loneRebuild(of ledger: Ledger, events: Int64) throws -> (rows: [BenchmarkRow], baseline: Double) {
        // Each of the three starts on a checkpointed file, as `peerledger rebuild` finds a ledger
        // no server holds open: reading pages through a WAL of hundreds of megabytes (the world's,
        // then the rebuilds') is slower, and it would favour whichever ran after a checkpoint.
        try checkpoint(ledger)
        let before = try baselineScanSeconds(ledger)
        try checkpoint(ledger)
        let lone = try Self.loneRebuild(database: ledger.database.path)
        try checkpoint(ledger)
        let after = try baselineScanSeconds(ledger)
        let baseline = Double(events) / ((before + after) / 2)
        log("rebuild: lone \(Int(lone.eventsPerSecond)) events/s; baseline \(Int(Double(events) / before)) and \(Int(Double(events) / after)) events/s")
        let rows = [
            BenchmarkRow(
                workload: "projection rebuild from \(lone.events) events (a lone `peerledger rebuild`)", figure: lone.eventsPerSecond,
                baseline: baseline, unit: "events/s", higherIsBetter: true, target: ">= 0.70 and >= 150,000/s"),
            BenchmarkRow(
                workload: "projection rebuild: peak resident memory of that lone `peerledger rebuild`", figure: lone.peakMegabytes,
                baseline: nil, unit: "MB", higherIsBetter: false, target: "< 200 MB"),
        ]
        return (rows, baseline)
    }

    /// Copies the WAL into the database file and empties it.
    func checkpoint(_ ledger: Ledger) throws {
        try ledger.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// The baseline of a rebuild: every event read in order and one plain row inserted per event.
    /// It reads the log's table with plain SQL on purpose: a baseline measures SQLite itself.
    func baselineScanSeconds(_ ledger: Ledger) throws -> Double {
        try Stopwatch.seconds {
            try ledger.database.write { db in
                try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS rows (id INTEGER, payload TEXT, hash TEXT)")
                let cursor = try Row.fetchCursor(db, sql: "SELECT position, payload, hash FROM events ORDER BY position")
                let insert = try db.makeStatement(sql: "INSERT INTO rows VALUES (?, ?, ?)")
                while let row = try cursor.next() {
                    try insert.execute(arguments: [row[0], row[1], row[2]])
                }
                try db.execute(sql: "DROP TABLE rows")
            }
        }
    }

    /// What a lone `peerledger rebuild` reported: events, their rate and its peak memory.
    struct LoneRebuild: Sendable {
        var events: Int64
        var eventsPerSecond: Double
        var peakMegabytes: Double
    }

    /// Runs `peerledger rebuild` on its own (this binary as a child process), so the figures are
    /// the command's, not the benchmark's, which holds the world it built. The child prints its
    /// rate and its own peak (VmHWM, which a new program starts afresh), and fails unless its
    /// projections came out as they were. `arguments` follow the database's (`--store URL`: the
    /// file is a node's copy of that log, made first if it does not exist).
    static func loneRebuild(database: String, arguments: [String] = []) throws -> LoneRebuild {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["rebuild", "--db", database] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchmarkFailure("peerledger rebuild exited \(process.terminationStatus): \(text)") }
        let lines = text.split(separator: "\n")
        // "rebuilt N events in S s (R events/s)" (a copy made from nothing by `--store`: "copied N
        // events from the log and built the projections from them in S s ...") and "peak
        // resident memory M MB".
        guard let rate = lines.first(where: { $0.hasPrefix("rebuilt ") || $0.hasPrefix("copied ") })?.split(separator: " "),
            rate.count >= 5, let events = Int64(rate[1]),
            let at = rate.firstIndex(of: "in"), at + 1 < rate.endIndex, let seconds = Double(rate[at + 1]), seconds > 0,
            let peak = lines.first(where: { $0.hasPrefix("peak resident memory ") }),
            let megabytes = Double(peak.dropFirst("peak resident memory ".count).split(separator: " ").first ?? "")
        else { throw BenchmarkFailure("peerledger rebuild did not report its rate and peak memory: \(text)") }
        return LoneRebuild(events: events, eventsPerSecond: Double(events) / seconds, peakMegabytes: megabytes)
    }

    /// Audit: one stream's whole history among all events, and getSessions as of the middle of the log.
    public func audit(_ ledger: Ledger) async throws -> [BenchmarkRow] {
        let api = APIv1(ledger: ledger)
        var history: [Double] = []
        for n in 0..<100 {
            let call = try Parameters(formEncoded: "target=audit&action=getHistory&session=\(n * 37 % 1000 + 1)")
            history.append(try await Stopwatch.seconds {
                let answer = await api.handle(APIRequest(parameters: call, actor: "bench"))
                guard answer.succeeded else { throw BenchmarkFailure("getHistory: \(answer.message)") }
            })
        }
        // The middle of the log, and the worst case: the last moment before the snapshot that
        // follows the middle, so nearly a whole interval is applied on top of the snapshot before.
        let interval = ledger.snapshots?.interval ?? 1
        let total = try ledger.eventCount()
        let snapshotPositions = ledger.snapshots?.positions() ?? []
        let boundary = snapshotPositions.first { $0 > total / 2 } ?? total
        let time = { (position: Int64) in try ledger.recordedAt(position: position) ?? "" }
        let beforeMoment = Timestamp(parsing: try time(boundary)).map { Timestamp(millis: $0.millis - 1) }
        let tail = try beforeMoment.map { try ledger.lastPosition(atOrBefore: $0) } ?? 0
        let from = snapshotPositions.last { $0 <= tail } ?? 0
        let moments: [(String, String)] = [
            ("the log's middle (position \(total / 2))", try time(total / 2)),
            ("just before a snapshot (position \(tail), \(tail - from) events after the one before)", beforeMoment?.iso8601 ?? ""),
        ]
        var asOf: [(String, Double)] = []
        for (label, moment) in moments {
            let call = try Parameters(formEncoded: "target=peering&action=getSessions&public_id=1&as_of=\(moment)")
            asOf.append(("audit: getSessions as_of \(label)", try await Stopwatch.seconds {
                let answer = await api.handle(APIRequest(parameters: call, actor: "bench"))
                guard answer.succeeded else { throw BenchmarkFailure("as_of: \(answer.message)") }
            }))
        }
        let snapshots = ledger.snapshots.map { ($0.positions().count, Double($0.diskBytes()) / 1_048_576) } ?? (0, 0)
        return [
            BenchmarkRow(
                workload: "audit: one session's history (p50)", figure: Stopwatch.percentile(history, 0.5) * 1000, baseline: nil,
                unit: "ms", higherIsBetter: false, target: "< 2 ms"),
        ] + asOf.map { label, seconds in
            BenchmarkRow(workload: label, figure: seconds * 1000, baseline: nil, unit: "ms", higherIsBetter: false, target: "< 2,000 ms")
        } + [
            BenchmarkRow(
                workload: "projection snapshots kept for as_of (\(snapshots.0) files, one per \(interval) events)", figure: snapshots.1,
                baseline: nil, unit: "MB on disk", higherIsBetter: false, target: "reported"),
        ]
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

