/// A successful answer of an action: the envelope's `message` and, when there is one, `data`.
public struct Reply: Sendable, Equatable {
    public var message: String
    public var data: JSON?

    public init(_ message: String, data: JSON? = nil) {
        self.message = message
        self.data = data
    }
}

/// What goes back to the caller: an HTTP status (200, or 401 for authentication) and the JSON
/// envelope `{"success":1|0,"message":...,"data":...}`.
public struct APIAnswer: Sendable, Equatable {
    public var status: Int
    public var body: JSON {
        didSet { rendered = nil }
    }
    /// The wire text, kept when the answer is served again from the read-answer cache so it is
    /// not serialized once per call. Never differs from `body.serialized()`.
    private var rendered: String?

    public init(status: Int, body: JSON) {
        self.status = status
        self.body = body
    }

    /// Two answers are equal when their status and body are.
    public static func == (lhs: APIAnswer, rhs: APIAnswer) -> Bool { lhs.status == rhs.status && lhs.body == rhs.body }

    /// Serializes the body once and keeps the text.
    mutating func render() { rendered = body.serialized() }

    public static func success(_ reply: Reply) -> APIAnswer {
        var members: [(String, JSON)] = [("success", .int(1)), ("message", .string(reply.message))]
        if let data = reply.data { members.append(("data", data)) }
        return APIAnswer(status: 200, body: .object(members))
    }

    public static func failure(_ message: String, status: Int = 200) -> APIAnswer {
        APIAnswer(status: status, body: .object([("success", .int(0)), ("message", .string(message))]))
    }

    public var succeeded: Bool { body["success"] == .int(1) }
    public var message: String { body["message"]?.stringValue ?? "" }
    public var data: JSON? { body["data"] }

    /// The body as sent on the wire.
    public var text: String { rendered ?? body.serialized() }
}

/// One call as the dispatcher sees it, already authenticated.
public struct APIRequest: Sendable {
    public var parameters: Parameters
    /// Who is calling: the API key's name (or `cli:<user>`, `replay`).
    public var actor: String
    /// A read-only key may call only read actions.
    public var readOnly: Bool
    public var requestID: String?
    public var clientAddress: String?
    /// From the `Idempotency-Key` header; the `idempotency_key` parameter works too.
    public var idempotencyKey: String?

    public init(
        parameters: Parameters, actor: String, readOnly: Bool = false, requestID: String? = nil,
        clientAddress: String? = nil, idempotencyKey: String? = nil
    ) {
        self.parameters = parameters
        self.actor = actor
        self.readOnly = readOnly
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.idempotencyKey = idempotencyKey
    }
}
