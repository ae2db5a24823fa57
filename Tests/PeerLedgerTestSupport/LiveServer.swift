import Foundation
public import HTTPTypes
import Hummingbird
public import HummingbirdTesting
public import Logging
import NIOCore
public import PeerLedger
public import PeerLedgerAPIv1
public import PeerLedgerDomain
import PeerLedgerHTTP
public import PeerLedgerRouters

/// The API's one path.
public let apiPath = "/api/v1/api.php"

/// Runs `body` against the real HTTP server over `ledger`, in this process, listening on a free
/// loopback port (Hummingbird's `.live` testing). Both APIs reach routers through `routers`
/// (the real connector when not given).
public func withLiveServer<Value>(
    _ ledger: Ledger, logger: Logger = Logger(label: "test"), routers: (any RouterConnector)? = nil,
    _ body: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    try await buildApplication(
        ledger: ledger, host: "127.0.0.1", port: 0, logger: logger, routers: routers ?? ProcessRouterConnector()
    ).test(.live, body)
}

/// The headers of an APIv2 call with `key`'s bearer token (and a JSON body when `json`).
public func bearer(_ key: IssuedAPIKey, json: Bool = false) -> HTTPFields {
    var fields: HTTPFields = [.authorization: "Bearer \(key.token)"]
    if json { fields[.contentType] = "application/json" }
    return fields
}

/// Runs `body` with a client of the live server that signs every call with a new write key named
/// `keyName`, as a ProVision client does.
public func withSignedLiveServer<Value>(
    _ ledger: Ledger, keyName: String = "noc", logger: Logger = Logger(label: "test"),
    _ body: @Sendable (SignedClient) async throws -> Value
) async throws -> Value {
    let (key, secret) = try ledger.createAPIKey(name: keyName, readOnly: false, metadata: EventMetadata(actor: "test"))
    return try await withLiveServer(ledger, logger: logger) { client in
        try await body(SignedClient(client, key: key.apiKey, secret: secret))
    }
}

/// A client of a live server that signs each call with one key (`signed(_:key:secret:)`).
public struct SignedClient: Sendable {
    public let client: any TestClientProtocol
    public let key: String
    public let secret: String

    public init(_ client: any TestClientProtocol, key: String, secret: String) {
        self.client = client
        self.key = key
        self.secret = secret
    }

    /// A GET of the signed query.
    public func get(_ query: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: "\(apiPath)?\(signed(query, key: key, secret: secret))", method: .get, headers: headers)
    }

    /// A POST of the signed query as a form body.
    public func post(_ query: String) async throws -> TestResponse {
        try await client.execute(
            uri: apiPath, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: signed(query, key: key, secret: secret)))
    }

    /// Calls an action by a signed GET (`target=peering` added when absent) and reads the answer.
    public func call(_ query: String) async throws -> APIAnswer {
        let response = try await get(query.hasPrefix("target=") ? query : "target=peering&" + query)
        return APIAnswer(status: Int(response.status.code), body: try response.json())
    }
}

extension TestResponse {
    /// The body read as the API's JSON envelope.
    public func json() throws -> JSON { try JSON.parse(String(buffer: body)) }
}
