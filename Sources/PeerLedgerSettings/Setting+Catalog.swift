import PeerLedger

/// Every setting `serve` takes, in the order `config check` and the example file list them.
extension Setting {
    /// The longest wait any interval or timeout takes: a day.
    public static let longestIntervalSeconds: Int64 = 86_400

    public static let catalog: [Setting] = [
        // Listening
        Setting("host", .text, default: .text("127.0.0.1"), "Address to listen on."),
        Setting("port", .integer(0...65_535, unit: ""), default: .integer(8080), "Port to listen on (0 picks a free one)."),
        Setting("tls_cert", .path, "PEM file of the server's certificate chain, leaf first; with tls_key, serve HTTPS."),
        Setting("tls_key", .path, "PEM file of the certificate's private key."),
        Setting("log_level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: .text("info"), "Log level."),
        // The store
        Setting("db", .path, default: .text("peerledger.sqlite"), "The ledger's SQLite file (with store: this node's copy of the log)."),
        Setting("store", .text, "The log of record on PostgreSQL, postgres://USER@HOST[:PORT][,HOST[:PORT]...]/DB?sslmode=MODE, shared by several nodes."),
        Setting("store_password_file", .secretFile(variable: "PEERLEDGER_STORE_PASSWORD"), "A file holding the PostgreSQL password of store."),
        // Peering requests
        Setting("our_participant_id", .integer(1...Int64.max, unit: ""), "Our own network's PeeringDB id, the source of sendEmail's requests."),
        Setting("mail_from", .mailbox, "From of sendEmail's requests, e.g. 'Operations <ops@example.net>'."),
        Setting("quiet_period_days", .integer(0...36_500, unit: "days"), default: .integer(30), "Days between two requests to one network (force=1 overrides)."),
        Setting("template_subject", .path, "A Mustache file replacing the request subject template."),
        Setting("template_text", .path, "A Mustache file replacing the request text template."),
        Setting("template_html", .path, "A Mustache file replacing the request HTML template."),
        Setting("request_email_type", .choice(["text", "html"]), default: .text("text"), "sendEmail sends text, or html with a text alternative."),
        // Mail delivery
        Setting("mail_transport", .choice(["smtp", "sendmail"]), default: .text("smtp"), "How the outbox sends mail: smtp or sendmail."),
        Setting("sendmail", .path, default: .text("/usr/sbin/sendmail"), "The sendmail-compatible program (mail_transport = \"sendmail\")."),
        Setting("smtp_host", .text, default: .text("127.0.0.1"), "SMTP relay."),
        Setting("smtp_port", .integer(1...65_535, unit: ""), "SMTP port (default 25, or 465 with smtp_security = \"tls\")."),
        Setting("smtp_security", .choice(["none", "starttls", "tls"]), default: .text("none"), "none, starttls or tls (implicit TLS)."),
        Setting("smtp_username", .text, "SMTP AUTH user."),
        Setting("smtp_password_file", .secretFile(variable: "PEERLEDGER_SMTP_PASSWORD"), "A file holding the SMTP password."),
        Setting("smtp_ca_file", .path, "PEM file of CAs to trust for the relay's certificate (default the system's)."),
        Setting("smtp_helo", .text, "Name given in EHLO (default this host's name)."),
        Setting("smtp_timeout", .integer(1...3600, unit: "seconds"), default: .integer(30), "Seconds to wait for the relay's connection and each reply."),
        Setting("smtp_allow_plaintext_auth", .boolean, default: .boolean(false), "Allow AUTH over an unencrypted connection (a local relay only)."),
        Setting("max_attempts", .integer(1...1000, unit: ""), default: .integer(6), "Delivery attempts before a request is failed for good."),
        Setting(
            "retry_delay", .integer(1...longestIntervalSeconds, unit: "seconds"), default: .integer(60),
            "Seconds before the first retry; each further retry waits twice as long, at most an hour."),
        // Background work
        Setting(
            "outbox_interval", .integer(0...longestIntervalSeconds, unit: "seconds"), default: .integer(30),
            "Seconds between outbox delivery passes (0: delivery is left to 'peerledger outbox deliver')."),
        Setting(
            "poll_interval", .integer(0...longestIntervalSeconds, unit: "seconds"), default: .integer(60),
            "Seconds between polls of every router's BGP neighbors (0: no polling)."),
        // Webhooks
        Setting(
            "webhook_interval", .integer(0...longestIntervalSeconds, unit: "seconds"), default: .integer(5),
            "Seconds between webhook delivery passes (deliveries also start as soon as a write commits; 0: no deliveries)."),
        Setting(
            "webhook_timeout", .integer(1...300, unit: "seconds"), default: .integer(10),
            "Seconds a webhook receiver has to answer one delivery."),
        Setting(
            "webhook_disable_after_days", .integer(1...365, unit: "days"), default: .integer(3),
            "Days of continuous delivery failure after which a webhook subscription is disabled."),
        Setting(
            "snapshot_every", .integer(0...Int64.max, unit: "events"), default: .integer(ProjectionSnapshots.defaultInterval),
            "Events between projection snapshots, which make reads as_of a past moment fast (0: none)."),
    ]

    /// Keys the file knows but does not take yet, each with the reason given when it is used.
    static let reserved: [String: String] = [:]

    public static func named(_ key: String) -> Setting? { catalog.first { $0.key == key } }
}
