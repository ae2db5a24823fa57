import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// What one run of the `peerledger` binary did.
struct CommandRun {
    var status: Int32
    /// False when a signal ended it (a trap is SIGILL or SIGTRAP).
    var exited: Bool
    var output: String
    var errors: String
}

/// Runs the built binary with `arguments` and exactly `environment`, killing it after `seconds`.
func runPeerLedger(_ arguments: [String], environment: [String: String], seconds: Double = 60) throws -> CommandRun {
    let process = Process()
    process.executableURL = try peerledgerBinary()
    process.arguments = arguments
    process.environment = environment
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    try process.run()
    if done.wait(timeout: .now() + seconds) == .timedOut {
        process.terminate()
        process.waitUntilExit()
        throw Failure("peerledger \(arguments.joined(separator: " ")) did not finish within \(seconds) s")
    }
    return CommandRun(
        status: process.terminationStatus, exited: process.terminationReason == .exit,
        output: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
        errors: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

/// The login name of this process's user, as `id -un` tells it (not through the code under test).
func loginName() throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/id")
    process.arguments = ["-un"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    process.waitUntilExit()
    return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("The command line: who acts, and numbers it is given")
struct CommandLineInputTests {
    @Test("with USER and LOGNAME unset, a change made at the command line is recorded as cli:<the process's user>, not cli:unknown")
    func actorWithoutEnvironment() throws {
        let database = Scratch.url("cli-actor-\(UUID().uuidString).sqlite").path
        _ = try Ledger.open(at: database)
        let call = "action=addSession&public_id=1&peer_asn=16509&peer_ipaddr=206.126.236.68&peer_name=Amazon.com"
        let run = try runPeerLedger(["call", "--db", database, call], environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 0, "\(run.output) \(run.errors)")
        let events = try Ledger.open(at: database).readNow { db in try AuditQuery().events(db) }
        let added = try #require(events.first { $0.type == "SessionAdded" })
        let expected = "cli:\(try loginName())"
        #expect(try JSON.parse(added.metadata)["actor"] == .string(expected))
        #expect(expected != "cli:unknown" && expected != "cli:")
    }

    @Test(
        "numeric options out of range are refused naming the option, before anything runs: no trap, no file",
        arguments: [
            (["serve", "--port", "70000"], "--port must be from 0 to 65535, got 70000"),
            (["serve", "--smtp-timeout", "9223372036854775807"], "--smtp-timeout must be from 1 to 3600 seconds, got 9223372036854775807"),
            (["serve", "--retry-delay=-1"], "--retry-delay must be from 1 to 86400 seconds, got -1"),
            (["serve", "--quiet-period-days", "106751991167300"], "--quiet-period-days must be from 0 to 36500 days, got 106751991167300"),
            (["serve", "--outbox-interval", "9223372036854775807"], "--outbox-interval must be from 0 to 86400 seconds, got 9223372036854775807"),
            (["serve", "--poll-interval=-5"], "--poll-interval must be from 0 to 86400 seconds, got -5"),
            (["serve", "--our-participant-id=-2335"], "--our-participant-id must be from 1 to 9223372036854775807, got -2335"),
            (["bench", "--writes=-1"], "--writes must be from 1 to 10000000, got -1"),
            (["generate-peeringdb", "/nonexistent", "--networks", "9223372036854775807"], "--networks must be from 0 to 10000000, got 9223372036854775807"),
        ])
    func optionsOutOfRange(_ arguments: [String], _ message: String) throws {
        let database = Scratch.url("cli-options-\(UUID().uuidString).sqlite").path
        let withDatabase = arguments.first == "serve" ? arguments + ["--db", database] : arguments
        let run = try runPeerLedger(withDatabase, environment: ["PATH": "/usr/bin:/bin", "USER": "noc"])
        #expect(run.exited, "killed by a signal: \(run.errors)")
        #expect(run.status == 64)
        #expect(run.errors.contains(message), "\(run.errors)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test("a time given to audit that overflows or does not exist is refused naming the option", arguments: ["9223372036854776", "2026-02-31"])
    func auditTimes(_ value: String) throws {
        let database = Scratch.url("cli-audit-\(UUID().uuidString).sqlite").path
        _ = try Ledger.open(at: database)
        for option in ["--since", "--until"] {
            let run = try runPeerLedger(["audit", "--db", database, option, value], environment: ["USER": "noc"])
            #expect(run.exited, "killed by a signal: \(run.errors)")
            #expect(run.status != 0)
            #expect(run.errors.contains("\(option) must be a time"), "\(run.errors)")
        }
        let asOf = try runPeerLedger(["audit", "--db", database, "--as-of", value, "action=getSessions&public_id=1"], environment: ["USER": "noc"])
        #expect(asOf.exited)
        #expect(asOf.status == 1)
        #expect(asOf.output.contains("as_of must be a time"), "\(asOf.output)")
    }
}
