import ArgumentParser
import Foundation
import PeerLedger
import PeerLedgerDomain
import PeerLedgerPeeringDB

#if canImport(Glibc)
    import Glibc
#endif

/// `peerledger peeringdb`: bring PeeringDB's exchanges, networks and contacts into the ledger.
struct PeeringDBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peeringdb", abstract: "PeeringDB data in the ledger.", subcommands: [PeeringDBImport.self])
}

/// `peerledger peeringdb import SOURCE`: a folder of API pages, or the API itself (incremental).
struct PeeringDBImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import PeeringDB (org, ix, ixlan, ixpfx, net, netixlan, poc) as events, only what changed.",
        discussion: """
            SOURCE is a folder of PeeringDB API pages (org.json, ix.json, ...; each a full snapshot of its type) \
            or an HTTP base URL such as https://www.peeringdb.com/api, which is read incrementally: per object \
            type, only what was updated since the newest 'updated' already imported. One transaction: a bad \
            record aborts the import and changes nothing, unless --lenient.
            """)

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var store: PostgresStoreOption
    @Argument(help: "A folder of PeeringDB JSON pages, or the API's base URL.")
    var source: String = "https://www.peeringdb.com/api"
    @Option(help: "PeeringDB API key, sent as 'Authorization: Api-Key ...' (or set PEERINGDB_API_KEY).")
    var apiKey: String?
    @Flag(help: "Skip bad records (each one reported) instead of refusing the whole import.")
    var lenient = false

    func run() async throws {
        let ledger = try await store.open(database, .existing)
        let source: any PeeringDBSource =
            if self.source.hasPrefix("http://") || self.source.hasPrefix("https://") {
                PeeringDBAPI(baseURL: self.source, apiKey: apiKey ?? ProcessInfo.processInfo.environment["PEERINGDB_API_KEY"])
            } else {
                PeeringDBFolder(path: self.source)
            }
        let started = ContinuousClock.now
        var progress: (@Sendable (String) -> Void)?
        if isatty(STDERR_FILENO) == 1 {
            progress = { line in printError("[\(seconds(since: started)) s] \(line)") }
        }
        do {
            let summary = try await ledger.importPeeringDB(
                from: source, lenient: lenient, metadata: .commandLine(), progress: progress)
            for issue in summary.skipped { printError("skipped: \(issue)") }
            print("PeeringDB import: \(summary) (\(seconds(since: started)) s)")
        } catch let refusal as Refusal {
            printError(refusal.message)
            throw ExitCode(1)
        } catch let failure as PeeringDBFetchError {
            printError("PeeringDB import failed, nothing was changed: \(failure)")
            throw ExitCode(1)
        }
    }
}

/// `peerledger self --asn 8038`: which PeeringDB network is ours.
struct SelfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self",
        abstract: "Configure our own network (it must be in the imported PeeringDB data).",
        discussion: """
            The default rule makes a peer qualified when its policy_general is one of --qualified-policies \
            (default Open,Selective), it is not our network, and at the exchange it has an address in a family \
            we also have there. updatePeer qualified=0/1 overrides the rule per peer; qualified= hands it back.
            """)

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var store: PostgresStoreOption
    @Option(help: "Our AS number.") var asn: String
    @Option(help: "Comma-separated policy_general values that qualify a peer by default (e.g. Open,Selective).")
    var qualifiedPolicies: String?

    func run() async throws {
        let ledger = try await store.open(database, .existing)
        do {
            let asn = try Values.asn(asn, field: "asn")
            let policies = qualifiedPolicies.map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            print(try ledger.setOwnNetwork(asn: asn, qualifiedPolicies: policies, metadata: .commandLine()))
        } catch let refusal as Refusal {
            printError(refusal.message)
            throw ExitCode(1)
        }
    }
}

/// Seconds elapsed since `start`, with one decimal, for progress and summary lines.
func seconds(since start: ContinuousClock.Instant) -> String {
    let elapsed = ContinuousClock.now - start
    return String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
