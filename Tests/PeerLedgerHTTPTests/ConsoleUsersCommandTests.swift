import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

/// `peerledger users`: the console's users from the command line.
@Suite(
    "peerledger users",
    .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct ConsoleUsersCommandTests {
    @Test("users create prints the user, role and a one-time password; list shows no password; disable refuses a second time; a bad role or name is refused")
    func usersCommands() async throws {
        let folder = Scratch.url("users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path

        let created = try await peerledger(["users", "create", "alice", "--role", "operator", "--db", path])
        #expect(created.status == 0, "\(created.errors)")
        let printed = try JSON.parse(created.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(printed["user"] == .string("alice"))
        #expect(printed["role"] == .string("operator"))
        let password = try #require(printed["password"]?.stringValue)
        #expect(password.count == 20)

        let listed = try await peerledger(["users", "list", "--db", path])
        #expect(listed.status == 0)
        #expect(listed.output.contains(#""user":"alice""#))
        #expect(listed.output.contains(#""must_change_password":true"#))
        #expect(!listed.output.contains(password))

        let twice = try await peerledger(["users", "create", "alice", "--role", "viewer", "--db", path])
        #expect(twice.status != 0)
        #expect(twice.errors.contains("a console user named alice already exists"))

        let badRole = try await peerledger(["users", "create", "bob", "--role", "root", "--db", path])
        #expect(badRole.status != 0)
        #expect(badRole.errors.contains("--role must be viewer, operator or admin; got 'root'"))
        let badName = try await peerledger(["users", "create", "Bob Smith", "--role", "viewer", "--db", path])
        #expect(badName.status != 0)
        #expect(badName.errors.contains("may hold only a-z, 0-9"))

        #expect(try await peerledger(["users", "disable", "alice", "--db", path]).output == "disabled alice\n")
        let again = try await peerledger(["users", "disable", "alice", "--db", path])
        #expect(again.status != 0)
        #expect(again.errors.contains("console user alice is already disabled"))

        let ledger = try Ledger.open(at: path)
        let events = try ledger.readingNowEvents(type: nil).filter { $0.stream == "user-alice" }
        #expect(events.map(\.type) == ["UserCreated", "UserDisabled"])
        #expect(events.allSatisfy { !$0.payload.contains(password) && !$0.payload.contains("$2") })
    }
}
