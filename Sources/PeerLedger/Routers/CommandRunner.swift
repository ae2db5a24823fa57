import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The result of one command run for a router.
struct CommandResult: Sendable {
    var status: Int32
    var output: String
    var errorOutput: String
    var timedOut: Bool
}

/// Where a router's commands run: on this host (optionally in a network namespace) or on
/// another host through the `ssh` binary. Arguments are passed as a list, never through a
/// local shell; over SSH each is single-quoted for the remote shell.
struct CommandRunner: Sendable {
    enum Place: Sendable {
        case local(netns: String?)
        case ssh(host: String, port: Int, user: String?, keyFile: String?, password: String?)
    }

    var place: Place
    var timeout: Double = 30

    func run(_ arguments: [String], input: String? = nil) async -> CommandResult {
        switch place {
        case let .local(netns):
            if let netns {
                return await Self.execute("/usr/bin/env", ["ip", "netns", "exec", netns] + arguments, input: input, timeout: timeout)
            }
            return await Self.execute("/usr/bin/env", arguments, input: input, timeout: timeout)
        case let .ssh(host, port, user, keyFile, password):
            var sshArguments = [
                "ssh", "-p", String(port), "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=10",
                "-o", "UserKnownHostsFile=\(Self.knownHostsFile)", "-o", "LogLevel=ERROR",
            ]
            var environment: [String: String] = [:]
            var askpass: URL?
            if let keyFile { sshArguments += ["-i", keyFile, "-o", "IdentitiesOnly=yes"] }
            if let password {
                // The password goes to ssh through SSH_ASKPASS from the environment, never argv.
                askpass = Self.askpassScript()
                environment = ["SSH_ASKPASS": askpass?.path ?? "", "SSH_ASKPASS_REQUIRE": "force", "PEERLEDGER_SSH_PASSWORD": password, "DISPLAY": ":0"]
                sshArguments += ["-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1"]
            } else {
                sshArguments += ["-o", "BatchMode=yes"]
            }
            sshArguments.append(user.map { "\($0)@\(host)" } ?? host)
            sshArguments.append(arguments.map(Self.shellQuoted).joined(separator: " "))
            let result = await Self.execute("/usr/bin/env", sshArguments, input: input, timeout: timeout, environment: environment)
            if let askpass { try? FileManager.default.removeItem(at: askpass) }
            return result
        }
    }

    static var knownHostsFile: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-known_hosts").path
    }

    static func shellQuoted(_ argument: String) -> String {
        "'" + argument.replacingAll("'", with: "'\\''") + "'"
    }

    static func askpassScript() -> URL? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-askpass-\(UUID().uuidString)")
        let script = Array("#!/bin/sh\nprintf '%s\\n' \"$PEERLEDGER_SSH_PASSWORD\"\n".utf8)
        // Close-on-exec: a process started at the same moment must not inherit the script open
        // for writing, or running it fails with "text file busy".
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o700)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard write(descriptor, script, script.count) == script.count else { return nil }
        return url
    }

    /// Runs a program to completion (or kills it after `timeout` seconds), reading both outputs
    /// fully so a chatty program never blocks on a full pipe. The waiting happens on threads of
    /// its own: Dispatch's global pool has as many threads as cores, and blocking them starves
    /// everything else (two cores here).
    static func execute(
        _ executable: String, _ arguments: [String], input: String?, timeout: Double, environment: [String: String] = [:]
    ) async -> CommandResult {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: executeBlocking(executable, arguments, input: input, timeout: timeout, environment: environment))
            }
        }
    }

    /// posix_spawn and waitpid, not Foundation's Process: Process reaps children from a
    /// Dispatch source, and a daemon that forks away (zebra -d, bird) was seen left unreaped,
    /// hanging the caller for good.
    private static func executeBlocking(
        _ executable: String, _ arguments: [String], input: String?, timeout: Double, environment: [String: String]
    ) -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            return CommandResult(status: 127, output: "", errorOutput: "cannot create pipes: errno \(errno)", timedOut: false)
        }
        // Other commands may be starting at the same time: none of these ends may leak into them.
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // Its own process group, so a timeout stops whatever it started too (ssh, a shell's children).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            return CommandResult(status: 127, output: "", errorOutput: "\(arguments.first ?? executable): cannot start (error \(spawned))", timedOut: false)
        }
        if let input {
            let bytes = Array(input.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBufferPointer { write(stdinPipe[1], $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
        }
        close(stdinPipe[1])
        let timedOut = LockedFlag()
        let child = pid
        let killer = DispatchWorkItem {
            timedOut.set()
            kill(-child, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let group = DispatchGroup()
        let outputBox = LockedData()
        let errorBox = LockedData()
        for (fd, box) in [(stdoutPipe[0], outputBox), (stderrPipe[0], errorBox)] {
            group.enter()
            Thread.detachNewThread {
                box.set(readAll(fd))
                close(fd)
                group.leave()
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        killer.cancel()
        // A daemon that forked may hold the pipes open; its parent's exit is what counts.
        _ = group.wait(timeout: .now() + 5)
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CommandResult(
            status: exitStatus, output: String(decoding: outputBox.get(), as: UTF8.self),
            errorOutput: String(decoding: errorBox.get(), as: UTF8.self), timedOut: timedOut.get())
    }

    private static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }
}

/// A value handed between the threads of one command run; each is used by one thread at a time.
final class Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Small thread-safe boxes for the pipe readers above.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    func get() -> Bool { lock.withLock { value } }
}
