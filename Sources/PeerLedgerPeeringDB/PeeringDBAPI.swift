public import AsyncHTTPClient
import Foundation
import PeerLedger
public import PeerLedgerDomain

/// The PeeringDB API over HTTP (`GET {base}/net?depth=0&since=...`), as a `PeeringDBSource`. An
/// answer without `since` lists every live object (a snapshot); with it, only the objects updated
/// since then, deleted ones included (`"status":"deleted"`).
public struct PeeringDBAPI: PeeringDBSource {
    public let baseURL: String
    let apiKey: String?
    let client: HTTPClient
    let timeoutSeconds: Int64
    /// The largest answer accepted for one object type (the full netixlan list is about 40 MB).
    let maximumBytes: Int

    public init(
        baseURL: String = "https://www.peeringdb.com/api", apiKey: String? = nil, client: HTTPClient = .shared,
        timeoutSeconds: Int64 = 300, maximumBytes: Int = 512 * 1024 * 1024
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.client = client
        self.timeoutSeconds = timeoutSeconds
        self.maximumBytes = maximumBytes
    }

    /// The URL asked for one type: `{base}/{type}?depth=0[&since=N]`.
    public func url(_ type: PeeringDBObjectType, since: Int64?) -> String {
        var url = "\(baseURL)/\(type.rawValue)?depth=0"
        if let since { url += "&since=\(since)" }
        return url
    }

    public func page(_ type: PeeringDBObjectType, since: Int64?) async throws -> PeeringDBPage? {
        let url = url(type, since: since)
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "peerledger")
        // The key goes in a header only, never in the URL, so it stays out of logs and messages.
        if let apiKey { request.headers.add(name: "Authorization", value: "Api-Key \(apiKey)") }
        let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        guard response.status == .ok else {
            throw PeeringDBFetchError(url: url, reason: "HTTP \(response.status.code) \(response.status.reasonPhrase)")
        }
        let body = try await response.body.collect(upTo: maximumBytes)
        return PeeringDBPage(type: type, source: url, bytes: Array(body.readableBytesView), isSnapshot: since == nil)
    }
}

/// PeeringDB could not be read: the URL and why, never the API key.
public struct PeeringDBFetchError: Error, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "\(url): \(reason)" }
}
