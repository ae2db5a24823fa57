import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PeerLedger

/// Serves ProVision's `/api/v1/api.php` over the ledger: authenticates each call on its raw
/// bytes, hands it to `APIv1`, and writes one log line per request with no secret in it.
struct APIController: Sendable {
    let api: APIv1
    let maxBodyBytes = 1 << 20

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("/api/v1/api.php") { request, context in
            await respond(raw: request.uri.query ?? "", request: request, context: context)
        }
        router.post("/api/v1/api.php") { request, context in
            var request = request
            let raw: String
            do {
                let body = try await request.collectBody(upTo: maxBodyBytes)
                raw = body.readableBytes > 0 ? String(buffer: body) : (request.uri.query ?? "")
            } catch {
                return Self.response(
                    .failure("The request body is larger than \(maxBodyBytes) bytes", status: 413), requestID: "-")
            }
            return await respond(raw: raw, request: request, context: context)
        }
    }

    func respond(raw: String, request: Request, context: LedgerRequestContext) async -> Response {
        let started = ContinuousClock.now
        let requestID = api.ledger.ids.next()
        // The line's metadata is gathered here and handed to the one log call, which builds it
        // only when the level is on (a handler re-renders its metadata on every change).
        var routing: (target: String?, action: String?)?, actor: String?

        let answer: APIAnswer
        do {
            let parameters = try Parameters(formEncoded: raw)
            routing = (parameters["target"], parameters["action"])
            let (key, answered) = try await api.handle(
                signed: raw, parameters: parameters, requestID: requestID, clientAddress: context.remoteAddress?.ipAddress,
                idempotencyKey: request.headers[.idempotencyKey])
            actor = key.name
            answer = answered
        } catch let failure as AuthenticationFailure {
            answer = .failure(failure.message, status: 401)
        } catch let refusal as Refusal {
            answer = .failure(refusal.message)
        } catch {
            answer = .failure("Internal error (request \(requestID)); nothing was changed")
        }
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
