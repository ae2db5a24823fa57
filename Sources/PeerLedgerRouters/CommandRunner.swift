import Foundation
import Subprocess
import PeerLedger
import PeerLedgerDomain

#if canImport(Glibc)
    import Glibc
#endif

/// What one finished command did: its exit status (128 + the signal's number when a signal
/// ended it) and both outputs in full.
struct CommandResult: Sendable, Equatable {
    var status: Int32
    var output: String
    var errorOutput: String
}

/// Why a command gave no result: the runner's own failures, never the program's (a program
/// that fails says so by its exit status and its output).
struct CommandFailure: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// The deadline passed before the exchange was over; the command was killed.
        case timedOut(limit: Duration)
        /// The program could not be started (not installed, not executable).
        case cannotStart(reason: String)
        /// The program printed more than the runner keeps.
        case outputTooLarge(limit: Int)
        /// The caller stopped waiting (its task was cancelled); the command was killed.
        case cancelled
    }

    /// The command as an operator would type it, passwords redacted.
    var command: String
    var kind: Kind

    var description: String {
        switch kind {
        case let .timedOut(limit):
            return "\(command) did not finish within \(Self.seconds(limit)) and was killed"
        case let .cannotStart(reason):
            return "\(command) could not be started: \(reason)"
        case let .outputTooLarge(limit):
            return "\(command) printed more than \(limit / (1 << 20)) MiB, more than PeerLedger reads; it was stopped"
        case .cancelled:
            return "\(command) was stopped because its caller went away"
        }
    }

    /// `30 s`, `0.3 s`: how a limit reads in a message.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        let fraction = Double(seconds) + Double(attoseconds) / 1e18
        return "\((fraction * 1000).rounded() / 1000) s"
    }
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
    /// One deadline over each whole exchange: starting, writing standard input, reading both
    /// outputs and waiting for the exit.
    var timeout: Duration = .seconds(30)

    /// Standard output kept per command: a route server's `show bgp neighbors json` runs to tens
    /// of megabytes; anything past this is a runaway program, not an answer.
    static let outputLimit = 128 << 20
    /// Standard error kept per command: error messages, never data.
    static let errorOutputLimit = 16 << 20

    func run(_ arguments: [String], input: String? = nil) async throws(CommandFailure) -> CommandResult {
        let command = Self.display(arguments)
        switch place {
        case let .local(netns):
            let wrapped = netns.map { ["ip", "netns", "exec", $0] + arguments } ?? arguments
            return try await Self.execute(wrapped, input: input, timeout: timeout, command: command)
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
            defer { if let askpass { try? FileManager.default.removeItem(at: askpass) } }
            return try await Self.execute(
                sshArguments, input: input, timeout: timeout, environment: environment, command: "\(command) (over ssh to \(host))")
        }
    }

    static var knownHostsFile: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("peerledger-known_hosts").path
    }

    static func shellQuoted(_ argument: String) -> String {
        "'" + argument.replacingAll("'", with: "'\\''") + "'"
    }

    /// The command for messages: each argument redacted as a configuration line would be (a
    /// `-c 'neighbor ... password X'` shows `<redacted>`), quoted when it has spaces, and cut
    /// short, since a push can carry dozens of lines.
    static func display(_ arguments: [String]) -> String {
        let words = arguments.map { argument in
            let redacted = Redaction.redactLine(argument)
            return redacted.contains(" ") || redacted.isEmpty ? "'\(redacted)'" : redacted
        }
        let text = words.joined(separator: " ")
        return text.count > 160 ? String(text.prefix(160)) + " …" : text
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

    /// A child that exits without reading all of its input closes the pipe under the writer;
    /// without this, the kernel's SIGPIPE would end the whole server instead of failing one write.
    private static let brokenPipesIgnored: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs `arguments` (the program, found on PATH, then its arguments) with `input` on its
    /// standard input, under one deadline for the whole exchange: when `timeout` passes first,
    /// the command and everything it started in its process group are killed, and the caller
    /// gets `.timedOut` naming `command` and the limit. No thread waits: the child's pipes and
    /// exit are watched by swift-subprocess's event loop.
    static func execute(
        _ arguments: [String], input: String? = nil, timeout: Duration, environment: [String: String] = [:],
        command: String? = nil
    ) async throws(CommandFailure) -> CommandResult {
        _ = brokenPipesIgnored
        let name = command ?? display(arguments)
        guard let program = arguments.first else {
            throw CommandFailure(command: name, kind: .cannotStart(reason: "no program named"))
        }
        var options = PlatformOptions()
        // Its own process group, so the deadline stops what it started too (ssh, a shell's children).
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            guard let key = Environment.Key(rawValue: key) else {
                throw CommandFailure(command: name, kind: .cannotStart(reason: "the environment variable name '\(key)' is not valid"))
            }
            overrides[key] = value
        }
        let configuration = Configuration(
            executable: program.contains("/") ? .path(.init(program)) : .name(program),
            arguments: Arguments(Array(arguments.dropFirst())),
            environment: .inherit.updating(overrides),
            platformOptions: options)
        let bytes = Array((input ?? "").utf8)

        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        configuration, input: .array(bytes), output: .bytes(limit: outputLimit),
                        error: .bytes(limit: errorOutputLimit))
                    let status: Int32
                    switch result.terminationStatus {
                    case let .exited(code): status = code
                    case let .signaled(signal): status = 128 + signal
                    }
                    return .finished(
                        CommandResult(
                            status: status, output: String(decoding: result.standardOutput, as: UTF8.self),
                            errorOutput: String(decoding: result.standardError, as: UTF8.self)))
                } catch let error as SubprocessError {
                    return .failed(error)
                } catch {
                    return .cancelled
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .deadline
                } catch {
                    return .cancelled
                }
            }
            // The first to finish decides; cancelling the other kills the child if it is still
            // running, and the group waits until it has been reaped.
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
        switch outcome {
        case let .finished(result):
            return result
        case .deadline:
            throw CommandFailure(command: name, kind: .timedOut(limit: timeout))
        case .cancelled:
            throw CommandFailure(command: name, kind: .cancelled)
        case let .failed(error):
            if error.code == .outputLimitExceeded {
                throw CommandFailure(command: name, kind: .outputTooLarge(limit: outputLimit))
            }
            if error.code == .executableNotFound {
                throw CommandFailure(command: name, kind: .cannotStart(reason: "\(program) is not installed (not found on PATH)"))
            }
            throw CommandFailure(command: name, kind: .cannotStart(reason: error.description))
        }
    }

    private enum Outcome: Sendable {
        case finished(CommandResult)
        case failed(SubprocessError)
        case deadline
        case cancelled
    }
}
