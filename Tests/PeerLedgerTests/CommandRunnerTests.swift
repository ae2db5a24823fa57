import Foundation
import Testing

@testable import PeerLedger

@Suite("Running router commands")
struct CommandRunnerTests {
    @Test("Arguments for the remote shell are single-quoted, a quote inside closed and escaped")
    func shellQuoting() {
        #expect(CommandRunner.shellQuoted("neighbor 10.0.0.2 description I'm here") == #"'neighbor 10.0.0.2 description I'\''m here'"#)
        #expect(CommandRunner.shellQuoted("$(reboot); `id`") == "'$(reboot); `id`'")
    }

    @Test("A command's exit status, output, error output and input are carried exactly")
    func statusAndOutput() async {
        let result = await CommandRunner.execute(
            "/bin/sh", ["-c", "read line; echo \"got $line\"; echo oops >&2; exit 3"], input: "hello\n", timeout: 10)
        #expect(result.status == 3)
        #expect(result.output == "got hello\n")
        #expect(result.errorOutput == "oops\n")
        #expect(!result.timedOut)
    }

    @Test("A command that outlives its timeout is killed and reported as timed out")
    func timeout() async {
        let result = await CommandRunner.execute("/bin/sh", ["-c", "sleep 30"], input: nil, timeout: 0.3)
        #expect(result.timedOut)
        #expect(result.status != 0)
    }

    @Test("A router that does not answer in time is unreachable, with the time waited")
    func timeoutIsUnreachable() {
        let runner = CommandRunner(place: .local(netns: nil), timeout: 30)
        let result = CommandResult(status: 137, output: "", errorOutput: "", timedOut: true)
        #expect(throws: RouterAccessError.unreachable("ar1.inoc.com did not answer within 30 s")) {
            try RouterProcessErrors.check(result, router: "ar1.inoc.com", runner: runner)
        }
    }

    @Test("ssh's 'Permission denied' is an authentication failure; other ssh failures are unreachable")
    func sshFailures() {
        let runner = CommandRunner(place: .ssh(host: "192.0.2.7", port: 22, user: "noc", keyFile: nil, password: nil))
        let denied = CommandResult(status: 255, output: "", errorOutput: "noc@192.0.2.7: Permission denied (publickey,password).\n", timedOut: false)
        #expect(throws: RouterAccessError.authentication("noc@192.0.2.7: Permission denied (publickey,password).")) {
            try RouterProcessErrors.check(denied, router: "ar2.inoc.com", runner: runner)
        }
        let refused = CommandResult(status: 255, output: "", errorOutput: "ssh: connect to host 192.0.2.7 port 22: Connection refused\n", timedOut: false)
        #expect(throws: RouterAccessError.unreachable("ssh: connect to host 192.0.2.7 port 22: Connection refused")) {
            try RouterProcessErrors.check(refused, router: "ar2.inoc.com", runner: runner)
        }
        let rejected = CommandResult(status: 1, output: "% Unknown command: neighbor 10.0.0.2 bogus\n", errorOutput: "", timedOut: false)
        #expect(throws: RouterAccessError.rejected("% Unknown command: neighbor 10.0.0.2 bogus")) {
            try RouterProcessErrors.check(rejected, router: "ar2.inoc.com", runner: runner)
        }
    }
}
