import Hummingbird
import Logging
import OpenAPIHummingbird
import PeerLedger
import PeerLedgerAPIv2

/// Serves APIv2 under `/api/v2/` on the same router as APIv1: the generated handlers are
/// registered through swift-openapi-hummingbird, behind a middleware that bounds the request
/// body and hands the caller's address to the API (it goes into each event's metadata).
enum APIv2Routes {
    /// The largest request body accepted: 1 MiB, as on APIv1.
    static let maxBodyBytes = 1 << 20

    static func add(to router: Router<LedgerRequestContext>, ledger: Ledger, logger: Logger) throws {
        router.add(middleware: APIv2Boundary())
        try APIv2(ledger: ledger, logger: logger).register(on: router)
    }
}

/// For `/api/v2/` requests: a body over `APIv2Routes.maxBodyBytes` is refused with a 413 problem
/// before any handler reads it, and the caller's address is set for the API to record.
struct APIv2Boundary: RouterMiddleware {
    typealias Context = LedgerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/v2/") else { return try await next(request, context) }
        var request = request
        do {
            _ = try await request.collectBody(upTo: APIv2Routes.maxBodyBytes)
        } catch {
            var headers = HTTPFields()
            headers[.contentType] = "application/problem+json"
            let body =
                #"{"type":"tag:peerledger,2026:problem:parameter.invalid","title":"Request too large","status":413,"#
                + #""detail":"the request body is larger than 1 MiB; nothing was changed","code":"parameter.invalid"}"#
            return Response(status: .contentTooLarge, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return try await Caller.$clientAddress.withValue(context.remoteAddress?.ipAddress) {
            try await next(request, context)
        }
    }
}
