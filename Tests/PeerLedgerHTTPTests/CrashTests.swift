import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerTestSupport
import Testing

@Suite("Crash safety", .enabled(if: peerledgerBinaryPath != nil, "needs the peerledger binary built beside the tests (swift build)"))
struct CrashTests {
    @Test("a server killed mid-write loses nothing acknowledged and leaves no half-written command")
    func killMidWrite() async throws {
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try await ServerProcess.start(database: database)
        let acknowledged = AcknowledgedWrites()

        try await withHTTPClient { client in
            // Writers: each exchange k gets three sessions, then one deleteSession removes all three in
            // one command (three events in one transaction). Many run at once; the server is killed
            // while they are in flight.
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            for round in 0..<200 {
                                let exchange = writer * 1000 + round + 1
                                for host in 1...3 {
                                    let call = "target=peering&action=addSession&public_id=\(exchange)&peer_asn=6\(host)&peer_ipaddr=10.\(writer).\(round % 250).\(host)&peer_name=Net+\(host)&peer_participant_id=\(host)"
                                    guard let answer = await server.post(call, client: client, key: key.apiKey, secret: secret),
                                        answer["success"] == .int(1), let id = answer["data"]?["id"]?.intValue
                                    else { return }
                                    acknowledged.addSession(id)
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
            // Let some writes land, then kill the server without warning.
            try await waitUntil("60 acknowledged writes before the kill", within: .seconds(60)) { acknowledged.count >= 60 }
            server.kill()
            await writers.value
        }

        let ledger = try Ledger.open(at: database)
        #expect(try ledger.verify().isValid)
        let report = try ledger.rebuild()
        #expect(report.matches)
        let events = try ledger.readNow { db in try AuditQuery().events(db) }
        var sessions = Set<Int64>()
        var exchangeOf: [Int64: Int64] = [:]
        var deletedByExchange: [Int64: [Int64]] = [:]
        for event in events {
            let payload = try JSON.parse(event.payload)
            guard let id = payload["session_id"]?.intValue else { continue }
            if event.type == "SessionAdded" {
                sessions.insert(id)
                exchangeOf[id] = payload["fields"]?["public_id"]?.intValue
            } else if event.type == "SessionDeleted", let exchange = exchangeOf[id] {
                deletedByExchange[exchange, default: []].append(id)
            }
        }
        // Nothing acknowledged is lost.
        #expect(acknowledged.sessions.isSubset(of: sessions))
        for exchange in acknowledged.deletedExchanges {
            #expect(deletedByExchange[exchange]?.count == 3, "exchange \(exchange)")
        }
        // No command is half-written: a deleteSession removed all three sessions or none.
        #expect(deletedByExchange.values.allSatisfy { $0.count == 3 })
        #expect(acknowledged.count >= 60)
    }
}

extension CrashTests {
    /// Sixteen writers at once keep the writer busy, so their commands are committed in groups
    /// (`GroupCommit`): the kill lands while groups are being written and committed.
    @Test("a server killed under 16 concurrent writers (group commits) loses nothing acknowledged and leaves no half-written command or refused one")
    func killDuringGroupCommits() async throws {
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try await ServerProcess.start(database: database)
        let acknowledged = AcknowledgedWrites()

        try await withHTTPClient(connections: 16) { client in
            // Each writer: three sessions at an exchange of its own, an addSession refused for
            // repeating the first one's address, then one deleteSession that removes the three in
            // one command (three events in one transaction); round after round until the kill.
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<16 {
                        group.addTask {
                            for round in 0..<200 {
                                let exchange = 100_000 + writer * 1000 + round + 1
                                for host in 1...3 {
                                    let call = "target=peering&action=addSession&public_id=\(exchange)&peer_asn=6\(host)&peer_ipaddr=10.\(writer).\(round % 250).\(host)&peer_name=Net+\(host)&peer_participant_id=\(host)"
                                    guard let answer = await server.post(call, client: client, key: key.apiKey, secret: secret),
                                        answer["success"] == .int(1), let id = answer["data"]?["id"]?.intValue
                                    else { return }
                                    acknowledged.addSession(id)
                                }
                                let repeated = "target=peering&action=addSession&public_id=\(exchange)&peer_asn=69&peer_ipaddr=10.\(writer).\(round % 250).1&peer_name=Again&peer_participant_id=9"
                                guard let refusal = await server.post(repeated, client: client, key: key.apiKey, secret: secret),
                                    refusal["success"] == .int(0)
                                else { return }
                                guard let answer = await server.post("target=peering&action=deleteSession&public_id=\(exchange)", client: client, key: key.apiKey, secret: secret),
                                    answer["success"] == .int(1)
                                else { return }
                                acknowledged.deleteExchange(Int64(exchange))
                            }
                        }
                    }
                }
            }
            try await waitUntil("200 acknowledged writes before the kill", within: .seconds(120)) { acknowledged.count >= 200 }
            server.kill()
            await writers.value
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
                // The refused addSession never reaches the log.
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
        // No command is half-written: a deleteSession removed all three sessions or none, and no
        // exchange holds more than its three sessions.
        #expect(deletedByExchange.values.allSatisfy { $0.count == 3 })
        #expect(addedByExchange.values.allSatisfy { $0 <= 3 })
        #expect(acknowledged.count >= 200)
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
