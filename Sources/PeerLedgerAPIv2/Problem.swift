import Foundation
import HTTPTypes
import OpenAPIRuntime
import PeerLedger
import PeerLedgerDomain

/// An RFC 9457 problem: what every refused or failed APIv2 request answers, as
/// `application/problem+json` with a stable `code` a client can switch on. Handlers throw it;
/// `ProblemMiddleware` writes it.
package struct Problem: Error, Equatable, Sendable {
    package var status: Int
    package var code: String
    package var title: String
    package var detail: String?
    /// With `version.mismatch`: the version the resource is at now.
    package var currentVersion: Int64?
    /// Extra response headers (`WWW-Authenticate` on a 401).
    package var headers: [(name: String, value: String)] = []

    package init(status: Int, code: String, title: String, detail: String? = nil, currentVersion: Int64? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.currentVersion = currentVersion
    }

    package static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.title == rhs.title && lhs.detail == rhs.detail
            && lhs.currentVersion == rhs.currentVersion
    }

    // MARK: The kinds APIv2 answers

    static func parameterInvalid(_ name: String, _ reason: String) -> Problem {
        Problem(status: 400, code: Refusal.Code.parameterInvalid.rawValue, title: "Invalid parameter", detail: "\(name): \(reason)")
    }

    static func parameterMissing(_ name: String, _ reason: String) -> Problem {
        Problem(status: 400, code: Refusal.Code.parameterMissing.rawValue, title: "Missing parameter", detail: "\(name): \(reason)")
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(status: 404, code: "resource.not-found", title: "Not found", detail: detail)
    }

    static func versionMismatch(stream: String, expected: Int64?, current: Int64?) -> Problem {
        let expectedText = expected.map { "version \($0)" } ?? "no version"
        return Problem(
            status: 412, code: "version.mismatch", title: "Version mismatch",
            detail: "\(stream) is at version \(current ?? 0), not \(expectedText)", currentVersion: current ?? 0)
    }

    static func unauthorized(code: String, _ detail: String) -> Problem {
        var problem = Problem(status: 401, code: code, title: "Unauthorized", detail: detail)
        problem.headers = [("WWW-Authenticate", #"Bearer realm="peerledger""#)]
        return problem
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(status: 403, code: "auth.scope-insufficient", title: "Forbidden", detail: detail)
    }

    static func `internal`(requestID: String) -> Problem {
        Problem(
            status: 500, code: "internal", title: "Internal error",
            detail: "The request failed (request \(requestID)); nothing was changed")
    }

    /// The problem for a refusal of the ledger's rules: its code when it has one, with the status
    /// the rule calls for; `ledger.refused` otherwise.
    static func refused(_ refusal: Refusal) -> Problem {
        guard let code = refusal.code else {
            return Problem(status: 422, code: "ledger.refused", title: "Refused", detail: refusal.message)
        }
        let status: Int =
            switch code {
            case .parameterInvalid, .parameterMissing: 400
            case .sessionAddressTaken, .sessionDeleted, .sessionDeletionFoundNothing, .sessionOnRouter, .webhookUnsubscribed,
                .configurationGroupShared, .routerPushInProgress:
                409
            case .routerAuthenticationFailed, .routerRejected, .routerNotSaved: 502
            case .routerUnreachable: 503
            default: 422
            }
        let title =
            switch status {
            case 502: "Bad gateway"
            case 503: "Unavailable"
            default: "Refused"
            }
        return Problem(status: status, code: code.rawValue, title: title, detail: refusal.message)
    }

    // MARK: Writing it

    /// The problem's JSON body (`type`, `title`, `status`, `detail`, `code`, and
    /// `current_version` when known).
    var body: String {
        var members: [(String, JSON)] = [
            ("type", .string("tag:peerledger,2026:problem:\(code)")), ("title", .string(title)), ("status", .int(Int64(status))),
        ]
        if let detail { members.append(("detail", .string(detail))) }
        members.append(("code", .string(code)))
        if let currentVersion { members.append(("current_version", .int(currentVersion))) }
        return JSON.object(members).serialized()
    }

    /// The HTTP response carrying the problem.
    var response: (HTTPResponse, HTTPBody) {
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return (HTTPResponse(status: .init(code: status), headerFields: fields), HTTPBody(body))
    }
}
