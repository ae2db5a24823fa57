import Foundation
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerConsole
import PeerLedgerDomain

/// Demo data for a first look: the seed's example sessions at Equinix Ashburn and a key named
/// `demo` whose secret is printed (it is a demo key; real keys show their secret only once). Its
/// APIv2 token is printed when the key is made: the ledger keeps only the token's hash.
enum Demo {
    struct Key {
        let apiKey: String
        let secret: String
        /// The bearer token, when the key was made by this run; nil for an existing demo key.
        var token: String? = nil
    }

    static let sessions = [
        "target=peering&action=addSession&public_id=1&source_asn=8038&source_ipaddr=1.2.3.5&resource_id=422&peer_asn=16509&peer_name=Amazon.com&peer_participant_id=1418&peer_ipaddr=206.126.236.68&peer_group=LAME-PEERS&type=Peer&prfx_max=200&password=ace12345&note=I%27m+a+fancy+note.",
        "target=peering&action=addSession&public_id=1&source_asn=32787&source_ipaddr=1.2.3.4&resource_id=422&peer_asn=20940&peer_name=Akamai+Technologies&peer_participant_id=2&peer_ipaddr=206.126.236.102&peer_group=group+b&type=Peer&prfx_max=20&password=0",
        "target=peering&action=addSession&public_id=1&source_asn=32787&source_ipaddr=1.2.3.4&resource_id=422&peer_asn=12129&peer_name=123.net&peer_participant_id=3899&peer_ipaddr=206.126.236.70&peer_group=group+b&type=Peer&prfx_max=10&password=0",
    ]

    static func prepare(_ ledger: Ledger) async throws -> Key {
        if let key = try ledger.apiKeys().first(where: { $0.name == "demo" && $0.revokedAt == nil }),
            let secret = try ledger.apiKeySecret(named: "demo")
        {
            return Key(apiKey: key.apiKey, secret: secret)
        }
        let isEmpty = try ledger.eventCount() == 0
        let issued = try ledger.createAPIKey(name: "demo", scope: .write, metadata: EventMetadata(actor: "demo"))
        if isEmpty {
            let api = APIv1(ledger: ledger)
            for call in sessions {
                let answer = await api.handle(APIRequest(parameters: try Parameters(formEncoded: call), actor: "demo"))
                if !answer.succeeded { printError("demo data: \(answer.message)") }
            }
        }
        return Key(apiKey: issued.key.apiKey, secret: issued.secret, token: issued.token)
    }

    /// The console's demo user `demo` (an operator) with a new one-time password, printed at
    /// start: made on the first demo run, given a fresh one-time password on later runs.
    static func consoleUser(_ ledger: Ledger) throws -> (name: String, password: String) {
        let metadata = EventMetadata(actor: "demo")
        if try ledger.consoleUsers().contains(where: { $0.name == "demo" && !$0.isDisabled }) {
            return ("demo", try ConsoleAccounts.reset(ledger, name: "demo", metadata: metadata))
        }
        return ("demo", try ConsoleAccounts.create(ledger, name: "demo", role: .operator, metadata: metadata).password)
    }

    static func consoleInstructions(user: (name: String, password: String), scheme: String, host: String, port: Int) -> String {
        "Console: \(scheme)://\(host):\(port)/login  user: \(user.name)  one-time password: \(user.password) (choose your own at first login)"
    }

    static func instructions(key: Key, scheme: String = "http", host: String, port: Int) -> String {
        let query = "target=peering&action=getSessions&public_id=1&apiKey=\(key.apiKey)"
        let hash = Parameters.encode(RequestSignature.sign(query, secret: key.secret))
        return """
            Demo API key: \(key.apiKey)  secret: \(key.secret)
            Try (the hash is base64(HMAC-SHA256(secret, query up to &hash=))):
              curl '
            """.trimmingCharacters(in: .newlines)
            + "\(scheme)://\(host):\(port)/api/v1/api.php?\(query)&hash=\(hash)'"
            + (key.token.map { token in
                "\nAPIv2 token (shown only now): \(token)\n  curl -H 'Authorization: Bearer \(token)' "
                    + "'\(scheme)://\(host):\(port)/api/v2/sessions?public_id=1'"
            } ?? "")
    }
}
