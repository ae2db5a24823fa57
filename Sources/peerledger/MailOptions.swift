import ArgumentParser
import Foundation
import NIOCore
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain
import PeerLedgerMail
import PeerLedgerSettings

/// How the outbox reaches a mail server, as flags: SMTP (host, port, TLS mode, user) or a
/// sendmail-compatible program. Every flag is optional: one given overrides the environment
/// (PEERLEDGER_SMTP_HOST, ...) and the configuration file. The password is never a flag (where
/// `ps` would show it): --smtp-password-file names a file holding it, or PEERLEDGER_SMTP_PASSWORD
/// holds it.
struct MailOptions: ParsableArguments {
    @Option(name: [.customLong("mail-transport"), .customLong("transport")], help: .setting("mail_transport")) var mailTransport: String?
    @Option(help: .setting("smtp_host")) var smtpHost: String?
    @Option(help: .setting("smtp_port")) var smtpPort: Int?
    @Option(help: .setting("smtp_security")) var smtpSecurity: String?
    @Option(help: .setting("smtp_username")) var smtpUsername: String?
    @Option(help: .setting("smtp_password_file")) var smtpPasswordFile: String?
    @Option(name: .customLong("smtp-ca-file"), help: .setting("smtp_ca_file")) var smtpCAFile: String?
    @Option(help: .setting("smtp_helo")) var smtpHelo: String?
    @Option(help: .setting("smtp_timeout")) var smtpTimeout: Int?
    @Flag(inversion: .prefixedNo, help: .setting("smtp_allow_plaintext_auth")) var smtpAllowPlaintextAuth: Bool?
    @Option(help: .setting("sendmail")) var sendmail: String?
    @Option(help: .setting("max_attempts")) var maxAttempts: Int?
    @Option(help: .setting("retry_delay")) var retryDelay: Int?

    /// The flags given, keyed by setting.
    var flagValues: [String: String] {
        var values: [String: String] = [:]
        values["mail_transport"] = mailTransport
        values["smtp_host"] = smtpHost
        values["smtp_port"] = smtpPort.map(String.init)
        values["smtp_security"] = smtpSecurity
        values["smtp_username"] = smtpUsername
        values["smtp_password_file"] = smtpPasswordFile
        values["smtp_ca_file"] = smtpCAFile
        values["smtp_helo"] = smtpHelo
        values["smtp_timeout"] = smtpTimeout.map(String.init)
        values["smtp_allow_plaintext_auth"] = smtpAllowPlaintextAuth.map(String.init)
        values["sendmail"] = sendmail
        values["max_attempts"] = maxAttempts.map(String.init)
        values["retry_delay"] = retryDelay.map(String.init)
        return values
    }
}

/// Who we are when requests are written on our behalf (sendEmail), the templates, the quiet
/// period: the request actions' settings as flags, each overriding the environment and the file.
struct RequestOptions: ParsableArguments {
    @Option(help: .setting("our_participant_id")) var ourParticipantId: Int64?
    @Option(help: .setting("mail_from")) var mailFrom: String?
    @Option(help: .setting("quiet_period_days")) var quietPeriodDays: Int?
    @Option(help: .setting("template_subject")) var templateSubject: String?
    @Option(help: .setting("template_text")) var templateText: String?
    @Option(help: .setting("template_html")) var templateHtml: String?
    @Option(help: .setting("request_email_type")) var requestEmailType: String?

    var flagValues: [String: String] {
        var values: [String: String] = [:]
        values["our_participant_id"] = ourParticipantId.map(String.init)
        values["mail_from"] = mailFrom
        values["quiet_period_days"] = quietPeriodDays.map(String.init)
        values["template_subject"] = templateSubject
        values["template_text"] = templateText
        values["template_html"] = templateHtml
        values["request_email_type"] = requestEmailType
        return values
    }
}

extension ArgumentHelp {
    /// A flag's help from the setting's catalog entry: what it does, its key in the file, its
    /// environment variable and its default.
    static func setting(_ key: String) -> ArgumentHelp {
        guard let setting = Setting.named(key) else { return ArgumentHelp("") }
        var text = setting.summary + " (file: \(setting.key); env: \(setting.environmentVariable)"
        if case let .secretFile(variable) = setting.kind { text += " or \(variable) holding the secret itself" }
        if let value = setting.defaultValue { text += "; default \(value)" }
        return ArgumentHelp(text + ")")
    }
}

extension ServeSettings {
    /// The outbox's transport: SMTP or a sendmail pipe, as the settings say.
    func mailTransport() -> any MailTransport {
        if mailTransport == "sendmail" { return SendmailTransport(program: sendmail) }
        // The catalog's choices are exactly SMTPConfiguration.Security's cases.
        let security = SMTPConfiguration.Security(rawValue: smtpSecurity) ?? .none
        return SMTPTransport(
            configuration: SMTPConfiguration(
                host: smtpHost, port: smtpPort ?? (security == .tls ? 465 : 25), security: security, username: smtpUsername,
                password: smtpPassword?.reveal(), heloName: smtpHelo ?? ProcessInfo.processInfo.hostName,
                timeout: .seconds(Int64(smtpTimeout)), trustRootsFile: smtpCAFile, allowPlaintextAuth: smtpAllowPlaintextAuth))
    }

    var retryPolicy: RetryPolicy { RetryPolicy(maximumAttempts: maxAttempts, firstDelaySeconds: Int64(retryDelay)) }

    /// A claim outlasts the longest delivery: connect plus a handful of replies.
    var claimSeconds: Int64 { Int64(max(60, smtpTimeout * 10)) }

    /// The request actions' settings. Each template file is read and parsed here, so a missing
    /// or broken one is refused at start, naming its setting.
    func requestSettings(directory: any PeeringDirectory = ProjectedPeeringDirectory()) throws(SettingsError) -> PeeringRequestSettings {
        var problems: [SettingsProblem] = []
        for key in ["template_subject", "template_text", "template_html"] {
            guard let path = text(key) else { continue }
            do {
                _ = try RequestTemplates.load(
                    subjectFile: key == "template_subject" ? path : nil, textFile: key == "template_text" ? path : nil,
                    htmlFile: key == "template_html" ? path : nil)
            } catch {
                problems.append(SettingsProblem("\(key) (\(source(of: key).map { "\($0)" } ?? "")): \((error as? Refusal)?.message ?? "\(error)")"))
            }
        }
        guard problems.isEmpty else { throw SettingsError(problems: problems) }
        do {
            return PeeringRequestSettings(
                directory: directory, ourParticipantID: ourParticipantID,
                sender: try mailFrom.map { text throws(Refusal) in try Mailbox(parsing: text, field: "mail_from") },
                templates: try RequestTemplates.load(subjectFile: text("template_subject"), textFile: text("template_text"), htmlFile: text("template_html")),
                emailType: MailMessage.BodyType(rawValue: requestEmailType) ?? .text, quietPeriodSeconds: Int64(quietPeriodDays) * 86_400)
        } catch {
            throw SettingsError(problems: [SettingsProblem((error as? Refusal)?.message ?? "\(error)")])
        }
    }
}
