public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one run of a program did.
public struct CommandRun: Sendable {
    public var status: Int32
    /// False when a signal ended it (a trap is SIGILL or SIGTRAP).
    public var exited: Bool
    public var output: String
    public var errors: String
}

/// Runs `executable` with `arguments` (and exactly `environment` when given), reading both its
/// outputs while it runs so a long output cannot fill a pipe and stall it, and waits at most
/// `seconds` for it to exit; past that it is killed and the run fails naming the command.
///
/// It blocks its caller: from an async test use the async `runProgram`, which waits on a Dispatch
/// thread, since tests run side by side and a blocked pool thread stalls the in-process servers
/// of others.
public func runProgram(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, seconds: Double = 60
) throws -> CommandRun {
    let command = ([executable] + arguments).joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    let collected = OutputCollector(output: output, errors: errors)
    if exited.wait(timeout: .now() + seconds) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("\(command) did not exit within \(seconds) s; killed")
    }
    process.waitUntilExit()
    guard let (out, err) = collected.finish(within: 30) else {
        throw TestFailure("\(command) exited, but its outputs stayed open for 30 s (a child of it holds them?)")
    }
    return CommandRun(status: process.terminationStatus, exited: process.terminationReason == .exit, output: out, errors: err)
}

/// `runProgram` waiting on a thread of its own (`offPool`), never on Swift's cooperative pool.
public func runProgram(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, seconds: Double = 60
) async throws -> CommandRun {
    try await offPool { try runProgram(executable, arguments, environment: environment, seconds: seconds) }
}

/// Runs a system command found on PATH (`mount`, `umount`, `id`) with a time limit.
@discardableResult
public func runCommand(_ arguments: [String], seconds: Double = 20) throws -> CommandRun {
    try runProgram("/usr/bin/env", arguments, seconds: seconds)
}

/// The login name of this process's user, as `id -un` tells it (not through the code under test).
public func loginName() throws -> String {
    try runProgram("/usr/bin/id", ["-un"], seconds: 10).output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// True when `tool` is on PATH.
public func toolAvailable(_ tool: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
    }
}

/// Why a test that needs root and the programs at `paths` cannot run here, or nil: not root
/// (`root` says what for), or the first program missing, with the packages to `install`.
public func missingRootOrPrograms(_ paths: [String], install: String, root: String) -> String? {
    if getuid() != 0 { return "not root (\(root))" }
    return paths.first { !FileManager.default.isExecutableFile(atPath: $0) }.map { "\($0) missing (apt-get install \(install))" }
}

/// The `peerledger` executable built beside the tests (`swift build --build-tests` puts it in the
/// test runner's folder), or in this checkout's .build/debug; nil when there is none. Tests that
/// run it are marked `.enabled(if: peerledgerBinaryPath != nil, ...)`.
public let peerledgerBinaryPath: String? = {
    let runnerFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [runnerFolder.appendingPathComponent("peerledger"), root.appendingPathComponent(".build/debug/peerledger")]
    return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// The built `peerledger` binary, or a failure saying to build it.
public func peerledgerBinary() throws -> URL {
    guard let path = peerledgerBinaryPath else {
        throw TestFailure("the peerledger binary is not beside the test runner; run swift build first")
    }
    return URL(fileURLWithPath: path)
}

/// Runs `peerledger ARGUMENTS` (with exactly `environment` when given) and waits at most
/// `seconds` for it to exit (then kills it). It blocks its caller, as `runProgram` does.
public func peerledger(_ arguments: [String], environment: [String: String]? = nil, seconds: Double = 60) throws -> CommandRun {
    try runProgram(peerledgerBinary().path, arguments, environment: environment, seconds: seconds)
}

/// `peerledger` waiting on a thread of its own (`offPool`), never on Swift's cooperative pool: tests run side
/// by side, and a wait that held a pool thread would stall the in-process servers of others.
public func peerledger(_ arguments: [String], environment: [String: String]? = nil, seconds: Double = 60) async throws -> CommandRun {
    try await runProgram(peerledgerBinary().path, arguments, environment: environment, seconds: seconds)
}

/// Reads a child's standard output and error on their own threads until they end.
private final class OutputCollector: @unchecked Sendable {
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var out = Data(), err = Data()

    init(output: Pipe, errors: Pipe) {
        // Each read blocks until its pipe ends: on a thread of its own (`offPool` says why).
        group.enter()
        onThreadOfItsOwn { [self] in
            let data = output.fileHandleForReading.readDataToEndOfFile()
            lock.withLock { out = data }
            group.leave()
        }
        group.enter()
        onThreadOfItsOwn { [self] in
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            lock.withLock { err = data }
            group.leave()
        }
    }

    /// Both outputs as text once both have ended, or nil when they are still open after `seconds`.
    func finish(within seconds: Double) -> (String, String)? {
        guard group.wait(timeout: .now() + seconds) == .success else { return nil }
        return lock.withLock { (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self)) }
    }
}
