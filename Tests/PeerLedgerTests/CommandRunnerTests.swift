import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

@Suite("Running router commands", .timeLimit(.minutes(1)))
struct CommandRunnerTests {
    @Test("Arguments for the remote shell are single-quoted, a quote inside closed and escaped")
    func shellQuoting() {
        #expect(CommandRunner.shellQuoted("neighbor 10.0.0.2 description I'm here") == #"'neighbor 10.0.0.2 description I'\''m here'"#)
        #expect(CommandRunner.shellQuoted("$(reboot); `id`") == "'$(reboot); `id`'")
    }

    @Test("A command's exit status, output, error output and input are carried exactly")
    func statusAndOutput() async throws {
        let result = try await CommandRunner.execute(
            ["sh", "-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"], input: "hello\n", timeout: .seconds(60))
        #expect(result == CommandResult(status: 3, output: "got hello\n", errorOutput: "oops\n"))
    }

    @Test("A child that never reads its standard input is killed at the deadline, and the caller hears so within the limit")
    func childThatNeverReads() async throws {
        let megabyte = String(repeating: "neighbor 10.0.0.2 remote-as 65002\n", count: 1 << 20 / 34 + 1)
        #expect(megabyte.utf8.count > 1 << 20)
        let started = ContinuousClock.now
        do {
            let result = try await CommandRunner.execute(["sleep", "600"], input: megabyte, timeout: .milliseconds(500))
            Issue.record("sleep 600 returned \(result) instead of timing out")
        } catch {
            #expect(error == CommandFailure(command: "sleep 600", kind: .timedOut(limit: .milliseconds(500))))
            #expect(error.description == "sleep 600 did not finish within 0.5 s and was killed")
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(500))
        // Without the deadline the call would last the child's 600 s (past the suite's time limit);
        // the margin below that is for a loaded machine, not a measure of speed.
        #expect(waited < .seconds(50), "waited \(waited)")
    }

    @Test("A command that outlives its deadline is killed with what it started, and named with the limit")
    func deadline() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-runner-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let script = "sleep 600 & echo $! > \(pidFile); wait"
        let started = ContinuousClock.now
        await #expect(throws: CommandFailure(command: "sh -c '\(script)'", kind: .timedOut(limit: .milliseconds(300)))) {
            try await CommandRunner.execute(["sh", "-c", script], timeout: .milliseconds(300))
        }
        // Without the deadline the shell would wait out its child's 600 s.
        #expect(ContinuousClock.now - started < .seconds(50))
        // The shell's own child is gone too (or a zombie waiting for its new parent to reap it).
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let child = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        var alive = true
        for _ in 0..<400 where alive {
            let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
            alive = !stat.isEmpty && !stat.contains(") Z ")
            if alive { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(!alive, "sleep 600 (pid \(child)) outlived the deadline")
    }

    @Test("A command that prints a lot is read in full, both outputs at once, without blocking on a full pipe")
    func largeOutput() async throws {
        // 8 MiB on standard output and 1 MiB on standard error, far past a pipe's 64 KiB.
        let result = try await CommandRunner.execute(
            ["sh", "-c", "head -c 8388608 /dev/zero | tr '\\0' 'a'; head -c 1048576 /dev/zero | tr '\\0' 'e' >&2"],
            // A blocked pipe never ends; a machine busy with the whole suite and a build beside it
            // took more than 30 s to pass the 9 MiB through.
            timeout: .seconds(120))
        #expect(result.status == 0)
        #expect(result.output.utf8.count == 8_388_608)
        #expect(result.output.utf8.allSatisfy { $0 == UInt8(ascii: "a") })
        #expect(result.errorOutput.utf8.count == 1_048_576)
    }

    @Test("A nonzero exit carries the program's error output; a router's rejection is its own message")
    func nonzeroExit() async throws {
        let result = try await CommandRunner.execute(
            ["sh", "-c", "echo '% Unknown command: neighbor 10.0.0.2 bogus' >&2; exit 1"], timeout: .seconds(60))
        #expect(result == CommandResult(status: 1, output: "", errorOutput: "% Unknown command: neighbor 10.0.0.2 bogus\n"))
        let runner = CommandRunner(place: .local(netns: nil))
        #expect(throws: RouterAccessError.rejected("% Unknown command: neighbor 10.0.0.2 bogus")) {
            try RouterProcessErrors.check(result, router: "ar1.inoc.com", runner: runner)
        }
    }

    @Test("A program that is not installed cannot be started, and the message names it")
    func missingProgram() async throws {
        await #expect(throws: CommandFailure(
            command: "peerledger-no-such-tool -c x",
            kind: .cannotStart(reason: "peerledger-no-such-tool is not installed (not found on PATH)"))) {
            try await CommandRunner.execute(["peerledger-no-such-tool", "-c", "x"], timeout: .seconds(60))
        }
    }

    @Test("Passwords in a command never reach a message: the command is shown redacted")
    func commandShownRedacted() {
        #expect(
            CommandRunner.display(["vtysh", "-c", "neighbor 10.0.0.2 password s3cr3tpw"])
                == "vtysh -c 'neighbor 10.0.0.2 password <redacted>'")
    }

    @Test("A router whose command times out is unreachable, naming the command and the limit")
    func timeoutIsUnreachable() {
        let failure = CommandFailure(command: "vtysh -c 'show bgp neighbors json'", kind: .timedOut(limit: .seconds(30)))
        #expect(
            RouterProcessErrors.failure(failure, router: "ar1.inoc.com")
                == .unreachable("ar1.inoc.com did not answer: vtysh -c 'show bgp neighbors json' did not finish within 30 s and was killed"))
    }

    @Test("ssh's 'Permission denied' is an authentication failure; other ssh failures are unreachable")
    func sshFailures() {
        let runner = CommandRunner(place: .ssh(host: "192.0.2.7", port: 22, user: "noc", keyFile: nil, password: nil))
        let denied = CommandResult(status: 255, output: "", errorOutput: "noc@192.0.2.7: Permission denied (publickey,password).\n")
        #expect(throws: RouterAccessError.authentication("noc@192.0.2.7: Permission denied (publickey,password).")) {
            try RouterProcessErrors.check(denied, router: "ar2.inoc.com", runner: runner)
        }
        let refused = CommandResult(status: 255, output: "", errorOutput: "ssh: connect to host 192.0.2.7 port 22: Connection refused\n")
        #expect(throws: RouterAccessError.unreachable("ssh: connect to host 192.0.2.7 port 22: Connection refused")) {
            try RouterProcessErrors.check(refused, router: "ar2.inoc.com", runner: runner)
        }
        let rejected = CommandResult(status: 1, output: "% Unknown command: neighbor 10.0.0.2 bogus\n", errorOutput: "")
        #expect(throws: RouterAccessError.rejected("% Unknown command: neighbor 10.0.0.2 bogus")) {
            try RouterProcessErrors.check(rejected, router: "ar2.inoc.com", runner: runner)
        }
    }
}
