public import PeerLedger
import PeerLedgerDomain
/// What the request actions are configured with: where PeeringDB knowledge comes from, who we
/// are when sendEmail writes on our behalf, the templates, and the quiet period between two
/// requests to one network. Given to `APIv1` by whoever assembles the server.
public struct PeeringRequestSettings: Sendable {
    package var directory: any PeeringDirectory
    /// Our own network (source_participant_id) for sendEmail.
    public var ourParticipantID: Int64?
    /// The From of sendEmail's messages, e.g. `Operations <ops@6connect.com>`; its name and
    /// address also sign the message.
    public var sender: Mailbox?
    public var templates: RequestTemplates
    /// sendEmail sends text, or HTML with a text alternative.
    public var emailType: MailMessage.BodyType
    /// A second request to one network within this many seconds is refused unless force=1.
    public var quietPeriodSeconds: Int64

    public static let defaultQuietPeriodSeconds: Int64 = 30 * 86_400

    package init(
        directory: any PeeringDirectory = ProjectedPeeringDirectory(), ourParticipantID: Int64? = nil, sender: Mailbox? = nil,
        templates: RequestTemplates = .standard(), emailType: MailMessage.BodyType = .text,
        quietPeriodSeconds: Int64 = defaultQuietPeriodSeconds
    ) {
        self.directory = directory
        self.ourParticipantID = ourParticipantID
        self.sender = sender
        self.templates = templates
        self.emailType = emailType
        self.quietPeriodSeconds = quietPeriodSeconds
    }
}
