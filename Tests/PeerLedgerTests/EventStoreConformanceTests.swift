import Foundation
import GRDB
import PeerLedgerTestSupport
import Testing

@testable import PeerLedger
@testable import PeerLedgerDomain

/// One backend of the event store, as the conformance suite runs it: how to make an empty store,
/// and how to alter one stored event behind the store's back (what `verify` must find).
struct StoreBackend: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () throws -> any EventStore
    let tamper: @Sendable (any EventStore, _ position: Int64) throws -> Void

    var testDescription: String { name }

    /// SQLite's tamper: the append-only triggers dropped, one byte of a payload changed.
    static let sqliteTamper: @Sendable (any EventStore, Int64) throws -> Void = { store, position in
        guard let ledger = store as? Ledger else { throw ConformanceFailure("the SQLite tamper needs a Ledger, got \(store)") }
        try ledger.database.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER events_refuse_update")
            try db.execute(sql: "UPDATE events SET payload = replace(payload, '16509', '16508') WHERE position = ?", arguments: [position])
        }
    }

    static let all: [StoreBackend] = [
        StoreBackend(name: "SQLite in memory", make: { try Ledger.inMemory() }, tamper: sqliteTamper),
        StoreBackend(name: "SQLite file", make: { try Ledger.open(at: temporaryDatabasePath()) }, tamper: sqliteTamper),
    ]
}

struct ConformanceFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The event-store conformance suite: every backend runs the same tests, through the
/// `EventStore` protocol alone (only the tamper hook knows the backend). The PostgreSQL store runs
/// the same bodies in `PostgresEventStoreConformanceTests`, enabled where PostgreSQL is installed,
/// so the SQLite runs never depend on it.
@Suite("Event store conformance")
struct EventStoreConformanceTests {
    static let metadata = EventMetadata(actor: "conformance")

    /// The seed's Amazon session at Equinix Ashburn, as session `id`.
    static func added(_ id: Int64, asn: Int64 = 16509) -> LedgerEvent {
        .sessionAdded(SessionAdded(sessionID: id, fields: [
            "public_id": .int(1), "peer_asn": .int(asn), "peer_ipaddr": .text("206.126.236.\(id)"), "ip_type": .text("ipv4"),
            "state": .text("not configured"), "peer_name": .text("Amazon.com"),
        ]))
    }

    static func noted(_ id: Int64, _ note: String) -> LedgerEvent {
        .sessionUpdated(SessionUpdated(sessionID: id, changes: ["note": .init(from: .null, to: .text(note))]))
    }

    /// Appends one event and returns it (no idempotency).
    @discardableResult
    static func append<Store: EventStore>(
        _ store: Store, _ event: LedgerEvent, to stream: String, expecting expected: ExpectedVersion
    ) async throws -> RecordedEvent {
        let appended = try await store.append(metadata, idempotency: nil, record: { _ in "" }) { log in
            try log.append(event, to: stream, expecting: expected)
        }
        guard case let .new(recorded) = appended else { throw ConformanceFailure("a plain append was reported as a repeat") }
        return recorded
    }

    @Test("appended events are read back in order, by position and by stream, with the head after them", arguments: StoreBackend.all)
    func appendAndRead(_ backend: StoreBackend) async throws {
        try await Self.appendAndRead(backend.make())
    }

    static func appendAndRead(_ store: some EventStore) async throws {
        #expect(try await store.head() == LogHead(position: 0, hash: RecordedEvent.genesisHash))
        let first = try await append(store, added(1), to: "session-1", expecting: .noStream)
        try await append(store, added(2, asn: 20940), to: "session-2", expecting: .noStream)
        let third = try await append(store, noted(1, "renewed contract"), to: "session-1", expecting: .exactly(1))
        #expect(first.position == 1 && first.streamVersion == 1 && first.prevHash == RecordedEvent.genesisHash)
        #expect(third.position == 3 && third.streamVersion == 2)
        let all = try await store.events(after: 0, limit: 10)
        #expect(all.map(\.position) == [1, 2, 3])
        #expect(all.map(\.stream) == ["session-1", "session-2", "session-1"])
        #expect(all.map(\.type) == ["SessionAdded", "SessionAdded", "SessionUpdated"])
        #expect(zip(all.dropFirst(), all).allSatisfy { $0.prevHash == $1.hash })
        #expect(try await store.events(after: 1, limit: 1).map(\.position) == [2])
        let stream = try await store.events(inStream: "session-1")
        #expect(stream.map(\.streamVersion) == [1, 2])
        #expect(stream.last?.payload.contains("renewed contract") == true)
        #expect(try await store.head() == LogHead(position: 3, hash: third.hash))
    }

    @Test("an append at a stale expected version is a conflict and appends nothing", arguments: StoreBackend.all)
    func conflicts(_ backend: StoreBackend) async throws {
        try await Self.conflicts(backend.make())
    }

    static func conflicts(_ store: some EventStore) async throws {
        try await append(store, added(1), to: "session-1", expecting: .noStream)
        await #expect(throws: LedgerError.conflict(stream: "session-1", expected: nil, actual: 1)) {
            try await append(store, added(1), to: "session-1", expecting: .noStream)
        }
        await #expect(throws: LedgerError.conflict(stream: "session-1", expected: 5, actual: 1)) {
            try await append(store, noted(1, "late"), to: "session-1", expecting: .exactly(5))
        }
        // A conflict in the second append of a transaction takes the first one back with it.
        await #expect(throws: LedgerError.conflict(stream: "session-1", expected: 7, actual: 2)) {
            _ = try await store.append(metadata, idempotency: nil, record: { _ in "" }) { log in
                try log.append(noted(1, "kept?"), to: "session-1", expecting: .exactly(1))
                try log.append(noted(1, "no"), to: "session-1", expecting: .exactly(7))
            }
        }
        #expect(try await store.head().position == 1)
        #expect(try await store.events(inStream: "session-1").count == 1)
    }

    @Test("concurrent writers leave a gap-free log, and of those expecting one version exactly one wins", arguments: StoreBackend.all)
    func concurrentWriters(_ backend: StoreBackend) async throws {
        try await Self.concurrentWriters(backend.make())
    }

    static func concurrentWriters(_ store: some EventStore) async throws {
        try await append(store, added(1), to: "session-1", expecting: .noStream)
        // 8 writers on their own streams, 10 appends each, and 8 more racing for version 2 of session-1.
        let winners = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let id = Int64(100 + writer)
                    try await append(store, added(id), to: "session-\(id)", expecting: .noStream)
                    for round in 1..<10 {
                        try await append(store, noted(id, "round \(round)"), to: "session-\(id)", expecting: .exactly(Int64(round)))
                    }
                    return 0
                }
                group.addTask {
                    do {
                        try await append(store, noted(1, "writer \(writer)"), to: "session-1", expecting: .exactly(1))
                        return 1
                    } catch let error as LedgerError {
                        #expect(error == .conflict(stream: "session-1", expected: 1, actual: 2))
                        return 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(winners == 1)
        let all = try await store.events(after: 0, limit: 1000)
        #expect(all.map(\.position) == Array(1...Int64(1 + 80 + 1)))
        #expect(try await store.events(inStream: "session-1").map(\.streamVersion) == [1, 2])
        #expect(try await store.verify().isValid)
    }

    @Test("an idempotency key repeats its first outcome with the same fingerprint and refuses another", arguments: StoreBackend.all)
    func idempotency(_ backend: StoreBackend) async throws {
        try await Self.idempotency(backend.make())
    }

    static func idempotency(_ store: some EventStore) async throws {
        let key = IdempotencyKey(actor: "noc-automation", key: "req-7", fingerprint: "amazon")
        let first = try await store.append(metadata, idempotency: key, record: { "added at \($0)" }) { log in
            try log.append(added(1), to: "session-1", expecting: .noStream).position
        }
        guard case .new(1) = first else { throw ConformanceFailure("the first keyed append was \(first)") }
        let again = try await store.append(metadata, idempotency: key, record: { "added at \($0)" }) { log in
            try log.append(added(2), to: "session-2", expecting: .noStream).position
        }
        guard case .repeated(outcome: "added at 1") = again else { throw ConformanceFailure("the repeat was \(again)") }
        var other = key
        other.fingerprint = "akamai"
        await #expect(throws: LedgerError.idempotencyKeyReused(key: "req-7")) {
            _ = try await store.append(metadata, idempotency: other, record: { _ in "" }) { log in
                try log.append(added(3), to: "session-3", expecting: .noStream)
            }
        }
        // Keys belong to their actor: another actor's req-7 is a new request.
        var otherActor = key
        otherActor.actor = "dashboard"
        let theirs = try await store.append(metadata, idempotency: otherActor, record: { "added at \($0)" }) { log in
            try log.append(added(4), to: "session-4", expecting: .noStream).position
        }
        guard case .new(2) = theirs else { throw ConformanceFailure("another actor's key was \(theirs)") }
        #expect(try await store.head().position == 2)
    }

    @Test("the hash chain verifies, and one altered byte is found at its position", arguments: StoreBackend.all)
    func tamperingIsFound(_ backend: StoreBackend) async throws {
        let store = try backend.make()
        try await Self.tamperingIsFound(store) { position in try backend.tamper(store, position) }
    }

    /// `tamper` alters one byte of the event at the position it is given, behind the store's back.
    static func tamperingIsFound(_ store: some EventStore, tamper: (Int64) async throws -> Void) async throws {
        try await Self.appendThree(store)
        #expect(try await store.verify().isValid)
        try await tamper(2)
        let report = try await store.verify()
        #expect(!report.isValid)
        #expect(report.firstBad?.position == 2)
        #expect(report.firstBad?.reason == "hash does not match the event's content (the event was altered)")
    }

    static func appendThree(_ store: some EventStore) async throws {
        try await append(store, added(1, asn: 20940), to: "session-1", expecting: .noStream)
        try await append(store, added(2), to: "session-2", expecting: .noStream)
        try await append(store, noted(2, "hello"), to: "session-2", expecting: .exactly(1))
    }

    @Test("a secret is kept apart: the log holds its ref, never its value", arguments: StoreBackend.all)
    func secretsStayOutOfTheLog(_ backend: StoreBackend) async throws {
        try await Self.secretsStayOutOfTheLog(backend.make())
    }

    static func secretsStayOutOfTheLog(_ store: some EventStore) async throws {
        let password = "ace12345-bgp-md5"
        let appended = try await store.append(metadata, idempotency: nil, record: { _ in "" }) { log -> String in
            let ref = try log.storeSecret(password)
            guard case var .sessionAdded(session) = added(1) else { return ref }
            session.fields["password_ref"] = .text(ref)
            try log.append(.sessionAdded(session), to: "session-1", expecting: .noStream)
            return ref
        }
        guard case let .new(ref) = appended else { throw ConformanceFailure("a plain append was reported as a repeat") }
        #expect(try await store.secret(ref) == password)
        let events = try await store.events(after: 0, limit: 10)
        #expect(events.count == 1)
        #expect(events.allSatisfy { !$0.payload.contains(password) && !$0.metadata.contains(password) })
        #expect(events.first?.payload.contains(ref) == true)
        #expect(try await store.secret("secret-unknown") == nil)
    }

    @Test("a write is read by the next read, from any reader", arguments: StoreBackend.all)
    func readYourWrites(_ backend: StoreBackend) async throws {
        try await Self.readYourWrites(backend.make())
    }

    static func readYourWrites(_ store: some EventStore) async throws {
        for id in Int64(1)...20 {
            let recorded = try await append(store, added(id), to: "session-\(id)", expecting: .noStream)
            #expect(try await store.head() == LogHead(position: recorded.position, hash: recorded.hash))
            #expect(try await store.events(inStream: "session-\(id)").map(\.hash) == [recorded.hash])
        }
    }
}
