import Hummingbird
import HummingbirdTesting
import Logging
import PeerLedgerHTTP

@testable import PeerLedger
@testable import PeerLedgerDomain

/// Runs `body` with a caller that goes through the real HTTP server on a loopback port, signing
/// each GET as a ProVision client does (`apiKey` last, then `hash`).
func withHTTPAPI(
    _ ledger: Ledger, _ body: @escaping @Sendable (@escaping @Sendable (String) async throws -> APIAnswer) async throws -> Void
) async throws {
    let (key, secret) = try ledger.createAPIKey(name: "noc", readOnly: false, metadata: EventMetadata(actor: "test"))
    let app = buildApplication(ledger: ledger, host: "127.0.0.1", port: 0, logger: Logger(label: "peerledger.lab"))
    try await app.test(.live) { client in
        try await body { query in
            let signed = query + "&apiKey=" + key.apiKey
            let hash = PeerLedger.Parameters.encode(RequestSignature.sign(signed, secret: secret))
            return try await client.execute(uri: "/api/v1/api.php?\(signed)&hash=\(hash)", method: .get) { response in
                APIAnswer(status: Int(response.status.code), body: try JSON.parse(String(buffer: response.body)))
            }
        }
    }
}
