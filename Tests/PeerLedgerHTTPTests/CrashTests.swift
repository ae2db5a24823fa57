import AsyncHTTPClient
import Foundation
import NIOCore
import PeerLedger
import PeerLedgerDomain
import Testing
import PeerLedgerTestSupport

/// The built `peerledger` binary, beside this test bundle.
func peerledgerBinary() throws -> URL {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = folder.appendingPathComponent("peerledger")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw Failure("the peerledger binary is not at \(binary.path); run swift build first")
    }
    return binary
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A `peerledger serve` child process on a free loopback port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int

    init(database: String, extra: [String] = []) throws {
        process.executableURL = try peerledgerBinary()
        process.arguments = ["serve", "--db", database, "--port", "0", "--log-level", "error"] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens: "PeerLedger serving X on http://127.0.0.1:PORT/api/v1/api.php".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw Failure("peerledger serve exited before listening") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let portText = text.split(separator: ":").last?.split(separator: "/").first, let port = Int(portText) else {
            throw Failure("unexpected first line from serve: \(text)")
        }
        self.port = port
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Asks for a graceful shutdown and waits for the exit status.
    func terminate() -> Int32 {
        Foundation.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill() } }
}

@Suite("Crash safety")
struct CrashTests {
    @Test("a server killed mid-write loses nothing acknowledged and leaves no half-written command")
    func killMidWrite() async throws {
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try ServerProcess(database: database)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let acknowledged = AcknowledgedWrites()

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
                                guard let answer = await post(call, client: client, port: server.port, key: key.apiKey, secret: secret),
                                    answer["success"] == .int(1), let id = answer["data"]?["id"]?.intValue
                                else { return }
                                acknowledged.addSession(id)
                            }
                            guard let answer = await post("target=peering&action=deleteSession&public_id=\(exchange)", client: client, port: server.port, key: key.apiKey, secret: secret),
                                answer["success"] == .int(1)
                            else { return }
                            acknowledged.deleteExchange(Int64(exchange))
                        }
                    }
                }
            }
        }
        // Let some writes land, then kill the server without warning.
        while acknowledged.count < 60 { try await Task.sleep(for: .milliseconds(20)) }
        server.kill()
        await writers.value
        try await client.shutdown()

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
    @Test("SIGTERM shuts the server down gracefully: it exits 0 and every acknowledged write is in the ledger")
    func gracefulShutdown() async throws {
        let (database, key, secret) = try ledgerWithWriteKey()
        let server = try ServerProcess(database: database)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let acknowledged = AcknowledgedWrites()
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        for n in 0..<300 {
                            let call = "target=peering&action=addSession&public_id=\(writer + 1)&peer_asn=65000&peer_ipaddr=10.\(writer).\(n / 250).\(n % 250 + 1)"
                            guard let answer = await post(call, client: client, port: server.port, key: key.apiKey, secret: secret),
                                answer["success"] == .int(1), let id = answer["data"]?["id"]?.intValue
                            else { return }
                            acknowledged.addSession(id)
                        }
                    }
                }
            }
        }
        while acknowledged.count < 30 { try await Task.sleep(for: .milliseconds(20)) }
        let status = server.terminate()
        await writers.value
        try await client.shutdown()
        #expect(status == 0)
        let ledger = try Ledger.open(at: database)
        let stored = Set(try ledger.readNow { db in try AuditQuery(type: "SessionAdded").events(db) }.compactMap {
            try JSON.parse($0.payload)["session_id"]?.intValue
        })
        #expect(acknowledged.sessions.isSubset(of: stored))
        #expect(try ledger.verify().isValid)
    }
}

/// A fresh ledger file with a write key named `loader`: the path, the key and its secret.
func ledgerWithWriteKey() throws -> (database: String, key: APIKey, secret: String) {
    let folder = Scratch.url("peerledger-served-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let database = folder.appendingPathComponent("ledger.sqlite").path
    let (key, secret) = try Ledger.open(at: database).createAPIKey(name: "loader", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
    return (database, key, secret)
}

/// Sends a signed POST; nil when the server is gone or answered something unreadable.
func post(_ call: String, client: HTTPClient, port: Int, key: String, secret: String) async -> JSON? {
    let message = "\(call)&apiKey=\(key)"
    let body = "\(message)&hash=\(PeerLedger.Parameters.encode(RequestSignature.sign(message, secret: secret)))"
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/api.php")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
    request.body = .bytes(ByteBuffer(string: body))
    do {
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return try JSON.parse(String(buffer: bytes))
    } catch {
        return nil
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
