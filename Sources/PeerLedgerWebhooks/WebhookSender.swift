public import AsyncHTTPClient
import Foundation
import NIOCore

/// One signed POST of an event to a subscription's URL.
public struct WebhookRequest: Sendable {
    public var url: String
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` and `content-type`.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// How a delivery is sent: over HTTP (`HTTPWebhookSender`), or in a test by whatever it needs.
public protocol WebhookSender: Sendable {
    /// Sends `request` and returns the receiver's HTTP status; throws when no status came (the
    /// connection was refused, the deadline passed).
    func send(_ request: WebhookRequest) async throws -> Int
}

/// Sends deliveries with AsyncHTTPClient, each within `timeout` (connecting, sending and reading
/// the answer); the answer's body is read up to 64 KiB and dropped. Redirects are not followed: a
/// 3xx answer is a failed attempt, so a delivery goes to the URL subscribed and nowhere else.
public struct HTTPWebhookSender: WebhookSender {
    public let client: HTTPClient
    public let timeout: Duration

    /// The process's client for deliveries: AsyncHTTPClient's shared one, without redirects.
    /// It lives as long as the process, as `HTTPClient.shared` does.
    public static let withoutRedirects = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    public init(client: HTTPClient = HTTPWebhookSender.withoutRedirects, timeout: Duration = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    public func send(_ request: WebhookRequest) async throws -> Int {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .POST
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let response = try await client.execute(outgoing, timeout: .milliseconds(milliseconds))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
