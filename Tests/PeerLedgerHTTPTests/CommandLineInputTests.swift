import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

@Suite(
    "The command line: who acts, and numbers it is given",
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct CommandLineInputTests {
    @Test("with USER and LOGNAME unset, a change made at the command line is recorded as cli:<the process's user>, not cli:unknown")
    func actorWithoutEnvironment() async throws {
        let database = Scratch.url("cli-actor-\(UUID().uuidString).sqlite").path
        _ = try Ledger.open(at: database)
        let call = "action=addSession&public_id=1&peer_asn=16509&peer_ipaddr=206.126.236.68&peer_name=Amazon.com"
        let run = try await peerledger(["call", "--db", database, call], environment: ["PATH": "/usr/bin:/bin"])
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
            (["bench", "--server", "/bin/true"], "--server goes with --writes-only"),
            (["bench", "--writes-only", "--server", "/nonexistent/peerledger"], "--server: no program at /nonexistent/peerledger"),
            (["generate-peeringdb", "/nonexistent", "--networks", "9223372036854775807"], "--networks must be from 0 to 10000000, got 9223372036854775807"),
        ])
    func optionsOutOfRange(_ arguments: [String], _ message: String) async throws {
        let database = Scratch.url("cli-options-\(UUID().uuidString).sqlite").path
        let withDatabase = arguments.first == "serve" ? arguments + ["--db", database] : arguments
        let run = try await peerledger(withDatabase, environment: ["PATH": "/usr/bin:/bin", "USER": "noc"])
        #expect(run.exited, "killed by a signal: \(run.errors)")
        #expect(run.status == 64)
        #expect(run.errors.contains(message), "\(run.errors)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test("a time given to audit that overflows or does not exist is refused naming the option", arguments: ["9223372036854776", "2026-02-31"])
    func auditTimes(_ value: String) async throws {
        let database = Scratch.url("cli-audit-\(UUID().uuidString).sqlite").path
        _ = try Ledger.open(at: database)
        for option in ["--since", "--until"] {
            let run = try await peerledger(["audit", "--db", database, option, value], environment: ["USER": "noc"])
            #expect(run.exited, "killed by a signal: \(run.errors)")
            #expect(run.status != 0)
            #expect(run.errors.contains("\(option) must be a time"), "\(run.errors)")
        }
        let asOf = try await peerledger(["audit", "--db", database, "--as-of", value, "action=getSessions&public_id=1"], environment: ["USER": "noc"])
        #expect(asOf.exited)
        #expect(asOf.status == 1)
        #expect(asOf.output.contains("as_of must be a time"), "\(asOf.output)")
    }
}
