import Hummingbird
import PeerLedger
import Synchronization

/// APIv2's list reads kept whole (status 200, headers, body bytes) with the projections'
/// position they were computed at, so a read repeated between writes costs one tiny query
/// instead of reading, building and encoding the list again: APIv1's `ReadAnswerCache`, for the
/// generated server, as a middleware in front of it.
///
/// It never serves a stale or someone else's answer:
/// - an answer is used only while the projections' position is the one read before it was
///   computed, and kept only if the position was still that after (every write moves it,
///   including one from another process on the same file);
/// - the key holds the `Authorization` header as sent, so an answer goes only to the token it was
///   computed for; revoking a key appends an event, which moves the position;
/// - only reads that are pure functions of the projections are kept: the sessions, exchanges and
///   their networks, never with `as_of`; never the log, the stream, webhooks (their delivery
///   log changes without an event) or anything else.
struct APIv2ReadCache: RouterMiddleware {
    typealias Context = LedgerRequestContext

    let ledger: Ledger
    let kept = Kept()

    /// At most this many answers are kept (all of one position).
    static let capacity = 64
    /// Answers larger than this are not kept.
    static let largestAnswer = 8 << 20

    /// The cache key of a request, or nil when its answer must not be kept.
    static func key(_ request: Request) -> String? {
        guard request.method == .get else { return nil }
        let path = request.uri.path
        guard path == "/api/v2/sessions" || path == "/api/v2/exchanges" || path.hasPrefix("/api/v2/exchanges/") else { return nil }
        if let query = request.uri.query, query.contains("as_of") { return nil }
        let authorization = request.headers[.authorization] ?? ""
        return "\(authorization)\u{1F}\(request.uri.description)"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Self.key(request) else { return try await next(request, context) }
        // A ledger following a log of record is brought level first, so the position read next
        // counts every write acknowledged through any node (nothing to do otherwise).
        try? await ledger.catchUpIfBehind()
        guard let before = position() else { return try await next(request, context) }
        if let answer = kept.answer(for: key, at: before) {
            return Response(status: .ok, headers: answer.headers, body: .init(byteBuffer: answer.body))
        }
        let response = try await next(request, context)
        guard response.status == .ok else { return response }
        let collector = Collector()
        try await response.body.write(collector)
        let body = collector.bytes
        if body.readableBytes <= Self.largestAnswer, position() == before {
            kept.store(Answer(headers: response.headers, body: body), for: key, at: before)
        }
        return Response(status: response.status, headers: response.headers, body: .init(byteBuffer: body))
    }

    /// The projections' position now, or nil when it cannot be read (the handler then reports
    /// what is wrong).
    private func position() -> Int64? {
        try? ledger.readingNow { try $0.projectionPosition() }
    }

    struct Answer: Sendable {
        let headers: HTTPFields
        let body: ByteBuffer
    }

    /// The answers kept, all of one position.
    final class Kept: Sendable {
        private let state = Mutex<(position: Int64, answers: [String: Answer])>((-1, [:]))

        func answer(for key: String, at position: Int64) -> Answer? {
            state.withLock { $0.position == position ? $0.answers[key] : nil }
        }

        func store(_ answer: Answer, for key: String, at position: Int64) {
            state.withLock { state in
                if state.position != position {
                    // An older position's answers are of no use any more; a newer one's are kept.
                    guard position > state.position else { return }
                    state = (position, [:])
                }
                if state.answers.count >= APIv2ReadCache.capacity { state.answers.removeAll(keepingCapacity: true) }
                state.answers[key] = answer
            }
        }
    }

    /// Gathers a response body's bytes.
    final class Collector: ResponseBodyWriter, @unchecked Sendable {
        // Written by one response body at a time, before `bytes` is read.
        private(set) var bytes = ByteBuffer()

        func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            bytes.writeBuffer(&buffer)
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
