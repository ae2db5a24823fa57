/// A peering request was recorded and its message queued in the outbox, in one transaction.
/// Every field of the request is here (Cc and Bcc included: they are not secrets); no SMTP
/// credential ever is.
public struct PeeringRequestSent: EventPayload {
    public static let type = "PeeringRequestSent"
    public static let schemaVersion = 1
    public var requestID: Int64
    public var publicID: Int64
    public var sourceParticipantID: Int64
    public var sourceASN: Int64?
    public var peerParticipantID: Int64
    public var peerASN: Int64
    public var peerName: String
    /// `text` or `html`.
    public var emailType: String
    public var emailFrom: String
    public var emailTo: String
    public var cc: String?
    public var bcc: String?
    public var subject: String
    /// The body as given (HTML for type html).
    public var body: String
    /// For type html: the plain-text alternative sent with it.
    public var textBody: String?
    /// `sent`, `accepted` or `rejected`: the peer's request status after this request.
    public var status: String
    public var messageID: String
    /// True when the quiet period was overridden with force=1.
    public var forced: Bool

    public enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case publicID = "public_id"
        case sourceParticipantID = "source_participant_id"
        case sourceASN = "source_asn"
        case peerParticipantID = "peer_participant_id"
        case peerASN = "peer_asn"
        case peerName = "peer_name"
        case emailType = "email_type"
        case emailFrom = "email_from"
        case emailTo = "email_to"
        case cc, bcc, subject, body
        case textBody = "text_body"
        case status
        case messageID = "message_id"
        case forced
    }

    public init(requestID: Int64, publicID: Int64, sourceParticipantID: Int64, sourceASN: Int64? = nil, peerParticipantID: Int64, peerASN: Int64, peerName: String, emailType: String, emailFrom: String, emailTo: String, cc: String? = nil, bcc: String? = nil, subject: String, body: String, textBody: String? = nil, status: String, messageID: String, forced: Bool) {
        self.requestID = requestID
        self.publicID = publicID
        self.sourceParticipantID = sourceParticipantID
        self.sourceASN = sourceASN
        self.peerParticipantID = peerParticipantID
        self.peerASN = peerASN
        self.peerName = peerName
        self.emailType = emailType
        self.emailFrom = emailFrom
        self.emailTo = emailTo
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.body = body
        self.textBody = textBody
        self.status = status
        self.messageID = messageID
        self.forced = forced
    }
}

/// The mail server accepted the request's message: its reply is the proof.
public struct PeeringRequestDelivered: EventPayload {
    public static let type = "PeeringRequestDelivered"
    public static let schemaVersion = 1
    public var requestID: Int64
    public var reply: String
    public var attempt: Int

    public enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case reply, attempt
    }

    public init(requestID: Int64, reply: String, attempt: Int) {
        self.requestID = requestID
        self.reply = reply
        self.attempt = attempt
    }
}

/// An attempt failed in a way worth retrying (a 4xx reply, the server down, a timeout).
public struct PeeringRequestDeliveryFailed: EventPayload {
    public static let type = "PeeringRequestDeliveryFailed"
    public static let schemaVersion = 1
    public var requestID: Int64
    public var reply: String
    public var attempt: Int
    /// When the next attempt is due (ISO 8601, UTC).
    public var nextAttemptAt: String

    public enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case reply, attempt
        case nextAttemptAt = "next_attempt_at"
    }

    public init(requestID: Int64, reply: String, attempt: Int, nextAttemptAt: String) {
        self.requestID = requestID
        self.reply = reply
        self.attempt = attempt
        self.nextAttemptAt = nextAttemptAt
    }
}

/// The message will not be sent: the server refused it for good (5xx) or the attempts ran out.
public struct PeeringRequestFailedPermanently: EventPayload {
    public static let type = "PeeringRequestFailedPermanently"
    public static let schemaVersion = 1
    public var requestID: Int64
    public var reply: String
    public var attempts: Int

    public enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case reply, attempts
    }

    public init(requestID: Int64, reply: String, attempts: Int) {
        self.requestID = requestID
        self.reply = reply
        self.attempts = attempts
    }
}

/// A peer's answer to our request was recorded: status `accepted` or `rejected`.
public struct PeeringRequestAnswered: EventPayload {
    public static let type = "PeeringRequestAnswered"
    public static let schemaVersion = 1
    /// The request answered, when the answer was recorded with one (sendRequest).
    public var requestID: Int64?
    public var peerParticipantID: Int64
    public var publicID: Int64
    public var status: String

    public enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case peerParticipantID = "peer_participant_id"
        case publicID = "public_id"
        case status
    }

    public init(requestID: Int64? = nil, peerParticipantID: Int64, publicID: Int64, status: String) {
        self.requestID = requestID
        self.peerParticipantID = peerParticipantID
        self.publicID = publicID
        self.status = status
    }
}
