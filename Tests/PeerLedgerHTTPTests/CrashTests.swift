import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

@Suite("Crash safety", .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct CrashTests {
    @Test("a server killed mid-write loses nothing acknowledged and leaves no half-written command")
    func killMidWrite() async throws {
        try await killUnderWriters(4, exchangesFrom: 0, repeatingAnAddress: false, killAfter: 60)
    }

    /// Sixteen writers at once keep the writer busy, so their commands are committed in groups
    /// (`GroupCommit`): the kill lands while groups are being written and committed.
    @Test("a server killed under 16 concurrent writers (group commits) loses nothing acknowledged and leaves no half-written command or refused one")
    func killDuringGroupCommits() async throws {
        try await killUnderWriters(16, exchangesFrom: 100_000, repeatingAnAddress: true, killAfter: 200)
    }

    /// Starts a server, runs `writers` writers and kills the server without warning once
    /// `killAfter` writes are acknowledged; then checks the ledger it left.
    ///
    /// Each writer, round after round until the kill: three sessions at an exchange of its own;
    /// with `repeatingAnAddress`, an addSession refused for repeating the first one's address; then
    /// one deleteSession that removes the three in one command (three events in one transaction).
    /// Afterwards the log verifies, a rebuild gives the projections it kept, every acknowledged
    /// session and deletion is in the log, every deleteSession removed all three sessions or none,
    /// no exchange holds more than its three, and no refused addSession reached the log.
    func killUnderWriters(_ writers: Int, exchangesFrom base: Int, repeatingAnAddress: Bool, killAfter: Int) async throws {
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try await ServerProcess.start(database: database)
        let acknowledged = AcknowledgedWrites()

        try await withHTTPClient(connections: writers) { client in
            let running = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            for round in 0..<200 {
                                let exchange = base + writer * 1000 + round + 1
                                for host in 1...3 {
                                    let call = "target=peering&action=addSession&public_id=\(exchange)&peer_asn=6\(host)&peer_ipaddr=10.\(writer).\(round % 250).\(host)&peer_name=Net+\(host)&peer_participant_id=\(host)"
                                    guard let answer = await server.post(call, client: client, key: key.apiKey, secret: secret),
                                        answer["success"] == .int(1), let id = answer["data"]?["id"]?.intValue
                                    else { return }
                                    acknowledged.addSession(id)
                                }
                                if repeatingAnAddress {
                                    let repeated = "target=peering&action=addSession&public_id=\(exchange)&peer_asn=69&peer_ipaddr=10.\(writer).\(round % 250).1&peer_name=Again&peer_participant_id=9"
                                    guard let refusal = await server.post(repeated, client: client, key: key.apiKey, secret: secret),
                                        refusal["success"] == .int(0)
                                    else { return }
                                }
                                guard let answer = await server.post("target=peering&action=deleteSession&public_id=\(exchange)", client: client, key: key.apiKey, secret: secret),
                                    answer["success"] == .int(1)
                                else { return }
                                acknowledged.deleteExchange(Int64(exchange))
                            }
                        }
                    }
                }
            }
            try await waitUntil("\(killAfter) acknowledged writes before the kill", within: .seconds(120)) { acknowledged.count >= killAfter }
            server.kill()
            await running.value
        }

        let ledger = try Ledger.open(at: database)
        #expect(try ledger.verify().isValid)
        #expect(try ledger.rebuild().matches)
        let events = try ledger.readNow { db in try AuditQuery().events(db) }
        var sessions = Set<Int64>()
        var exchangeOf: [Int64: Int64] = [:]
        var addedByExchange: [Int64: Int] = [:]
        var deletedByExchange: [Int64: [Int64]] = [:]
        for event in events {
            let payload = try JSON.parse(event.payload)
            guard let id = payload["session_id"]?.intValue else { continue }
            if event.type == "SessionAdded" {
                sessions.insert(id)
                let exchange = payload["fields"]?["public_id"]?.intValue
                exchangeOf[id] = exchange
                if let exchange { addedByExchange[exchange, default: 0] += 1 }
                // A refused addSession never reaches the log.
                #expect(payload["fields"]?["peer_name"] != .string("Again"))
            } else if event.type == "SessionDeleted", let exchange = exchangeOf[id] {
                deletedByExchange[exchange, default: []].append(id)
            }
        }
        // Nothing acknowledged is lost.
        #expect(acknowledged.sessions.isSubset(of: sessions))
        for exchange in acknowledged.deletedExchanges {
            #expect(deletedByExchange[exchange]?.count == 3, "exchange \(exchange)")
        }
        // No command is half-written.
        #expect(deletedByExchange.values.allSatisfy { $0.count == 3 })
        #expect(addedByExchange.values.allSatisfy { $0 <= 3 })
        #expect(acknowledged.count >= killAfter)
    }
}

extension CrashTests {
    @Test("SIGTERM shuts the server down gracefully: it exits 0 and every acknowledged write is in the ledger")
    func gracefulShutdown() async throws {
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try await ServerProcess.start(database: database)
        let acknowledged = AcknowledgedWrites()
        let status = try await withHTTPClient { client in
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<3 {
                        group.addTask {
                            for n in 0..<300 {
                                let call = "target=peering&action=addSession&public_id=\(writer + 1)&peer_asn=65000&peer_ipaddr=10.\(writer).\(n / 250).\(n % 250 + 1)"
                                guard let answer = await server.post(call, client: client, key: key.apiKey, secret: secret),
                                    answer["success"] == .int(1), let id = answer["data"]?["id"]?.intValue
                                else { return }
                                acknowledged.addSession(id)
                            }
                        }
                    }
                }
            }
            try await waitUntil("30 acknowledged writes before SIGTERM", within: .seconds(60)) { acknowledged.count >= 30 }
            let status = try await server.terminate()
            await writers.value
            return status
        }
        #expect(status == 0)
        let ledger = try Ledger.open(at: database)
        let stored = Set(try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }.compactMap {
            try JSON.parse($0.payload)["session_id"]?.intValue
        })
        #expect(acknowledged.sessions.isSubset(of: stored))
        #expect(try ledger.verify().isValid)
    }
}

/// What the server acknowledged before it died.
final class AcknowledgedWrites: @unchecked Sendable {
    private let lock = NSLock()
    private var sessionIDs = Set<Int64>()
    private var exchanges = Set<Int64>()

    func addSession(_ id: Int64) { lock.withLock { _ = sessionIDs.insert(id) } }
    func deleteExchange(_ id: Int64) { lock.withLock { _ = exchanges.insert(id) } }
    var sessions: Set<Int64> { lock.withLock { sessionIDs } }
    var deletedExchanges: Set<Int64> { lock.withLock { exchanges } }
    var count: Int { lock.withLock { sessionIDs.count + exchanges.count } }
}
