import Hummingbird
import NIOCore
import PeerLedger
import ServiceLifecycle

/// `/live`: what keeps a page showing the present up to date. A logged-in user's browser holds
/// it open (EventSource); each time writes have committed past the position the page was drawn
/// at, it gets `event: commit` with the log's new head, and the page's script reloads the page.
/// Only positions go out: the page itself is read again, with the user's login, as any page is.
/// Woken by the ledger's commit signal (`Ledger.commits`), never by polling the log.
extension Console {
    /// How long the stream stays silent before a keep-alive comment.
    static let liveHeartbeat: Duration = .seconds(15)

    func live(_ request: Request) async throws -> Response {
        guard await currentSession(request).map({ !$0.mustChangePassword }) ?? false else {
            return Self.plain(.unauthorized, "Log in first: /live follows the ledger for a logged-in user.\n")
        }
        var after = try await ledger.reading { reader in try reader.projectionPosition() }
        if let text = request.uri.queryParameters["after"].map(String.init), !text.isEmpty {
            guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let position = Int64(text) else {
                return Self.plain(.badRequest, "after must be a log position: plain digits, 0 to \(Int64.max)\n")
            }
            after = position
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = LiveBody(ledger: ledger, after: after, heartbeat: Self.liveHeartbeat)
        // Ended at a graceful shutdown, so the server does not wait on a stream that never ends.
        return Response(status: .ok, headers: headers, body: .init(asyncSequence: body.cancelOnGracefulShutdown()))
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The `/live` stream: a comment saying where it starts, then `event: commit` with the head
/// whenever it has moved past the last one sent, and `: keep-alive` after `heartbeat` without one.
struct LiveBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let ledger: Ledger
    let after: Int64
    let heartbeat: Duration

    func makeAsyncIterator() -> Iterator { Iterator(ledger: ledger, position: after, heartbeat: heartbeat, lastSent: .now) }

    struct Iterator: AsyncIteratorProtocol {
        let ledger: Ledger
        var position: Int64
        let heartbeat: Duration
        var lastSent: ContinuousClock.Instant
        var opened = false

        mutating func next() async throws -> ByteBuffer? {
            if !opened {
                opened = true
                return ByteBuffer(string: ": after \(position)\n\n")
            }
            while !Task.isCancelled {
                // Noted before the read: a commit after it advances the generation, and the wait
                // below returns at once.
                let generation = ledger.commits.generation
                let head = try await ledger.reading { reader in try reader.projectionPosition() }
                if head > position {
                    position = head
                    lastSent = .now
                    return ByteBuffer(string: "event: commit\ndata: \(head)\n\n")
                }
                let quietUntil = lastSent.advanced(by: heartbeat)
                if ContinuousClock.now >= quietUntil {
                    lastSent = .now
                    return ByteBuffer(string: ": keep-alive\n\n")
                }
                await ledger.commits.wait(past: generation, atMost: quietUntil - .now)
            }
            return nil
        }
    }
}
