import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerFixtures
import PeerLedgerBench
import PeerLedgerPostgres

/// `peerledger call`: runs one API action locally as `cli:<user>`, no HTTP, no signature.
struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one API action against the ledger, e.g. 'action=getSessions&public_id=1'.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Form-encoded parameters; target defaults to peering.") var call: String

    func run() async throws {
        let answer = try await perform(call, on: database.open(.existing), extra: [])
        print(answer.text)
        if !answer.succeeded { throw ExitCode(1) }
    }
}

func perform(_ call: String, on ledger: Ledger, extra: [(name: String, value: String)]) async throws -> APIAnswer {
    var pairs = try Parameters(formEncoded: call).pairs
    if !pairs.contains(where: { $0.name == "target" }) { pairs.insert(("target", "peering"), at: 0) }
    let parameters = try Parameters(pairs + extra)
    return await APIv1(ledger: ledger).handle(APIRequest(parameters: parameters, actor: EventMetadata.commandLine().actor))
}

/// `peerledger verify`: walks the hash chain.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the hash chain and the append-only triggers; exit 1 naming the first bad position.")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var store: PostgresStoreOption

    func run() async throws {
        let report: VerifyReport
        if let postgres = try await store.connect() {
            do {
                report = try await postgres.verify()
            } catch {
                await postgres.close()
                throw error
            }
            await postgres.close()
        } else {
            report = try database.open(.readOnly).verify()
        }
        print(report.summary)
        if !report.isValid { throw ExitCode(1) }
    }
}

/// `peerledger rebuild`: drops and rebuilds every projection.
struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild every projection from the log and check it equals what was there.",
        discussion: """
            With --store, the --db file is a node's copy of that log: brought level with it first, then rebuilt. \
            A copy made from nothing (a missing or empty file) is built from the log by the copy itself, \
            in one replay: it is not replayed a second time, and there is nothing before to compare with.
            """)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var store: PostgresStoreOption

    func run() async throws {
        let started = ContinuousClock.now
        let (ledger, madeFromNothing) = try await store.openNoting(database, store.projectionsAccess)
        if madeFromNothing {
            let seconds = (ContinuousClock.now - started).secondsValue
            let events = try ledger.headPosition()
            print(String(
                format: "copied %lld events from the log and built the projections from them in %.3f s (%.0f events/s)",
                events, seconds, Double(events) / max(seconds, 1e-9)))
            printPeakMemory()
            print("a copy made from nothing: no projections before to compare with (checksum \(try ledger.projectionChecksum()))")
            return
        }
        let report = try ledger.rebuild()
        print(String(format: "rebuilt %lld events in %.3f s (%.0f events/s)", report.events, report.seconds, report.eventsPerSecond))
        for phase in report.phases { print(String(format: "  %7.3f s  %@", phase.seconds, phase.name)) }
        printPeakMemory()
        if report.matches {
            print("projections identical to before (checksum \(report.checksumAfter))")
        } else {
            print("projections DIFFER from before: \(report.checksumBefore) -> \(report.checksumAfter)")
            throw ExitCode(1)
        }
    }

    private func printPeakMemory() {
        let peak = Memory.peakMegabytes()
        if peak > 0 { print(String(format: "peak resident memory %.1f MB", peak)) }
    }
}

/// `peerledger audit`: the log, filtered; or a read action as of a past moment.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show events (who changed what, when), or answer a read action as of a past moment.",
        discussion: """
            Times are UTC: 2026-11-20, '2026-11-20 14:00:00' or 2026-11-20T14:00:00Z.
            Examples:
              peerledger audit --session 41
              peerledger audit --actor noc-automation --since 2026-11-01 --json
              peerledger audit --as-of '2026-11-24 09:00:00' 'action=getSessions&public_id=1'
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only this stream, e.g. session-41.") var stream: String?
    @Option(help: "Only this session's stream.") var session: Int64?
    @Option(help: "Only events written by this actor (an API key's name, or cli:<user>).") var actor: String?
    @Option(help: "Only events of this type, e.g. SessionUpdated.") var type: String?
    @Option(help: "Only events recorded at or after this time.") var since: String?
    @Option(help: "Only events recorded at or before this time.") var until: String?
    @Option(help: "Answer the read action given as argument as of this time.") var asOf: String?
    @Flag(help: "JSON lines instead of text.") var json = false
    @Argument(help: "With --as-of: a read action, form-encoded.") var call: String?
    @OptionGroup var store: PostgresStoreOption

    func run() async throws {
        if let asOf {
            guard let call else { throw ValidationError("--as-of needs a read action, e.g. 'action=getSessions&public_id=1'") }
            // The projections answer: the --db file's; with --store, a node's copy (which must
            // exist: `rebuild --store` makes one) brought level with the log first.
            let ledger = store.url == nil ? try database.open(.readOnly) : try await store.open(database, .existing)
            let answer = try await perform(call, on: ledger, extra: [("as_of", asOf)])
            print(json ? answer.text : answer.body.pretty())
            if !answer.succeeded { throw ExitCode(1) }
            return
        }
        var query = AuditQuery(stream: stream ?? session.map { "session-\($0)" }, actor: actor, type: type)
        query.since = try since.map { try moment($0, "--since") }
        query.until = try until.map { try moment($0, "--until") }
        if let postgres = try await store.connect() {
            let events: [RecordedEvent]
            do {
                events = try await postgres.events(matching: query)
            } catch {
                await postgres.close()
                throw error
            }
            await postgres.close()
            show(events)
            return
        }
        show(try database.open(.readOnly).readNow { db in try query.events(db) })
    }

    func show(_ events: [RecordedEvent]) {
        for event in events {
            print(json ? event.json.serialized() : event.summaryLine)
        }
        if !json { printError("\(events.count) events") }
    }

    func moment(_ text: String, _ option: String) throws -> Timestamp {
        guard let value = Timestamp(parsing: text) else {
            throw ValidationError("\(option) must be a time such as 2026-11-20 or '2026-11-20 14:00:00' (UTC)")
        }
        return value
    }
}

/// `peerledger export`: the log as JSON lines.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write the event log as JSON lines (no secrets: events hold none).")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var store: PostgresStoreOption
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let postgres = try await store.connect()
        let ledger = postgres == nil ? try database.open(.readOnly) : nil
        var handle: FileHandle?
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil), let opened = FileHandle(forWritingAtPath: output) else {
                await postgres?.close()
                throw ValidationError("cannot write \(output)")
            }
            handle = opened
        }
        defer { try? handle?.close() }
        let write: (String) -> Void = { line in
            if let handle { handle.write(Data((line + "\n").utf8)) } else { print(line) }
        }
        if let postgres {
            do {
                try await PostgresStoreOption.export(postgres, write)
            } catch {
                await postgres.close()
                throw error
            }
            await postgres.close()
        } else {
            try ledger?.export(write)
        }
    }
}

/// `peerledger replay`: runs scenarios from Replays/, or replays a ledger's own log.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Replays/ scenarios against a fresh in-memory ledger; exit 1 with a diff on any mismatch.",
        discussion: """
            With --db instead of scenarios: replay that ledger's log into fresh projections in memory
            and compare them with the ledger's own, reading the file only (exit 1 when they differ).
            """)
    @Argument(help: "Scenario files, or folders of them.") var paths: [String] = []
    @Option(help: "A ledger whose log to replay (opened read-only) instead of scenarios.") var db: String?

    func validate() throws {
        if db != nil, !paths.isEmpty { throw ValidationError("give scenario files or --db, not both") }
        if db == nil, paths.isEmpty { throw ValidationError("give scenario files or folders, or --db PATH") }
    }

    func run() async throws {
        if let db {
            let check = try await DatabaseOptions.open(db, .readOnly).replayCheck()
            if check.matches {
                print("replayed \(check.events) events: projections identical to the ledger's (checksum \(check.stored))")
            } else {
                print("replayed \(check.events) events: projections DIFFER from the ledger's: \(check.stored) -> \(check.replayed)")
                throw ExitCode(1)
            }
            return
        }
        var failed = 0
        for url in try scenarioFiles() {
            let scenario = try ReplayScenario.load(contentsOf: url)
            let mismatches = try await scenario.run()
            if mismatches.isEmpty {
                print("ok   \(url.lastPathComponent) (\(scenario.steps.count) steps)")
            } else {
                failed += 1
                print("FAIL \(url.lastPathComponent)")
                for mismatch in mismatches { print(mismatch) }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    func scenarioFiles() throws -> [URL] {
        var files: [URL] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw ValidationError("no such file or folder: \(path)")
            }
            if isFolder.boolValue {
                files += try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                    .map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        return files
    }
}
