import ArgumentParser
import PeerLedger
import PeerLedgerConsole
import PeerLedgerDomain

/// `peerledger users`: the console's users.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and disable console users.", subcommands: [Create.self, List.self, Disable.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create a console user and print {\"user\",\"role\",\"password\"}: a one-time password, shown only now, to change at first login.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption
        @Argument(help: "The user's name (a-z, 0-9, '.', '_', '-'): the actor user:NAME on every change they make.") var name: String
        @Option(help: "What the user may do: viewer (read), operator (read and change the ledger) or admin.") var role: String

        func validate() throws {
            guard ConsoleRole(rawValue: role) != nil else {
                throw ValidationError("--role must be viewer, operator or admin; got '\(Values.quoted(role))'")
            }
            do { _ = try ConsoleUser.checkedName(name) } catch { throw ValidationError(error.message) }
        }

        func run() async throws {
            let ledger = try await store.open(database, .createIfMissing)
            guard let role = ConsoleRole(rawValue: role) else { throw ValidationError("--role must be viewer, operator or admin") }
            do {
                let issued = try ConsoleAccounts.create(ledger, name: name, role: role, metadata: .commandLine())
                print(ConsoleAccounts.issuedJSON(user: issued.user, password: issued.password))
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List console users (never their passwords).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            for user in try database.open(.existing).consoleUsers() {
                print(user.json.serialized())
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a console user: they can no longer log in.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption
        @Argument(help: "The user's name.") var name: String

        func run() async throws {
            do {
                let user = try await store.open(database, .existing).disableConsoleUser(name, metadata: .commandLine())
                print("disabled \(user.name)")
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }
}
