import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
import PeerLedgerTestSupport

/// What the test kit promises every test that uses it: a wait past its limit fails and names what
/// it awaited, a program past its limit is killed and named, and a call it signs is one the
/// server's own check accepts.
@Suite("The test kit")
struct TestKitTests {
    @Test("waitUntil returns as soon as its condition holds")
    func waitUntilReturnsWhenTheConditionHolds() async throws {
        var asked = 0
        // A generous limit: on a loaded machine CPU-bound tests beside this one hold Swift's pool.
        try await waitUntil("the third look", within: .seconds(120), every: .milliseconds(1)) {
            asked += 1
            return asked == 3
        }
        #expect(asked == 3)
    }

    @Test("waitUntil fails after its limit with a message naming what it awaited")
    func waitUntilNamesWhatItAwaited() async throws {
        let started = ContinuousClock.now
        do {
            try await waitUntil("a condition that never holds", within: .milliseconds(200)) { false }
            Issue.record("waitUntil returned for a condition that never holds")
        } catch let failure as TestFailure {
            #expect(failure.description == "timed out after 0.2 seconds waiting for a condition that never holds")
        }
        #expect(ContinuousClock.now - started >= .milliseconds(200))
    }

    @Test("runProgram kills a program that outlives its limit and names it")
    func runProgramKillsAtItsLimit() async throws {
        let started = ContinuousClock.now
        do {
            let run = try await runProgram("/bin/sleep", ["600"], seconds: 0.5)
            Issue.record("sleep 600 finished within 0.5 s: \(run)")
        } catch let failure as TestFailure {
            #expect(failure.description == "/bin/sleep 600 did not exit within 0.5 s; killed")
        }
        // Well before sleep would have ended by itself; the margin is for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test("runProgram reads both outputs in full while the program runs, past a pipe's 64 KiB")
    func runProgramReadsBothOutputs() async throws {
        let run = try await runProgram("/bin/sh", ["-c", "head -c 1048576 /dev/zero | tr '\\0' a; echo refused >&2; exit 3"])
        #expect(run.status == 3)
        #expect(run.exited)
        #expect(run.output.utf8.count == 1_048_576)
        #expect(run.output.utf8.allSatisfy { $0 == UInt8(ascii: "a") })
        #expect(run.errors == "refused\n")
    }

    @Test("a call signed by the kit is split and verified by the server's own check, with the key's secret only")
    func signedCallsPassTheServersCheck() throws {
        let secret = "73ab9382e98d924d6e16ae6e5526d886"
        let signature = try CallSignature(raw: signed("target=peering&action=getSessions&public_id=1", key: "2-ABC", secret: secret))
        #expect(signature.apiKey == "2-ABC")
        #expect(signature.signed == "target=peering&action=getSessions&public_id=1&apiKey=2-ABC")
        #expect(RequestSignature.isValid(signed: signature.signed, hash: signature.hash, secret: secret))
        #expect(!RequestSignature.isValid(signed: signature.signed, hash: signature.hash, secret: String(repeating: "0", count: 32)))
    }
}
