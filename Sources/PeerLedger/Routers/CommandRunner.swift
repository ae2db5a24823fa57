import Foundation

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
        let script = "#!/bin/sh\nprintf '%s\\n' \"$PEERLEDGER_SSH_PASSWORD\"\n"
        guard FileManager.default.createFile(atPath: url.path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o700]) else {
            return nil
        }
        return url
    }

    /// Runs a program to completion (or kills it after `timeout` seconds), reading both outputs
    /// fully so a chatty program never blocks on a full pipe.
    static func execute(
        _ executable: String, _ arguments: [String], input: String?, timeout: Double, environment: [String: String] = [:]
    ) async -> CommandResult {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: executeBlocking(executable, arguments, input: input, timeout: timeout, environment: environment))
            }
        }
    }

    private static func executeBlocking(
        _ executable: String, _ arguments: [String], input: String?, timeout: Double, environment: [String: String]
    ) -> CommandResult {
        let process = Unchecked(Process())
        process.value.executableURL = URL(fileURLWithPath: executable)
        process.value.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.value.environment = env
        let out = Unchecked(Pipe())
        let err = Unchecked(Pipe())
        let inPipe = Pipe()
        process.value.standardOutput = out.value
        process.value.standardError = err.value
        process.value.standardInput = inPipe
        do {
            try process.value.run()
        } catch {
            return CommandResult(status: 127, output: "", errorOutput: "\(arguments.first ?? executable): \(error)", timedOut: false)
        }
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let timedOut = LockedFlag()
        let killer = DispatchWorkItem {
            timedOut.set()
            process.value.terminate()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let group = DispatchGroup()
        let outputBox = LockedData()
        let errorBox = LockedData()
        group.enter()
        DispatchQueue.global().async {
            outputBox.set(out.value.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errorBox.set(err.value.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        process.value.waitUntilExit()
        group.wait()
        killer.cancel()
        return CommandResult(
            status: process.value.terminationStatus, output: String(decoding: outputBox.get(), as: UTF8.self),
            errorOutput: String(decoding: errorBox.get(), as: UTF8.self), timedOut: timedOut.get())
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
