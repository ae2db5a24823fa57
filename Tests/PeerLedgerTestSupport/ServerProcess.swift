public import AsyncHTTPClient
public import Foundation
import NIOCore
public import PeerLedger
public import PeerLedgerDomain

#if canImport(Glibc)
    import Glibc
#endif

/// A `peerledger serve` child process on a free loopback port: what a test kills mid-write or
/// fuzzes, since a trap or a kill must not take the test process with it.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `peerledger serve --db database` on port 0 and waits at most `seconds` for its first
    /// line, which says where it listens ("PeerLedger serving X on
    /// http://127.0.0.1:PORT/api/v1/api.php"); past that the child is killed and the start fails.
    public static func start(database: String, extra: [String] = [], within seconds: Int = 30) async throws -> ServerProcess {
        let process = Process()
        process.executableURL = try peerledgerBinary()
        process.arguments = ["serve", "--db", database, "--port", "0", "--log-level", "error"] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reading = output.fileHandleForReading
        let line: String
        do {
            line = try await offPool { try Self.firstLine(of: reading, within: seconds) }
        } catch {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw error
        }
        guard let portText = line.split(separator: ":").last?.split(separator: "/").first, let port = Int(portText) else {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("unexpected first line from peerledger serve: \(line)")
        }
        // Whatever it prints later is read and dropped, so a full pipe never stalls it.
        reading.readabilityHandler = { handle in
            if handle.availableData.isEmpty { handle.readabilityHandler = nil }
        }
        return ServerProcess(process: process, port: port)
    }

    /// Reads up to the first newline, waiting at most `seconds` in all (poll(2) before each read,
    /// so a child that prints nothing cannot hold the test).
    private static func firstLine(of handle: FileHandle, within seconds: Int) throws -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw TestFailure("peerledger serve did not say where it listens within \(seconds) s")
            }
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let millis = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&descriptor, 1, max(1, millis)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw TestFailure("peerledger serve exited before listening") }
            line.append(contentsOf: chunk[..<count])
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Kills the server without warning (SIGKILL) and reaps it.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Asks for a graceful shutdown (SIGTERM) and waits at most `seconds` for the exit status;
    /// a server still running then is killed and the wait fails.
    public func terminate(within seconds: Int = 30) async throws -> Int32 {
        Foundation.kill(process.processIdentifier, SIGTERM)
        do {
            try await waitUntil("peerledger serve to exit after SIGTERM", within: .seconds(seconds)) { !process.isRunning }
        } catch {
            kill()
            throw error
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends a signed POST (`signed(_:key:secret:)`); nil when the server is gone or answered
    /// something unreadable.
    public func post(_ call: String, client: HTTPClient, key: String, secret: String) async -> JSON? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(apiPath)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: signed(call, key: key, secret: secret)))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return try JSON.parse(String(buffer: bytes))
        } catch {
            return nil
        }
    }

    deinit { if process.isRunning { kill() } }
}

/// A fresh ledger file with a write key named `loader`: the path, the key and its secret.
public func ledgerWithWriteKey() throws -> (database: String, key: APIKey, secret: String) {
    let database = temporaryDatabasePath()
    let (key, secret) = try Ledger.open(at: database).createAPIKey(name: "loader", readOnly: false, metadata: EventMetadata(actor: "cli:test"))
    return (database, key, secret)
}

/// Runs `body` with an HTTP client of its own and shuts the client down afterwards, also when
/// `body` throws (a client never shut down traps when it is freed). The client keeps up to
/// `connections` connections to a host open at once.
public func withHTTPClient<Value>(connections: Int = 8, _ body: (HTTPClient) async throws -> Value) async throws -> Value {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let value: Value
    do {
        value = try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
    return value
}
