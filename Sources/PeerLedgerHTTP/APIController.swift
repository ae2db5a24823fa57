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
        var logger = context.logger
        logger[metadataKey: "request_id"] = "\(requestID)"
        logger[metadataKey: "method"] = "\(request.method.rawValue)"

        let answer: APIAnswer
        do {
            let parameters = try Parameters(formEncoded: raw)
            logger[metadataKey: "target"] = "\(Self.loggable(parameters["target"]))"
            logger[metadataKey: "action"] = "\(Self.loggable(parameters["action"]))"
            let key = try await api.ledger.authenticate(raw: raw, parameters: parameters)
            logger[metadataKey: "actor"] = "\(key.name)"
            answer = await api.handle(
                APIRequest(
                    parameters: parameters, actor: key.name, readOnly: key.readOnly, requestID: requestID,
                    clientAddress: context.remoteAddress?.ipAddress,
                    idempotencyKey: request.headers[.idempotencyKey]))
        } catch let failure as AuthenticationFailure {
            answer = .failure(failure.message, status: 401)
        } catch let refusal as Refusal {
            answer = .failure(refusal.message)
        } catch {
            answer = .failure("Internal error (request \(requestID)); nothing was changed")
        }
        let elapsed = ContinuousClock.now - started
        logger.info(
            "request",
            metadata: [
                "status": "\(answer.status)", "success": "\(answer.succeeded ? 1 : 0)",
                "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ])
        return Self.response(answer, requestID: requestID)
    }

    static func response(_ answer: APIAnswer, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.requestID] = requestID
        return Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: answer.text)))
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
