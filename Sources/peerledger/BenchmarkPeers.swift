import ArgumentParser
import Foundation
import PeerLedger

/// `peerledger benchmark-peers`: median and p99 latency of getCommunications and getPeers for one
/// exchange, called in process (no HTTP), on an existing ledger.
struct BenchmarkPeers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-peers", abstract: "Measure getCommunications and getPeers latency for one exchange.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The exchange (PeeringDB ix id).") var publicId = 1
    @Option(help: "Calls per action.") var runs = 100

    func run() async throws {
        let api = APIv1(ledger: try database.open())
        for call in [
            "target=peering&action=getCommunications&public_id=\(publicId)",
            "target=peering&action=getPeers&public_id=\(publicId)",
            "target=peering&action=getPeers&public_id=\(publicId)&include_public_ips=1&include_contacts=1",
        ] {
            let parameters = try Parameters(formEncoded: call)
            var millis: [Double] = []
            var message = ""
            for _ in 0..<max(runs, 1) {
                let start = ContinuousClock.now
                let answer = await api.handle(APIRequest(parameters: parameters, actor: "benchmark"))
                let elapsed = ContinuousClock.now - start
                millis.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                message = answer.message
            }
            millis.sort()
            let median = millis[millis.count / 2]
            let p99 = millis[min(millis.count - 1, Int((Double(millis.count) * 0.99).rounded(.up)) - 1)]
            print(String(format: "%@: %@ median %.1f ms, p99 %.1f ms (%d calls)", call, message, median, p99, millis.count))
        }
    }
}
