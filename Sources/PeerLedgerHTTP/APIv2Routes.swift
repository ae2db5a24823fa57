import Hummingbird
import Logging
import OpenAPIHummingbird
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerAPIv2
import PeerLedgerDomain
import PeerLedgerRouters

/// Serves APIv2 under `/api/v2/` on the same router as APIv1: the generated handlers are
/// registered through swift-openapi-hummingbird, behind a middleware that bounds the request
/// body and hands the caller's address to the API (it goes into each event's metadata), and one
/// that keeps the list reads' answers between writes (`APIv2ReadCache`).
enum APIv2Routes {
    /// The largest request body accepted: 1 MiB, as on APIv1.
    static let maxBodyBytes = 1 << 20

    /// `streamHeartbeat`: how long an event stream may stay silent before a keep-alive comment.
    static func add(
        to router: Router<LedgerRequestContext>, ledger: Ledger, logger: Logger, routers: any RouterConnector,
        streamHeartbeat: Duration = .seconds(15), quietPeriodSeconds: Int64 = PeeringRequestSettings.defaultQuietPeriodSeconds
    ) throws {
        router.add(middleware: APIv2Boundary())
        router.add(middleware: APIv2ReadCache(ledger: ledger))
        try APIv2(
            ledger: ledger, logger: logger, routers: routers, heartbeat: streamHeartbeat, quietPeriodSeconds: quietPeriodSeconds
        ).register(on: router)
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
            return Self.problem(
                status: .contentTooLarge, code: "parameter.invalid", title: "Request too large",
                detail: "the request body is larger than 1 MiB; nothing was changed")
        }
        do {
            return try await Caller.$clientAddress.withValue(context.remoteAddress?.ipAddress) {
                try await next(request, context)
            }
        } catch let error as HTTPError {
            // The router's own answers (no such path, no such method) as problems too.
            let (code, title) =
                switch error.status {
                case .notFound: ("resource.not-found", "Not found")
                case .methodNotAllowed: ("method.not-allowed", "Method not allowed")
                default: ("parameter.invalid", "Bad request")
                }
            return Self.problem(status: error.status, code: code, title: title, detail: "\(request.method.rawValue) \(request.uri.path)")
        }
    }

    /// A problem+json answer written here, for what the router refuses before APIv2 sees it.
    static func problem(status: HTTPResponse.Status, code: String, title: String, detail: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        let body = JSON.object([
            ("type", .string("tag:peerledger,2026:problem:\(code)")), ("title", .string(title)),
            ("status", .int(Int64(status.code))), ("detail", .string(detail)), ("code", .string(code)),
        ]).serialized()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
