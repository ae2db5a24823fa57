import Foundation
import Logging
import PeerLedger
import PeerLedgerHTTP
import PeerLedgerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `peerledger serve --demo` makes a demo console user and prints its one-time password, which
/// logs in.
@Suite(
    "serve --demo makes a console user",
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct ConsoleDemoTests {
    @Test("serve --demo prints the console's login page, the demo user and a one-time password that logs in")
    func demoPrintsAConsoleUser() async throws {
        let folder = Scratch.url("demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let process = Process()
        process.executableURL = try peerledgerBinary()
        process.arguments = ["serve", "--demo", "--db", path, "--port", "0", "--log-level", "error", "--outbox-interval", "0", "--poll-interval", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Every wait on the child is off Swift's pool, where the in-process servers of other tests run.
        let text: String
        do {
            text = try await offPool { try Self.read(output.fileHandleForReading, until: "(choose your own at first login)", seconds: 60) }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            await offPool { process.waitUntilExit() }
            throw error
        }
        kill(process.processIdentifier, SIGKILL)
        await offPool { process.waitUntilExit() }
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Console: ") })
        #expect(line.contains("/login  user: demo  one-time password: "))
        let password = try #require(line.components(separatedBy: "one-time password: ").last?.split(separator: " ").first.map(String.init))
        #expect(password.count == 20)

        let ledger = try Ledger.open(at: path)
        #expect(try ledger.consoleUsers().map(\.name) == ["demo"])
        try await buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "test")).test(.router) { client in
            let console = ConsoleClient(client)
            let login = try await console.submit("/login", from: "/login", [("user", "demo"), ("password", password)])
            #expect(login.location == "/password")
        }
    }

    /// What `handle` gives until `marker` appears, waiting at most `seconds` in all.
    static func read(_ handle: FileHandle, until marker: String, seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var bytes: [UInt8] = []
        while !String(decoding: bytes, as: UTF8.self).contains(marker) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw TestFailure("serve --demo printed no '\(marker)' within \(seconds) s: \(String(decoding: bytes, as: UTF8.self))") }
            var poller = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(left, 1) * 1000)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = Glibc.read(handle.fileDescriptor, &chunk, chunk.count)
            guard count > 0 else { throw TestFailure("serve --demo closed its output: \(String(decoding: bytes, as: UTF8.self))") }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
