import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain

/// Serves ProVision's `/api/v1/api.php` over the ledger: authenticates each call on its raw
/// bytes, hands it to `APIv1`, and writes one log line per request with no secret in it.
struct APIController: Sendable {
    let api: APIv1
    /// The largest call accepted, as a POST body or as a GET query: 1 MiB.
    static let maxCallBytes = 1 << 20
    /// The methods the API path answers; any other gets 405 with these in `Allow`.
    static let allowedMethods = "GET, POST"

    func addRoutes(to router: Router<LedgerRequestContext>) {
        let path = RouterPath("/api/v1/api.php")
        router.get(path) { request, context in
            let query = request.uri.query ?? ""
            guard query.utf8.count <= Self.maxCallBytes else {
                return Self.response(
                    .failure("The query is larger than \(Self.maxCallBytes) bytes (1 MiB); nothing was changed", status: 414),
                    requestID: "-")
            }
            return await respond(raw: query, request: request, context: context)
        }
        router.post(path) { request, context in
            var request = request
            let raw: String
            do {
                let body = try await request.collectBody(upTo: Self.maxCallBytes)
                let query = request.uri.query ?? ""
                if body.readableBytes > 0, !query.isEmpty {
                    return Self.response(
                        .failure(
                            "A POST carries its parameters in its body or in its query, not both: one of them would not be signed",
                            status: 401),
                        requestID: "-")
                }
                raw = body.readableBytes > 0 ? String(buffer: body) : query
            } catch {
                return Self.response(
                    .failure("The request body is larger than \(Self.maxCallBytes) bytes (1 MiB); nothing was changed", status: 413),
                    requestID: "-")
            }
            return await respond(raw: raw, request: request, context: context)
        }
        for method in [HTTPRequest.Method.put, .delete, .patch, .options, .trace] {
            router.on(path, method: method) { request, _ in
                var response = Self.response(
                    .failure("\(request.method.rawValue) is not supported: call the API with GET or POST", status: 405),
                    requestID: "-")
                response.headers[.allow] = Self.allowedMethods
                return response
            }
        }
    }

    func respond(raw: String, request: Request, context: LedgerRequestContext) async -> Response {
        let started = ContinuousClock.now
        let requestID = api.ledger.ids.next()
        // The line's metadata is gathered here and handed to the one log call, which builds it
        // only when the level is on (a handler re-renders its metadata on every change).
        var actor: String?
        var parameters: PeerLedgerAPIv1.Parameters?

        let answer: APIAnswer
        do {
            let (key, answered, decoded) = try await api.handle(
                signed: raw, requestID: requestID, clientAddress: context.remoteAddress?.ipAddress,
                idempotencyKey: request.headers[.idempotencyKey])
            actor = key.name
            answer = answered
            parameters = decoded
        } catch {
            answer = .failure(error.message, status: 401)
            // A refused call's routing is logged too; its parameters are decoded for that alone.
            if context.logger.logLevel <= .info { parameters = try? PeerLedgerAPIv1.Parameters(formEncoded: raw) }
        }
        let routing = parameters.map { ($0["target"], $0["action"]) }
        let elapsed = ContinuousClock.now - started
        context.logger.info(
            "request",
            metadata: Self.metadata(
                requestID: requestID, method: request.method.rawValue, routing: routing, actor: actor, answer: answer,
                elapsed: elapsed))
        return Self.response(answer, requestID: requestID)
    }

    static func response(_ answer: APIAnswer, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.requestID] = requestID
        return Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: headers,
            body: ResponseBody(byteBuffer: body(answer)))
    }

    /// The answer's bytes: for an answer kept in the read-answer cache, one buffer made on its
    /// first response and shared by every later one (a ByteBuffer is copy-on-write, and nothing
    /// writes into this one), instead of a copy of the whole text per response.
    static func body(_ answer: APIAnswer) -> ByteBuffer {
        guard let rendered = answer.rendered else { return ByteBuffer(string: answer.text) }
        return rendered.transportForm { ByteBuffer(string: $0) }
    }

    /// One request's log line: who called what and how it went. Routing values pass `loggable`.
    static func metadata(
        requestID: String, method: String, routing: (target: String?, action: String?)?, actor: String?, answer: APIAnswer,
        elapsed: Duration
    ) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "request_id": "\(requestID)", "method": "\(method)", "status": "\(answer.status)",
            "success": "\(answer.succeeded ? 1 : 0)",
            "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ]
        // As before: target and action once the parameters were read, the actor once let in.
        if let routing {
            metadata["target"] = "\(loggable(routing.target))"
            metadata["action"] = "\(loggable(routing.action))"
        }
        if let actor { metadata["actor"] = "\(actor)" }
        return metadata
    }

    /// Routing values are logged only when they are short plain names; anything else could be
    /// an attempt to smuggle text into the log.
    static func loggable(_ value: String?) -> String {
        guard let value else { return "-" }
        let plain = value.count <= 40 && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        return plain ? value : "(invalid)"
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let requestID = Self("X-Request-Id")!
}
