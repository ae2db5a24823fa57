import Foundation
public import PeerLedger
import PeerLedgerDomain
import Synchronization

/// Delivery through a sendmail-compatible program (`/usr/sbin/sendmail`, msmtp, ...): the message
/// on standard input, `-i -f SENDER -- RECIPIENTS` as arguments (no shell: addresses are
/// arguments, never command text). Exit status 0 is acceptance; EX_TEMPFAIL (75) is worth a
/// retry, any other failure is not.
public struct SendmailTransport: MailTransport {
    public let program: String
    /// A program still running after this long is killed and the attempt counts as failed.
    public let timeoutSeconds: Double

    public init(program: String = "/usr/sbin/sendmail", timeoutSeconds: Double = 60) {
        self.program = program
        self.timeoutSeconds = timeoutSeconds
    }

    /// sysexits.h: a temporary failure, try again later.
    static let temporaryFailure: Int32 = 75

    public func deliver(_ mail: OutgoingMail) async throws -> String {
        let program = self.program
        let timeout = timeoutSeconds
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.run(program, mail, timeout: timeout) })
            }
        }
    }

    static func run(_ program: String, _ mail: OutgoingMail, timeout: Double) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-i", "-f", mail.sender, "--"] + mail.recipients
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw MailDeliveryError(reply: "cannot run \(program): \(error.localizedDescription)", permanent: false)
        }
        // Read while writing so a chatty program cannot block on a full pipe.
        let collected = ReaderResult()
        let reader = Thread {
            collected.set(output.fileHandleForReading.readDataToEndOfFile())
        }
        reader.start()
        // sendmail -i reads lines; LF endings are what local programs expect.
        let text = mail.message.replacingOccurrences(of: "\r\n", with: "\n")
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw MailDeliveryError(reply: "\(program) did not finish within \(Int(timeout)) seconds; killed", permanent: false)
        }
        process.waitUntilExit()
        let said = String(decoding: collected.wait(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        guard process.terminationReason == .exit, status == 0 else {
            let reply = "\(program) exited with status \(status)" + (said.isEmpty ? "" : ": \(said.prefix(500))")
            throw MailDeliveryError(reply: reply, permanent: process.terminationReason == .exit && status != temporaryFailure)
        }
        return "\(program): accepted" + (said.isEmpty ? "" : " (\(said.prefix(200)))")
    }
}

/// The reader thread's result, handed over once.
private final class ReaderResult: Sendable {
    private let data = Mutex<Data?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func set(_ value: Data) {
        data.withLock { $0 = value }
        ready.signal()
    }

    /// Blocks until `set` has run.
    func wait() -> Data {
        ready.wait()
        return data.withLock { $0 } ?? Data()
    }
}
