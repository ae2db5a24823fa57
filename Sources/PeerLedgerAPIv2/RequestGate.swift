import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
package import PeerLedger
import PeerLedgerDomain

/// Who is calling: the key a bearer token named, the request's id and the caller's address.
/// Set for the length of one request by `RequestGate`; handlers read it through `Caller.current`.
package struct Caller: Sendable {
    package var key: APIKey
    package var requestID: String
    package var clientAddress: String?

    /// The event metadata a write by this caller records (the key's name is the actor).
    var metadata: EventMetadata { EventMetadata(actor: key.name, requestID: requestID, clientAddress: clientAddress) }

    @TaskLocal package static var current: Caller?
    /// The caller's address, set by the HTTP server for the request it is serving.
    @TaskLocal package static var clientAddress: String?
}

/// The one middleware every APIv2 operation passes: it gives the request an id, checks the
/// bearer token and the scope the operation needs, turns whatever the operation threw into a
/// problem (never a stack trace, never a 500 for bad input) and logs one line per request
/// without any secret or token in it.
struct RequestGate: ServerMiddleware {
    let ledger: Ledger
    let logger: Logger

    /// The operations anyone may call, without a token: the spec itself.
    static let open: Set<String> = ["getSpec"]

    /// The scope each operation needs. An operation in neither table needs `admin`: a new
    /// operation is closed until it is given its scope here.
    static let scopes: [String: APIKeyScope] = [
        "listSessions": .read, "getSession": .read, "listEvents": .read, "verifyLog": .read, "listExchanges": .read,
        "getExchange": .read, "getSessionHistory": .read, "streamEvents": .read,
        "createSession": .write, "updateSession": .write, "deleteSession": .write,
        "listExchangeNetworks": .read, "listRequests": .read, "getRequest": .read, "listRouters": .read,
        "sendRequest": .write, "answerRequest": .write,
        "listWebhooks": .read, "getWebhook": .read, "listWebhookDeliveries": .read,
        "createWebhook": .admin, "deleteWebhook": .admin,
        "getSessionConfiguration": .read, "dryRunSessionConfiguration": .write, "pushSessionConfiguration": .write,
        "getNetworkHistory": .read,
    ]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let started = ContinuousClock.now
        let requestID = ledger.ids.next()
        var actor = "-"
        var response: HTTPResponse
        let responseBody: HTTPBody?
        do {
            if !Self.open.contains(operationID) {
                let needed = Self.scopes[operationID] ?? .admin
                let key = try await authenticate(request)
                actor = key.name
                guard key.scope.allows(needed) else {
                    throw Problem.forbidden(
                        "API key \(key.name) has scope \(key.scope.rawValue); \(operationID) needs \(needed.rawValue)")
                }
                let caller = Caller(key: key, requestID: requestID, clientAddress: Caller.clientAddress)
                (response, responseBody) = try await Caller.$current.withValue(caller) {
                    try await next(request, body, metadata)
                }
            } else {
                (response, responseBody) = try await next(request, body, metadata)
            }
        } catch {
            var problem = problem(for: error, operationID: operationID, requestID: requestID)
            if problem.code == Refusal.Code.parameterInvalid.rawValue, let detail = problem.detail, detail.hasPrefix("request: ") {
                // A whole value failed to decode: an integer parameter, else the body.
                problem =
                    if let name = Self.unreadableParameter(request, metadata) {
                        .parameterInvalid(name, "must be an integer of at most 19 digits")
                    } else {
                        .parameterInvalid("body", String(detail.dropFirst("request: ".count)))
                    }
            }
            (response, responseBody) = problem.response
        }
        response = Self.plainHeaders(response)
        // The id the request's log line and its events carry, as APIv1 answers it.
        if let name = HTTPField.Name("X-Request-Id") { response.headerFields[name] = requestID }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info(
            "request",
            metadata: [
                "request_id": "\(requestID)", "method": "\(request.method.rawValue)", "operation": "\(operationID)",
                "status": "\(response.status.code)", "actor": "\(actor)",
                "ms": "\(Int(milliseconds.rounded()))",
            ])
        return (response, responseBody)
    }

    /// The live key named by the request's bearer token; a 401 problem otherwise.
    func authenticate(_ request: HTTPRequest) async throws -> APIKey {
        guard let header = request.headerFields[.authorization] else {
            throw Problem.unauthorized(code: "auth.token-missing", "Authorization: Bearer TOKEN is required")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized(code: "auth.token-missing", "Authorization must be Bearer TOKEN")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        // A token is `plt_` and 64 hex digits; anything else cannot be one, and is not looked up.
        guard token.utf8.count <= 100, let key = try await ledger.reading({ reader in try reader.bearerKey(token: token) }) else {
            throw Problem.unauthorized(code: "auth.token-invalid", "the token is not a live key's")
        }
        return key
    }

    /// What an error thrown below the gate answers: a problem it carries, a refusal's code, the
    /// ledger's conditions, a request the generated code could not read (400 naming the part),
    /// and a plain 500 with the request id for anything else (the detail is logged, not sent).
    func problem(for error: any Error, operationID: String, requestID: String) -> Problem {
        var underlying: any Error = error
        if let serverError = error as? ServerError {
            underlying = serverError.underlyingError
            // No input: the generated code could not read the request, before any handler ran.
            if serverError.operationInput == nil, !(underlying is Problem), !(underlying is Refusal) {
                return Self.unreadable(serverError.causeDescription, underlying)
            }
        }
        switch underlying {
        case let problem as Problem: return problem
        case let refusal as Refusal: return .refused(refusal)
        case let LedgerError.conflict(stream, expected, actual):
            return .versionMismatch(stream: stream, expected: expected, current: actual)
        case let LedgerError.idempotencyKeyReused(key):
            return Problem(
                status: 422, code: "idempotency.key-reused", title: "Idempotency key reused",
                detail: "Idempotency-Key \(Values.quoted(key)) was used for a different request")
        case let error where StorageCondition(of: error) == .busy:
            return Problem(
                status: 503, code: "ledger.busy", title: "Busy",
                detail: "Another process has held the ledger's write lock too long (request \(requestID)); nothing was changed. Try again")
        case let error where StorageCondition(of: error) == .full:
            logger.error("ledger storage full", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
            return Problem(
                status: 507, code: "ledger.storage-full", title: "Storage full",
                detail: "The ledger's storage is full (request \(requestID)); nothing was changed")
        case is DecodingError:
            return Self.unreadable("the request body", underlying)
        default:
            logger.error("operation failed", metadata: ["request_id": "\(requestID)", "operation": "\(operationID)", "error": "\(error)"])
            return .internal(requestID: requestID)
        }
    }

    /// A 400 for a request the generated code could not read, naming the parameter or field.
    static func unreadable(_ cause: String, _ error: any Error) -> Problem {
        if let decoding = error as? DecodingError {
            let (path, reason): ([any CodingKey], String) =
                switch decoding {
                case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
                    (context.codingPath, context.debugDescription)
                case let .keyNotFound(key, context): (context.codingPath + [key], "is required")
                @unknown default: ([], "cannot be read")
                }
            let name = path.map(\.stringValue).filter { !$0.isEmpty && Int($0) == nil }.joined(separator: ".")
            if case .keyNotFound = decoding { return .parameterMissing(name.isEmpty ? "body" : name, reason) }
            // No coding path: a whole value failed (a path or query integer, or a body that is
            // not JSON); `intercept` names the parameter when it can.
            return .parameterInvalid(name.isEmpty ? "request" : name, reason)
        }
        if cause.localizedCaseInsensitiveContains("missing") {
            return .parameterMissing(Self.named(in: cause), cause)
        }
        return .parameterInvalid(Self.named(in: cause), cause)
    }

    /// The integer parameter the generated code could not read: the path's `id` or the query's
    /// `limit` (the only integer parameters the spec has), so the problem can name it.
    static func unreadableParameter(_ request: HTTPRequest, _ metadata: ServerRequestMetadata) -> String? {
        for (name, value) in metadata.pathParameters.sorted(by: { $0.key < $1.key }) where Int64(value) == nil {
            return name
        }
        let query = request.path.flatMap { URLComponents(string: $0) }?.queryItems ?? []
        for item in query where integerQueryParameters.contains(item.name) && Int(item.value ?? "") == nil {
            return item.name
        }
        return nil
    }

    static let integerQueryParameters: Set<String> = ["limit"]

    /// The generated code writes header values percent-encoded, as URI components
    /// (`%221%22` for `"1"`); `ETag` and `Location` are sent as their plain values.
    static func plainHeaders(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        for name in [HTTPField.Name.eTag, .location] {
            if let value = response.headerFields[name], let plain = value.removingPercentEncoding { response.headerFields[name] = plain }
        }
        return response
    }

    /// The parameter a runtime message names (`... named: limit`), else `request`.
    static func named(in cause: String) -> String {
        if let range = cause.range(of: "named: ") {
            return String(cause[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," && $0 != "." })
        }
        return "request"
    }
}
