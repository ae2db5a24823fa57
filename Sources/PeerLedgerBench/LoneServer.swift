import Foundation
import Synchronization

/// A `peerledger serve` child process (this same binary, via /proc/self/exe) on a database
/// file, with no router polling or outbox worker: the server's memory measured on its own,
/// apart from the benchmark's.
final class LoneServer: Sendable {
    let process: Process
    let port: Int
    /// What the server printed after it started listening, read as it comes (a pipe nobody
    /// drains would stop the server at its first large write).
    private let printed = Mutex("")

    private init(process: Process, port: Int, output: FileHandle) {
        self.process = process
        self.port = port
        Thread { [self] in
            while case let data = output.availableData, !data.isEmpty {
                printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }.start()
    }

    /// What the server has printed since it started listening.
    var output: String { printed.withLock { $0 } }

    /// `binary`: another `peerledger` to serve with (another build, measured side by side);
    /// `arguments`: more of `serve`'s options (`--store URL`).
    static func start(database: String, binary: String? = nil, arguments: [String] = [], log: (String) -> Void) throws -> LoneServer {
        let process = Process()
        process.executableURL = binary.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [
            "serve", "--db", database, "--host", "127.0.0.1", "--port", "0", "--log-level", "error", "--poll-interval", "0",
            "--outbox-interval", "0",
        ] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The server prints "PeerLedger serving FILE on http://127.0.0.1:PORT/api/v1/api.php" once it listens.
        var text = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "http://127.0.0.1:"),
                let port = Int(text[range.upperBound...].prefix { $0.isNumber }), text[range.upperBound...].contains("/")
            {
                return LoneServer(process: process, port: port, output: output.fileHandleForReading)
            }
        }
        process.terminate()
        process.waitUntilExit()
        throw BenchmarkFailure("peerledger serve did not start: \(text)")
    }

    /// VmRSS and VmHWM of the server process, in MB.
    func memory() -> (resident: Double, peak: Double) {
        let path = "/proc/\(process.processIdentifier)/status"
        return (Memory.value("VmRSS:", path: path), Memory.value("VmHWM:", path: path))
    }

    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        process.waitUntilExit()
    }
}
