import Foundation
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerAPIv1
@testable import PeerLedgerDomain
@testable import PeerLedgerFixtures
@testable import PeerLedgerPostgres

/// `peerledger store copy`: a ledger's log moved between SQLite and PostgreSQL event for event,
/// with its secrets, checked on arrival, into an empty store only.
@Suite("Store copy between SQLite and PostgreSQL", .enabled(if: postgresAvailable, postgresNeeded))
struct StoreCopyTests {
    static let shape = WorldShape(
        networks: 40, exchanges: 4, netixlans: 60, contacts: 10, bigExchangeMembers: 12, ownExchanges: 3, sessions: 20,
        requests: 6, events: 1_500)

    /// A small world, plus a session with a BGP password (a secret kept beside the log).
    static func world() async throws -> Ledger {
        let ledger = try SyntheticWorld.openLedger(at: temporaryDatabasePath())
        _ = try await SyntheticWorld(shape: shape, seed: 5).build(into: ledger, scratch: Scratch.folder)
        let answer = await APIv1(ledger: ledger).handle(
            APIRequest(
                parameters: try Parameters(
                    formEncoded: "target=peering&action=addSession&public_id=4001&peer_asn=65301&peer_ipaddr=192.0.2.77&password=copy-me-secret"),
                actor: "test"))
        #expect(answer.succeeded, "\(answer.text)")
        return ledger
    }

    @Test("a world copied to PostgreSQL and back keeps every event, hash, secret and projection row")
    func roundTrip() async throws {
        let ledger = try await Self.world()
        let head = try await ledger.head()
        let checksum = try ledger.projectionChecksum()
        let secrets = try ledger.allSecrets()
        #expect(secrets.map(\.value).contains("copy-me-secret"))
        try await withPostgresDatabase { url in
            var reported: [(Int64, Int64)] = []
            let there = try await StoreCopy.copy(from: .sqlite(path: ledger.database.path), to: .postgres(url: url)) {
                reported.append(($0, $1))
            }
            #expect(there.events == head.position)
            #expect(there.lastHash == head.hash)
            #expect(there.secrets == secrets.count)
            #expect(there.projectionChecksum == nil)
            #expect(reported.last.map { $0.0 == head.position && $0.1 == head.position } == true)
            #expect(reported.map(\.0) == reported.map(\.0).sorted())

            let store = try await PostgresEventStore.connect(url: url)
            #expect(try await store.head() == head)
            #expect(try await store.verify().isValid)
            #expect(try await store.events(after: 0, limit: 10_000) == ledger.events(after: 0, limit: 10_000))
            #expect(try await store.allSecrets().map(\.value) == secrets.map(\.value))
            await store.close()

            let back = temporaryDatabasePath()
            let home = try await StoreCopy.copy(from: .postgres(url: url), to: .sqlite(path: back))
            #expect(home.events == head.position)
            #expect(home.projectionChecksum == checksum)
            let copy = try Ledger.open(at: back, access: .existing)
            #expect(try await copy.head() == head)
            #expect(try copy.projectionChecksum() == checksum)
            // The session's password came back with it: getSessions answers it.
            let sessions = await APIv1(ledger: copy).handle(
                APIRequest(parameters: try Parameters(formEncoded: "target=peering&action=getSessions&public_id=4001"), actor: "test"))
            #expect(sessions.text.contains("copy-me-secret"))
        }
    }

    @Test("a copy into a database that is not empty is refused and adds nothing to it")
    func nonEmptyDatabaseRefused() async throws {
        let ledger = try await Self.world()
        let head = try await ledger.head()
        try await withPostgresDatabase { url in
            _ = try await StoreCopy.copy(from: .sqlite(path: ledger.database.path), to: .postgres(url: url))
            await #expect {
                try await StoreCopy.copy(from: .sqlite(path: ledger.database.path), to: .postgres(url: url))
            } throws: { error in
                guard let failure = error as? BackupFailure else { return false }
                return failure.kind == .cannotCreate && failure.description.contains("is not empty (its log holds \(head.position) events)")
            }
            let store = try await PostgresEventStore.connect(url: url)
            #expect(try await store.head() == head)
            await store.close()
        }
    }

    @Test("a copy into an existing ledger file is refused and leaves the file as it was")
    func existingFileRefused() async throws {
        let ledger = try await Self.world()
        let other = try await Self.world()
        let before = try other.projectionChecksum()
        try await withPostgresDatabase { url in
            _ = try await StoreCopy.copy(from: .sqlite(path: ledger.database.path), to: .postgres(url: url))
            await #expect {
                try await StoreCopy.copy(from: .postgres(url: url), to: .sqlite(path: other.database.path))
            } throws: { error in
                (error as? BackupFailure)?.kind == .cannotCreate && "\(error)".contains("already exists")
            }
        }
        #expect(try other.projectionChecksum() == before)
    }

    @Test("a source whose chain is broken is refused before anything reaches the target")
    func brokenSourceRefusedBeforeWriting() async throws {
        let ledger = try await Self.world()
        let head = try ledger.headPosition()
        try appendBrokenEvent(ledger, type: "SessionDeleted")
        try await withPostgresDatabase { url in
            await #expect {
                try await StoreCopy.copy(from: .sqlite(path: ledger.database.path), to: .postgres(url: url))
            } throws: { error in
                guard let failure = error as? BackupFailure else { return false }
                return failure.kind == .badInput && failure.description.contains("does not verify")
                    && failure.description.contains("position \(head + 1)") && failure.description.contains("nothing was copied")
            }
            let store = try await PostgresEventStore.connect(url: url)
            #expect(try await store.head().position == 0)
            await store.close()
        }
    }

    @Test("a URL's password is left out of the store's name in messages")
    func passwordLeftOutOfNames() {
        #expect(StoreLocation("postgres://ledger:hunter2@db1:5432/peerledger").description == "postgres://ledger:***@db1:5432/peerledger")
        #expect(StoreLocation("PostgreSQL://ledger@db1/peerledger") == .postgres(url: "PostgreSQL://ledger@db1/peerledger"))
        #expect(StoreLocation("/var/lib/peerledger/ledger.sqlite") == .sqlite(path: "/var/lib/peerledger/ledger.sqlite"))
    }

    @Test(
        "peerledger store copy, then verify and export with --store, answer for the PostgreSQL copy as for the file",
        .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
    func commands() async throws {
        let ledger = try await Self.world()
        let path = ledger.database.path
        try await withPostgresDatabase { url in
            let copy = try await peerledger(["store", "copy", "--from", path, "--to", url], seconds: 120)
            #expect(copy.status == 0, "\(copy.errors)")
            #expect(copy.output.contains("copied \(try ledger.headPosition()) events and 1 secrets"))
            #expect(!copy.errors.contains("copy-me-secret") && !copy.output.contains("copy-me-secret"))

            let verify = try await peerledger(["verify", "--store", url])
            #expect(verify.status == 0, "\(verify.errors)")
            let local = try await peerledger(["verify", "--db", path])
            #expect(verify.output == local.output)

            let exported = try await peerledger(["export", "--store", url], seconds: 120)
            let exportedLocally = try await peerledger(["export", "--db", path], seconds: 120)
            #expect(exported.status == 0, "\(exported.errors)")
            #expect(!exported.output.isEmpty)
            #expect(exported.output == exportedLocally.output)

            // The same audit answers from both stores, the filters' values bound (one of them SQL).
            for filters in [["--type", "SessionAdded"], ["--actor", "test", "--json"], ["--session", "1"], ["--actor", "x' OR '1'='1"],
                            ["--stream", "session-2", "--type", "SessionUpdated"], ["--stream", "session-1' OR '1'='1"]] {
                let remote = try await peerledger(["audit", "--store", url] + filters)
                let here = try await peerledger(["audit", "--db", path] + filters)
                #expect(remote.status == 0, "\(remote.errors)")
                #expect(remote.output == here.output, "audit \(filters)")
                #expect(remote.errors == here.errors, "audit \(filters)")
            }
            // As of a moment, the projections answer: a node's copy (--db) must exist already.
            let noCopy = temporaryDatabasePath()
            let pastOnPostgres = try await peerledger(["audit", "--store", url, "--db", noCopy, "--as-of", "2026-01-01", "action=getSessions"])
            #expect(pastOnPostgres.status == 66)
            #expect(pastOnPostgres.errors.contains(noCopy), "\(pastOnPostgres.errors)")
            #expect(pastOnPostgres.errors.contains("'rebuild --store' a node's copy"), "\(pastOnPostgres.errors)")
            #expect(!FileManager.default.fileExists(atPath: noCopy))

            let again = try await peerledger(["store", "copy", "--from", path, "--to", url])
            #expect(again.status == 73)
            #expect(again.errors.contains("is not empty"))

            let notAURL = try await peerledger(["verify", "--store", path])
            #expect(notAURL.status == 64)
            #expect(notAURL.errors.contains("--store takes a postgres:// URL"))
        }
    }
}
