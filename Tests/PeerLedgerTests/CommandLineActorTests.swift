import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

@Suite("Who a command-line change is recorded as")
struct CommandLineActorTests {
    @Test("USER names the actor, then LOGNAME; with neither (cron, systemd, env -i) the process's own user does, never 'unknown'")
    func actor() throws {
        #expect(EventMetadata.commandLine(environment: ["USER": "rené", "LOGNAME": "other"]).actor == "cli:rené")
        #expect(EventMetadata.commandLine(environment: ["LOGNAME": "noc"]).actor == "cli:noc")
        #expect(EventMetadata.commandLine(environment: ["USER": "", "LOGNAME": "noc"]).actor == "cli:noc")
        let unnamed = EventMetadata.commandLine(environment: [:]).actor
        #expect(unnamed == "cli:\(try loginNameFromID())")
        #expect(unnamed != "cli:unknown")
    }

    /// `id -un`: the user's name from outside the code under test.
    func loginNameFromID() throws -> String {
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
}
