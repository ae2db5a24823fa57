import Foundation
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
import PeerLedgerTestSupport

@Suite("Who a command-line change is recorded as")
struct CommandLineActorTests {
    @Test("USER names the actor, then LOGNAME; with neither (cron, systemd, env -i) the process's own user does, never 'unknown'")
    func actor() throws {
        #expect(EventMetadata.commandLine(environment: ["USER": "rené", "LOGNAME": "other"]).actor == "cli:rené")
        #expect(EventMetadata.commandLine(environment: ["LOGNAME": "noc"]).actor == "cli:noc")
        #expect(EventMetadata.commandLine(environment: ["USER": "", "LOGNAME": "noc"]).actor == "cli:noc")
        let unnamed = EventMetadata.commandLine(environment: [:]).actor
        #expect(unnamed == "cli:\(try loginName())")
        #expect(unnamed != "cli:unknown")
    }
}
