import ArgumentParser
import Foundation
import PeerLedgerHTTP
import PeerLedgerSettings

/// `peerledger config check`: reads a configuration file the way `serve` would, with the
/// environment over it, and reports every wrong key and value at once, or a summary of what
/// `serve` would run with. Secrets show where they are read from, never what they are.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check serve's configuration file.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file (and the PEERLEDGER_ environment over it) as serve would read it.",
            discussion: """
                Exit status 0 with a summary of every setting and where it comes from; 78 naming each wrong \
                key and value; 66 when the file cannot be read. The TLS certificate and key, secret files \
                and request templates are read and checked too. Nothing is opened or created.
                """)
        @Option(help: "The configuration file (TOML).") var config: String

        func run() async throws {
            let settings = try ServeSettings.resolvedForCommand(file: config, flags: [:])
            var problems: [String] = []
            var notes: [String] = []
            do throws(SettingsProblem) {
                if let certificate = try settings.loadCertificate() {
                    notes.append("TLS: HTTPS with \(certificate.summary); TLS 1.2 and 1.3; reloaded on SIGHUP")
                }
            } catch {
                problems.append(error.message)
            }
            if settings.tlsCertificate == nil {
                notes.append("TLS: none, plain HTTP" + (Serve.isLoopback(settings.host) ? " on a loopback address" : ""))
                if !Serve.isLoopback(settings.host) { printError(Serve.plainHTTPWarning(host: settings.host, port: settings.port)) }
            }
            do throws(SettingsError) {
                _ = try settings.requestSettings()
            } catch {
                problems += error.problems.map(\.message)
            }
            let folder = URL(fileURLWithPath: settings.database).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
                problems.append("db (\(settings.source(of: "db").map { "\($0)" } ?? "-")): the folder \(folder) does not exist")
            }
            guard problems.isEmpty else {
                for problem in problems { printError("Error: \(problem)") }
                throw ExitCode(78)
            }
            let fromFile = settings.entries.values.filter { if case .file = $0.source { true } else { false } }.count
            let fromEnvironment = settings.entries.values.filter { if case .environment = $0.source { true } else { false } }.count
            print("\(config): OK, \(fromFile) settings from the file, \(fromEnvironment) from the environment, the rest defaults")
            for line in settings.summary() { print(line) }
            for note in notes { print(note) }
        }
    }
}
