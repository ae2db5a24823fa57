import ArgumentParser
import PeerLedger
import PeerLedgerDomain

/// `peerledger keys`: API keys for HMAC authentication.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create a key and print {\"apiKey\",\"secret\",\"token\",\"scope\"} (the secret and the token are shown only now).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var store: PostgresStoreOption
        @Option(help: "A name for the key: it is the actor recorded on every event the key writes.") var name: String
        @Flag(help: "The key may call read actions only (the same as --scope read).") var readOnly = false
        @Option(help: "What the key may do: read, write or admin (default write; read with --read-only).")
        var scope: String?

        func validate() throws {
            if let scope, APIKeyScope(rawValue: scope) == nil {
                throw ValidationError("--scope must be read, write or admin; got '\(Values.quoted(scope))'")
            }
            if readOnly, let scope, scope != APIKeyScope.read.rawValue {
                throw ValidationError("--read-only and --scope \(Values.quoted(scope)) disagree: a read-only key has scope read")
            }
        }

        func run() async throws {
            let ledger = try await store.open(database, .createIfMissing)
            let chosen = scope.flatMap(APIKeyScope.init(rawValue:)) ?? (readOnly ? .read : .write)
            let issued: IssuedAPIKey
            do {
                issued = try ledger.createAPIKey(name: name, scope: chosen, metadata: .commandLine())
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
            print(
                JSON.object([
                    ("apiKey", .string(issued.key.apiKey)), ("secret", .string(issued.secret)),
                    ("token", .string(issued.token)), ("scope", .string(issued.key.scope.rawValue)),
                ]).serialized())
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
        @OptionGroup var store: PostgresStoreOption
        @Argument(help: "The key's name or apiKey.") var key: String

        func run() async throws {
            do {
                let revoked = try await store.open(database, .existing).revokeAPIKey(key, metadata: .commandLine())
                print("revoked \(revoked.name) (\(revoked.apiKey))")
            } catch let refusal as Refusal {
                throw ValidationError(refusal.message)
            }
        }
    }
}
