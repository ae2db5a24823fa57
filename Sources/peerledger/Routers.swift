import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerRouters
import PeerLedgerDomain

/// `peerledger routers`: our routers (`resource_id`/`resource_name`), as events, and their live
/// BGP state read back into the ledger.
struct Routers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register, list and remove routers; poll their BGP neighbors into the ledger.",
        subcommands: [Add.self, List.self, Remove.self, Poll.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a router, e.g. --id 422 --name ar1.inoc.com --platform frr --access local.",
            discussion: """
                Local FRR: --vtysh-socket DIR (the daemons' vty socket folder), --vtysh-config-dir DIR (where
                'write' saves, when not /etc/frr), --netns NAME to run vtysh inside a network namespace. Local BIRD 2: --bird-socket FILE, --bird-config-dir DIR (a folder
                the main configuration includes with include "DIR/*.conf";). SSH: --host, --port, --user and
                --key-file, or --password-file or PEERLEDGER_ROUTER_PASSWORD (the password is kept in the secrets
                table, never in the log; it is never taken as a flag, where ps would show it).
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption
        @Option(help: "The router's resource_id.") var id: Int64
        @Option(help: "The router's resource_name, e.g. ar1.inoc.com.") var name: String
        @Option(help: "frr, cisco-ios, junos or bird2.") var platform: String
        @Option(help: "local or ssh.") var access = "local"
        @Option(help: "FRR: vtysh's --vty_socket folder.") var vtyshSocket: String?
        @Option(help: "FRR: vtysh's --config_dir (where 'write' saves), when not /etc/frr.") var vtyshConfigDir: String?
        @Option(help: "Run the router's commands in this network namespace.") var netns: String?
        @Option(help: "BIRD: the control socket.") var birdSocket: String?
        @Option(help: "BIRD: the folder of per-session files.") var birdConfigDir: String?
        @Option(help: "SSH host.") var host: String?
        @Option(help: "SSH port.") var port: Int?
        @Option(help: "SSH user.") var user: String?
        @Option(help: "SSH private key file.") var keyFile: String?
        @Option(help: "A file holding the SSH password (first line); or PEERLEDGER_ROUTER_PASSWORD holds it.") var passwordFile: String?

        func run() async throws {
            do {
                let platform = try RouterPlatform.parse(platform)
                guard let kind = RouterAccess.Kind(rawValue: access) else {
                    throw ValidationError("--access must be local or ssh")
                }
                var password: String?
                if let passwordFile {
                    guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                        throw ValidationError("cannot read \(passwordFile)")
                    }
                    password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
                } else if kind == .ssh, let text = ProcessInfo.processInfo.environment["PEERLEDGER_ROUTER_PASSWORD"], !text.isEmpty {
                    // The other way to hand over a password without a command line, where ps shows it.
                    password = text
                }
                let registration = RouterRegistration(
                    id: id, name: name, platform: platform,
                    access: RouterAccess(
                        kind: kind, vtyshSocket: vtyshSocket, vtyshConfigDir: vtyshConfigDir, netns: netns, birdSocket: birdSocket, birdConfigDir: birdConfigDir,
                        host: host, port: port, user: user, keyFile: keyFile),
                    sshPassword: password)
                let router = try await store.open(database, .existing).addRouter(registration, metadata: .commandLine())
                print(router.json.serialized())
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered routers (never their passwords).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            for router in try database.open(.existing).routers() {
                print(router.json.serialized())
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unregister a router by id or name.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption
        @Argument(help: "The router's id or name.") var router: String

        func run() async throws {
            do {
                let removed = try await store.open(database, .existing).removeRouter(router, metadata: .commandLine())
                print("removed \(removed.name) (\(removed.id))")
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }

    struct Poll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every router's BGP neighbors once; record changes; report drift. Exit 1 if a router failed.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption

        func run() async throws {
            let reports = try await RouterPoller(ledger: store.open(database, .existing)).pollAll()
            for report in reports {
                for line in report.lines { print(line) }
            }
            if reports.isEmpty { printError("no routers registered") }
            if reports.contains(where: { $0.error != nil }) { throw ExitCode(1) }
        }
    }
}
