import Foundation
public import PeerLedgerDomain
import Synchronization

/// A successful answer of an action: the envelope's `message` and, when there is one, `data`.
public struct Reply: Sendable, Equatable {
    public var message: String
    /// The data as a value. For a reply whose data was written as JSON bytes (getPeers), it is
    /// read back from them when asked for (tests, replays); the server sends the bytes.
    public var data: JSON? {
        get {
            if let dataValue { return dataValue }
            guard let dataBytes else { return nil }
            return try? JSON.parse(dataBytes)
        }
        set {
            dataValue = newValue
            dataBytes = nil
        }
    }
    private var dataValue: JSON?
    /// The data's JSON text, when the action wrote it directly: byte for byte what the data's
    /// value would serialize to.
    private(set) var dataBytes: [UInt8]?

    public init(_ message: String, data: JSON? = nil) {
        self.message = message
        self.dataValue = data
    }

    /// A reply whose data the action wrote as JSON bytes itself (see `JSONBytes`).
    init(_ message: String, serializedData: [UInt8]) {
        self.message = message
        self.dataBytes = serializedData
    }

    /// Two replies are equal when their message and data are, however the data was written.
    public static func == (lhs: Reply, rhs: Reply) -> Bool { lhs.message == rhs.message && lhs.data == rhs.data }
}

/// What goes back to the caller: an HTTP status (200, or 401 for authentication) and the JSON
/// envelope `{"success":1|0,"message":...,"data":...}`.
public struct APIAnswer: Sendable, Equatable {
    public var status: Int
    /// The envelope as a value. An answer written as text (a reply with serialized data) is
    /// read back from its text when asked for; the server only ever sends the text.
    public var body: JSON {
        get {
            if let storedBody { return storedBody }
            return (try? JSON.parse(Array((rendered?.text ?? "").utf8))) ?? .null
        }
        set {
            storedBody = newValue
            rendered = nil
            writtenMessage = nil
        }
    }
    /// Nil only for an answer written as text.
    private var storedBody: JSON?
    /// The wire text, kept when the answer is served again from the read-answer cache so it is
    /// not serialized once per call (shared by every copy of the answer). Never differs from
    /// `body.serialized()`.
    public private(set) var rendered: RenderedText?
    /// The message of an answer written as text (always a success).
    private var writtenMessage: String?

    public init(status: Int, body: JSON) {
        self.status = status
        self.storedBody = body
    }

    /// A success written as text: `{"success":1,"message":...,"data":...}` from the reply's bytes.
    private init(message: String, text: String) {
        self.status = 200
        self.writtenMessage = message
        self.rendered = RenderedText(text)
    }

    /// Two answers are equal when their status and body are.
    public static func == (lhs: APIAnswer, rhs: APIAnswer) -> Bool { lhs.status == rhs.status && lhs.body == rhs.body }

    /// Serializes the body once and keeps the text.
    mutating func render() {
        if rendered == nil, let storedBody { rendered = RenderedText(storedBody.serialized()) }
    }

    public static func success(_ reply: Reply) -> APIAnswer {
        if let bytes = reply.dataBytes {
            var text: [UInt8] = []
            text.reserveCapacity(bytes.count + reply.message.utf8.count + 48)
            JSONBytes.appendLiteral(#"{"success":1,"message":"#, to: &text)
            JSONBytes.appendString(reply.message, to: &text)
            JSONBytes.appendLiteral(#","data":"#, to: &text)
            text.append(contentsOf: bytes)
            text.append(UInt8(ascii: "}"))
            return APIAnswer(message: reply.message, text: String(decoding: text, as: UTF8.self))
        }
        var members: [(String, JSON)] = [("success", .int(1)), ("message", .string(reply.message))]
        if let data = reply.data { members.append(("data", data)) }
        return APIAnswer(status: 200, body: .object(members))
    }

    public static func failure(_ message: String, status: Int = 200) -> APIAnswer {
        APIAnswer(status: status, body: .object([("success", .int(0)), ("message", .string(message))]))
    }

    public var succeeded: Bool {
        guard let storedBody else { return writtenMessage != nil }
        return storedBody["success"] == .int(1)
    }

    public var message: String { storedBody.map { $0["message"]?.stringValue ?? "" } ?? writtenMessage ?? "" }
    public var data: JSON? { body["data"] }

    /// The body as sent on the wire.
    public var text: String { rendered?.text ?? storedBody?.serialized() ?? "" }
}

/// An answer's wire text, made once and shared by every copy of the answer (the read-answer
/// cache hands out copies), with one slot where a transport keeps the same text in its own buffer
/// type, made once too: the HTTP server keeps a NIO `ByteBuffer` there instead of copying the
/// text into a new buffer for every response (180 KiB for getPeers at a big exchange).
public final class RenderedText: Sendable {
    public let text: String
    private let transportForm = Mutex<(any Sendable)?>(nil)

    init(_ text: String) { self.text = text }

    /// The text in the transport's form: made by `make` on first use, then the same value.
    public func transportForm<Form: Sendable>(_ make: (String) -> Form) -> Form {
        transportForm.withLock { kept in
            if let kept = kept as? Form { return kept }
            let made = make(text)
            kept = made
            return made
        }
    }
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
