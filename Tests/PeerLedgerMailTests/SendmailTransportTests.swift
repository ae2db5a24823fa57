import Foundation
import PeerLedger
import PeerLedgerDomain
import Testing

@testable import PeerLedgerMail
import PeerLedgerTestSupport

/// `--transport sendmail`: the message piped to a sendmail-compatible program. A small script
/// stands in for sendmail and records its arguments and standard input.
@Suite("sendmail transport")
struct SendmailTransportTests {
    let folder = Scratch.url("sendmail-\(UUID().uuidString)")

    func fakeSendmail(exitStatus: Int32, says: String = "") throws -> String {
        try writeScript(
            """
            #!/bin/sh
            printf '%s\\n' "$@" > '\(folder.path)/args'
            cat > '\(folder.path)/message'
            printf '%s' '\(says)' >&2
            exit \(exitStatus)

            """)
    }

    /// Writes an executable script under a fresh name, through a close-on-exec descriptor: a
    /// process another test starts at the same moment must not inherit it open for writing,
    /// which would make running the script fail with "text file busy".
    func writeScript(_ text: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("sendmail-\(UUID().uuidString.prefix(8))").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    let mail = OutgoingMail(
        sender: "ops@6connect.com", recipients: ["peering@amazon.com", "archive@6connect.com"],
        message: "From: ops@6connect.com\r\nTo: peering@amazon.com\r\nSubject: Peering\r\n\r\nPeering,\r\n.\r\n")

    @Test("the message goes on standard input with -i -f SENDER -- RECIPIENTS, as arguments, not shell text")
    func pipes() async throws {
        let program = try fakeSendmail(exitStatus: 0)
        let reply = try await SendmailTransport(program: program).deliver(mail)
        #expect(reply == "\(program): accepted")
        let args = try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8)
        #expect(args == "-i\n-f\nops@6connect.com\n--\npeering@amazon.com\narchive@6connect.com\n")
        let message = try String(contentsOf: folder.appendingPathComponent("message"), encoding: .utf8)
        #expect(message == "From: ops@6connect.com\nTo: peering@amazon.com\nSubject: Peering\n\nPeering,\n.\n")
    }

    @Test("exit status 75 (EX_TEMPFAIL) is worth a retry; any other failure is not")
    func failures() async throws {
        let temporary = try fakeSendmail(exitStatus: 75, says: "queue full")
        await #expect(throws: MailDeliveryError(reply: "\(temporary) exited with status 75: queue full", permanent: false)) {
            try await SendmailTransport(program: temporary).deliver(mail)
        }
        let permanent = try fakeSendmail(exitStatus: 67, says: "user unknown")
        await #expect(throws: MailDeliveryError(reply: "\(permanent) exited with status 67: user unknown", permanent: true)) {
            try await SendmailTransport(program: permanent).deliver(mail)
        }
    }

    @Test("a missing program is a temporary failure naming it")
    func missing() async throws {
        do {
            _ = try await SendmailTransport(program: "/nonexistent/sendmail").deliver(mail)
            Issue.record("a missing program delivered")
        } catch let error as MailDeliveryError {
            #expect(error.reply.hasPrefix("cannot run /nonexistent/sendmail"))
            #expect(!error.permanent)
        }
    }

    @Test("a program that hangs is killed after the timeout and the attempt is retried later")
    func hangs() async throws {
        let script = try writeScript("#!/bin/sh\ncat > /dev/null\nexec sleep 30\n")
        await #expect(throws: MailDeliveryError(reply: "\(script) did not finish within 1 seconds; killed", permanent: false)) {
            try await SendmailTransport(program: script, timeoutSeconds: 1).deliver(mail)
        }
    }
}
