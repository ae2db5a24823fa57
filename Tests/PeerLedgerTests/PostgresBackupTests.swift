import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain
@testable import PeerLedgerPostgres

/// Backups as a DBA takes them: `pg_dump` of the ledger's database, `pg_restore` into another,
/// and `verify` on the restored copy.
@Suite("PostgreSQL backup and restore", .enabled(if: postgresAvailable, postgresNeeded))
struct PostgresBackupTests {
    @Test("a ledger dumped with pg_dump and restored with pg_restore verifies with the same head, events and secrets, and takes appends")
    func dumpAndRestore() async throws {
        let cluster = try await PostgresCluster.shared()
        let source = try await cluster.createDatabase()
        let target = try await cluster.createDatabase()
        let dump = temporaryDatabasePath() + ".dump"
        defer { try? FileManager.default.removeItem(atPath: dump) }

        let original = try await PostgresEventStore.connect(url: source)
        for id in Int64(1)...Int64(20) {
            try await EventStoreConformanceTests.append(
                original, EventStoreConformanceTests.added(id), to: "session-\(id)", expecting: .noStream)
        }
        let secretRef = try await original.append(EventMetadata(actor: "backup-test")) { log in try log.storeSecret("bgp-md5-pw") }
        let head = try await original.head()
        let events = try await original.events(after: 0, limit: 100)
        await original.close()

        let databases = [source, target].map { URL(string: $0)!.lastPathComponent }
        let dumped = try await runProgram(
            "\(postgresPrograms)/pg_dump",
            ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres", "-Fc", "-f", dump, databases[0]], seconds: 60)
        #expect(dumped.status == 0, "pg_dump: \(dumped.errors)")
        let restored = try await runProgram(
            "\(postgresPrograms)/pg_restore",
            ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres", "--exit-on-error", "-d", databases[1], dump], seconds: 60)
        #expect(restored.status == 0, "pg_restore: \(restored.errors)")

        let copy = try await PostgresEventStore.connect(url: target)
        do {
            let report = try await copy.verify()
            #expect(report.isValid, "verify on the restored copy: \(report)")
            #expect(try await copy.head() == head)
            #expect(try await copy.events(after: 0, limit: 100) == events)
            guard case let .new(ref) = secretRef else { throw TestFailure("storing a secret was reported as a repeat") }
            #expect(try await copy.secret(ref) == "bgp-md5-pw")
            // The triggers came back with the schema: the log goes on from the head, and stays append-only.
            let next = try await EventStoreConformanceTests.append(
                copy, EventStoreConformanceTests.added(21), to: "session-21", expecting: .noStream)
            #expect(next.position == head.position + 1 && next.prevHash == head.hash)
            await #expect(throws: (any Error).self) { try await copy.executeUnchecked("DELETE FROM events WHERE position = 1") }
            await copy.close()
        } catch {
            await copy.close()
            throw error
        }
    }
}
