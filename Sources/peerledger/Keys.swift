import ArgumentParser
import PeerLedger
import PeerLedgerDomain

/// `peerledger keys`: API keys for HMAC authentication.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print {\"apiKey\",\"secret\"} (the secret is shown only now).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A name for the key: it is the actor recorded on every event the key writes.") var name: String
        @Flag(help: "The key may call read actions only.") var readOnly = false

        func run() async throws {
            let ledger = try database.open(.createIfMissing)
            do {
                let (key, secret) = try ledger.createAPIKey(name: name, readOnly: readOnly, metadata: .commandLine())
                print(JSON.object([("apiKey", .string(key.apiKey)), ("secret", .string(secret))]).serialized())
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            for key in try database.open(.existing).apiKeys() {
                print(key.json.serialized())
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its name or apiKey.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The key's name or apiKey.") var key: String

        func run() async throws {
            do {
                let revoked = try database.open(.existing).revokeAPIKey(key, metadata: .commandLine())
                print("revoked \(revoked.name) (\(revoked.apiKey))")
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }
}
