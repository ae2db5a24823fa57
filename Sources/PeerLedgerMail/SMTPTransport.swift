public import PeerLedger
import PeerLedgerDomain

/// The outbox's SMTP delivery: one `SMTPClient` conversation per message, its outcome turned into
/// what the ledger records (the acceptance reply, or a `MailDeliveryError` with the server's
/// words and whether retrying can help).
public struct SMTPTransport: MailTransport {
    public let client: SMTPClient

    public init(configuration: SMTPConfiguration) {
        client = SMTPClient(configuration: configuration)
    }

    public func deliver(_ mail: OutgoingMail) async throws -> String {
        do {
            return try await client.send(from: mail.sender, to: mail.recipients, message: mail.message).description
        } catch let error as SMTPError {
            throw MailDeliveryError(reply: error.description, permanent: error.isPermanent)
        } catch {
            throw MailDeliveryError(reply: "\(error)", permanent: false)
        }
    }
}
