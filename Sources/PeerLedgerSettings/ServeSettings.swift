import PeerLedger

/// `serve`'s settings, resolved: each setting's value and where it came from. A flag overrides
/// an environment variable, which overrides the configuration file, which overrides the default.
/// Every value was checked where it came from, so a wrong one is refused naming the key, variable
/// or flag that gave it, before anything is opened or started.
public struct ServeSettings: Sendable {
    public struct Entry: Sendable, Equatable {
        public let value: SettingValue
        public let source: SettingSource
    }

    public private(set) var entries: [String: Entry] = [:]
    /// Things worth telling the operator that do not stop the server (a secret file others may
    /// read, an environment variable that is no setting).
    public private(set) var warnings: [String] = []
    /// The configuration file, if one was given.
    public let file: String?

    init(file: String?) { self.file = file }

    /// Resolves the settings from the file (if any), the environment and the flags given on the
    /// command line (keyed by setting, e.g. `["port": "8443"]`). Every problem is reported at
    /// once; a secret's file is read only when its setting is the one that wins.
    public static func resolve(
        file: String?, environment: [String: String], flags: [String: String] = [:]
    ) throws(SettingsError) -> ServeSettings {
        var settings = ServeSettings(file: file)
        for setting in Setting.catalog {
            if let value = setting.defaultValue { settings.entries[setting.key] = Entry(value: value, source: .defaultValue) }
        }
        if let file {
            for (setting, value) in try SettingsFile.entries(path: file) {
                settings.entries[setting.key] = Entry(value: value, source: .file(file))
            }
        }
        var problems: [SettingsProblem] = []
        settings.applyEnvironment(environment, problems: &problems)
        for (key, text) in flags.sorted(by: { $0.key < $1.key }) {
            guard let setting = Setting.named(key) else {
                problems.append(SettingsProblem("--\(key) is not a setting", isFlag: true))
                continue
            }
            do throws(SettingsProblem) {
                settings.entries[key] = Entry(value: try setting.value(fromText: text, place: setting.flag), source: .flag(setting.flag))
            } catch {
                problems.append(SettingsProblem(error.message, isFlag: true))
            }
        }
        settings.checkTogether(problems: &problems)
        if problems.isEmpty { settings.readSecrets(problems: &problems) }
        guard problems.isEmpty else { throw SettingsError(problems: problems) }
        return settings
    }

    private mutating func applyEnvironment(_ environment: [String: String], problems: inout [SettingsProblem]) {
        var known: Set<String> = []
        for setting in Setting.catalog {
            let variable = setting.environmentVariable
            known.insert(variable)
            // An empty variable counts as unset: an EnvironmentFile line `PEERLEDGER_X=` clears it.
            let given = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
            if case let .secretFile(secretVariable) = setting.kind {
                known.insert(secretVariable)
                if let secret = environment[secretVariable], !secret.isEmpty {
                    guard given == nil else {
                        problems.append(SettingsProblem("\(variable) and \(secretVariable) are both set: set one of them"))
                        continue
                    }
                    entries[setting.key] = Entry(
                        value: .secret(Secret(secret), from: .environment(secretVariable)), source: .environment(secretVariable))
                    continue
                }
            }
            guard let given else { continue }
            do throws(SettingsProblem) {
                entries[setting.key] = Entry(value: try setting.value(fromText: given, place: variable), source: .environment(variable))
            } catch {
                problems.append(error)
            }
        }
        for variable in environment.keys.sorted() where variable.hasPrefix("PEERLEDGER_") && !known.contains(variable) {
            let key = variable.dropFirst("PEERLEDGER_".count).lowercased()
            let suggestion = Setting.closest(to: key).map { " (did you mean PEERLEDGER_\($0.uppercased())?)" } ?? ""
            warnings.append("\(variable) is set but is not a setting; it is ignored\(suggestion)")
        }
    }

    /// Settings that only make sense with another.
    private func checkTogether(problems: inout [SettingsProblem]) {
        switch (entries["tls_cert"], entries["tls_key"]) {
        case let (cert?, nil):
            problems.append(SettingsProblem("tls_cert is set (\(cert.source)) but tls_key is not: HTTPS needs both"))
        case let (nil, key?):
            problems.append(SettingsProblem("tls_key is set (\(key.source)) but tls_cert is not: HTTPS needs both"))
        default:
            break
        }
    }

    /// Reads each secret from the file its setting names, now, so a missing or unreadable file is
    /// refused before the server starts rather than at the first mail.
    private mutating func readSecrets(problems: inout [SettingsProblem]) {
        for setting in Setting.catalog {
            guard case .secretFile = setting.kind, let entry = entries[setting.key], case let .text(path) = entry.value else { continue }
            let place: String
            switch entry.source {
            case let .file(file): place = "\(file): \(setting.key)"
            case let .environment(variable): place = variable
            case let .flag(flag): place = flag
            case .defaultValue: place = setting.key
            }
            do throws(SettingsProblem) {
                let secret = try Secret.read(file: path, place: place, warnings: &warnings)
                entries[setting.key] = Entry(value: .secret(secret, from: .file(path)), source: entry.source)
            } catch {
                if case .flag = entry.source { problems.append(SettingsProblem(error.message, isFlag: true)) } else { problems.append(error) }
            }
        }
    }
}

extension ServeSettings {
    public func text(_ key: String) -> String? {
        guard case let .text(text)? = entries[key]?.value else { return nil }
        return text
    }

    public func integer(_ key: String) -> Int64? {
        guard case let .integer(number)? = entries[key]?.value else { return nil }
        return number
    }

    public func boolean(_ key: String) -> Bool {
        guard case let .boolean(flag)? = entries[key]?.value else { return false }
        return flag
    }

    public func secret(_ key: String) -> Secret? {
        guard case let .secret(secret, _)? = entries[key]?.value else { return nil }
        return secret
    }

    public func source(of key: String) -> SettingSource? { entries[key]?.source }

    // The settings by name. Defaults make the non-optional ones always present; the ranges make
    // every conversion to Int exact.
    public var host: String { text("host") ?? "127.0.0.1" }
    public var port: Int { Int(integer("port") ?? 8080) }
    public var tlsCertificate: String? { text("tls_cert") }
    public var tlsKey: String? { text("tls_key") }
    public var logLevel: String { text("log_level") ?? "info" }
    public var database: String { text("db") ?? "peerledger.sqlite" }
    /// The log of record on PostgreSQL (`postgres://…`), or nil: the file `database` is the log.
    public var store: String? { text("store") }
    public var storePassword: Secret? { secret("store_password_file") }
    public var ourParticipantID: Int64? { integer("our_participant_id") }
    public var mailFrom: String? { text("mail_from") }
    public var quietPeriodDays: Int { Int(integer("quiet_period_days") ?? 30) }
    public var requestEmailType: String { text("request_email_type") ?? "text" }
    public var mailTransport: String { text("mail_transport") ?? "smtp" }
    public var sendmail: String { text("sendmail") ?? "/usr/sbin/sendmail" }
    public var smtpHost: String { text("smtp_host") ?? "127.0.0.1" }
    public var smtpPort: Int? { integer("smtp_port").map { Int($0) } }
    public var smtpSecurity: String { text("smtp_security") ?? "none" }
    public var smtpUsername: String? { text("smtp_username") }
    public var smtpPassword: Secret? { secret("smtp_password_file") }
    public var smtpCAFile: String? { text("smtp_ca_file") }
    public var smtpHelo: String? { text("smtp_helo") }
    public var smtpTimeout: Int { Int(integer("smtp_timeout") ?? 30) }
    public var smtpAllowPlaintextAuth: Bool { boolean("smtp_allow_plaintext_auth") }
    public var maxAttempts: Int { Int(integer("max_attempts") ?? 6) }
    public var retryDelay: Int { Int(integer("retry_delay") ?? 60) }
    public var outboxInterval: Int { Int(integer("outbox_interval") ?? 30) }
    public var pollInterval: Int { Int(integer("poll_interval") ?? 60) }
    public var webhookInterval: Int { Int(integer("webhook_interval") ?? 5) }
    public var webhookTimeout: Int { Int(integer("webhook_timeout") ?? 10) }
    public var webhookDisableAfterDays: Int64 { integer("webhook_disable_after_days") ?? 3 }
    public var snapshotEvery: Int64 { integer("snapshot_every") ?? ProjectionSnapshots.defaultInterval }

    /// One line per setting that has a value, `key  value  (source)`, for `config check`:
    /// a secret shows where it was read from, never what it is.
    public func summary() -> [String] {
        let rows = Setting.catalog.compactMap { setting in entries[setting.key].map { (setting.key, $0) } }
        let keyWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = min(48, rows.map { $0.1.value.description.count }.max() ?? 0)
        return rows.map { key, entry in
            let value = entry.value.description
            let padded = value.count < valueWidth ? value + String(repeating: " ", count: valueWidth - value.count) : value
            return "  \(key)\(String(repeating: " ", count: keyWidth - key.count))  \(padded)  (\(entry.source))"
        }
    }
}
