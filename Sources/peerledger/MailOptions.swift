import ArgumentParser
import Foundation
import NIOCore
import PeerLedger
import PeerLedgerDomain
import PeerLedgerMail

/// How the outbox reaches a mail server: SMTP (host, port, TLS mode, credentials) or a
/// sendmail-compatible program. Each option also reads an environment variable, so the
/// password need never be on a command line (where `ps` shows it): PEERLEDGER_SMTP_PASSWORD or
/// --smtp-password-file. The password is never printed.
struct MailOptions: ParsableArguments {
    enum TransportKind: String, ExpressibleByArgument, CaseIterable { case smtp, sendmail }

    @Option(help: "smtp or sendmail (env PEERLEDGER_MAIL_TRANSPORT).") var transport: TransportKind?
    @Option(help: "SMTP server (env PEERLEDGER_SMTP_HOST; default 127.0.0.1).") var smtpHost: String?
    @Option(help: "SMTP port (env PEERLEDGER_SMTP_PORT; default 25, 465 with --smtp-security tls).") var smtpPort: Int?
    @Option(help: "none, starttls or tls (env PEERLEDGER_SMTP_SECURITY; default none).") var smtpSecurity: String?
    @Option(help: "SMTP AUTH user (env PEERLEDGER_SMTP_USERNAME).") var smtpUsername: String?
    @Option(help: "A file holding the SMTP password (env PEERLEDGER_SMTP_PASSWORD holds the password itself).")
    var smtpPasswordFile: String?
    @Option(help: "PEM file of CAs to trust for the SMTP server's certificate (env PEERLEDGER_SMTP_CA_FILE).") var smtpCAFile: String?
    @Option(help: "Name given in EHLO (default this host's name).") var smtpHelo: String?
    @Option(help: "Seconds to wait for the SMTP server's connection and each reply.") var smtpTimeout: Int = 30
    @Flag(help: "Allow AUTH over an unencrypted connection (a local relay only).") var smtpAllowPlaintextAuth = false
    @Option(help: "The sendmail-compatible program (env PEERLEDGER_SENDMAIL; default /usr/sbin/sendmail).") var sendmail: String?
    @Option(help: "Delivery attempts before a request is failed for good.") var maxAttempts: Int = 6
    @Option(help: "Seconds before the first retry; each further retry waits twice as long, at most an hour.") var retryDelay: Int = 60

    /// The numbers' ranges: each is turned into seconds, milliseconds or nanoseconds later.
    func check() throws {
        if let smtpPort { try require(smtpPort, in: 1...65535, option: "--smtp-port") }
        try require(smtpTimeout, in: 1...3600, option: "--smtp-timeout", unit: "seconds")
        try require(maxAttempts, in: 1...1000, option: "--max-attempts")
        try require(retryDelay, in: 1...longestIntervalSeconds, option: "--retry-delay", unit: "seconds")
    }

    func makeTransport() throws -> any MailTransport {
        try check()
        let environment = ProcessInfo.processInfo.environment
        let kindText = transport?.rawValue ?? environment["PEERLEDGER_MAIL_TRANSPORT"] ?? "smtp"
        guard let kind = TransportKind(rawValue: kindText) else { throw ValidationError("--transport must be smtp or sendmail") }
        if kind == .sendmail {
            return SendmailTransport(program: sendmail ?? environment["PEERLEDGER_SENDMAIL"] ?? "/usr/sbin/sendmail")
        }
        let securityText = smtpSecurity ?? environment["PEERLEDGER_SMTP_SECURITY"] ?? "none"
        guard let security = SMTPConfiguration.Security(rawValue: securityText) else {
            throw ValidationError("--smtp-security must be none, starttls or tls, got '\(securityText)'")
        }
        let portText = smtpPort.map(String.init) ?? environment["PEERLEDGER_SMTP_PORT"]
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw ValidationError("--smtp-port must be 1 to 65535") }
            port = value
        } else {
            port = security == .tls ? 465 : 25
        }
        var password = environment["PEERLEDGER_SMTP_PASSWORD"]
        if let file = smtpPasswordFile {
            do {
                password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
            } catch {
                throw ValidationError("cannot read --smtp-password-file \(file)")
            }
        }
        return SMTPTransport(
            configuration: SMTPConfiguration(
                host: smtpHost ?? environment["PEERLEDGER_SMTP_HOST"] ?? "127.0.0.1", port: port, security: security,
                username: smtpUsername ?? environment["PEERLEDGER_SMTP_USERNAME"], password: password,
                heloName: smtpHelo ?? ProcessInfo.processInfo.hostName, timeout: .seconds(Int64(smtpTimeout)),
                trustRootsFile: smtpCAFile ?? environment["PEERLEDGER_SMTP_CA_FILE"], allowPlaintextAuth: smtpAllowPlaintextAuth))
    }

    var retryPolicy: RetryPolicy { RetryPolicy(maximumAttempts: maxAttempts, firstDelaySeconds: Int64(retryDelay)) }

    /// A claim outlasts the longest delivery: connect plus a handful of replies.
    var claimSeconds: Int64 { Int64(max(60, smtpTimeout * 10)) }
}

/// Who we are when requests are written on our behalf (sendEmail), the templates, the quiet
/// period: the request actions' settings from the command line.
struct RequestOptions: ParsableArguments {
    @Option(help: "Our own network's PeeringDB id, the source of sendEmail's requests.") var ourParticipantId: Int64?
    @Option(help: "From of sendEmail's requests, e.g. 'Operations <ops@example.net>'.") var mailFrom: String?
    @Option(help: "Days between two requests to one network (force=1 overrides).") var quietPeriodDays: Int = 30
    @Option(help: "A Mustache file replacing the request subject template.") var templateSubject: String?
    @Option(help: "A Mustache file replacing the request text template.") var templateText: String?
    @Option(help: "A Mustache file replacing the request HTML template.") var templateHtml: String?
    @Option(help: "sendEmail sends text, or html with a text alternative.") var requestEmailType: String = "text"

    /// The quiet period becomes seconds and our participant id a lookup: both checked first.
    func check() throws {
        try require(quietPeriodDays, in: 0...36_500, option: "--quiet-period-days", unit: "days")
        if let ourParticipantId { try require(ourParticipantId, in: 1...Int64.max, option: "--our-participant-id") }
    }

    func settings(directory: any PeeringDirectory = ProjectedPeeringDirectory()) throws -> PeeringRequestSettings {
        guard let type = MailMessage.BodyType(rawValue: requestEmailType) else {
            throw ValidationError("--request-email-type must be text or html")
        }
        try check()
        do {
            return PeeringRequestSettings(
                directory: directory, ourParticipantID: ourParticipantId,
                sender: try mailFrom.map { text throws(Refusal) in try Mailbox(parsing: text, field: "--mail-from") },
                templates: try RequestTemplates.load(subjectFile: templateSubject, textFile: templateText, htmlFile: templateHtml),
                emailType: type, quietPeriodSeconds: Int64(quietPeriodDays) * 86_400)
        } catch let refusal as Refusal {
            throw ValidationError(refusal.message)
        }
    }
}
