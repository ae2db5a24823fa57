import Foundation
import PeerLedgerSettings
import PeerLedgerTestSupport
import Testing

/// Writes a configuration file into the scratch folder; its path.
func configurationFile(_ text: String, name: String = "peerledger") -> String {
    let path = Scratch.url("\(name)-\(UUID().uuidString).toml").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

/// Writes a secret file with the given mode; its path.
func secretFile(_ text: String, mode: Int = 0o600) throws -> String {
    let path = Scratch.url("secret-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    return path
}

/// The example configuration the package installs, in this checkout.
let exampleConfiguration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("dist/peerledger.toml.example").path

/// The problems a resolution reports, or none if it succeeded.
func problems(file: String?, environment: [String: String] = [:], flags: [String: String] = [:]) -> [String] {
    do {
        _ = try ServeSettings.resolve(file: file, environment: environment, flags: flags)
        return []
    } catch {
        return error.problems.map(\.message)
    }
}

@Suite("serve's settings: file, environment, flags")
struct SettingsTests {
    static let file = """
        host = "192.0.2.10"
        port = 8443
        db = "/var/lib/peerledger/peerledger.sqlite"
        smtp_host = "relay.example.net"
        poll_interval = 120
        """

    @Test("a flag overrides the environment, which overrides the file, which overrides the default")
    func precedence() throws {
        let path = configurationFile(Self.file)
        let fileOnly = try ServeSettings.resolve(file: path, environment: [:])
        #expect(fileOnly.port == 8443)
        #expect(fileOnly.source(of: "port") == .file(path))
        #expect(fileOnly.smtpHost == "relay.example.net")
        #expect(fileOnly.outboxInterval == 30)
        #expect(fileOnly.source(of: "outbox_interval") == .defaultValue)

        let environment = ["PEERLEDGER_PORT": "9443", "PEERLEDGER_SMTP_HOST": "smtp.6connect.net", "PEERLEDGER_POLL_INTERVAL": "300"]
        let withEnvironment = try ServeSettings.resolve(file: path, environment: environment)
        #expect(withEnvironment.port == 9443)
        #expect(withEnvironment.source(of: "port") == .environment("PEERLEDGER_PORT"))
        #expect(withEnvironment.smtpHost == "smtp.6connect.net")
        #expect(withEnvironment.pollInterval == 300)
        #expect(withEnvironment.host == "192.0.2.10")

        let withFlags = try ServeSettings.resolve(file: path, environment: environment, flags: ["port": "10443", "poll_interval": "0"])
        #expect(withFlags.port == 10443)
        #expect(withFlags.source(of: "port") == .flag("--port"))
        #expect(withFlags.pollInterval == 0)
        #expect(withFlags.smtpHost == "smtp.6connect.net")
        #expect(withFlags.database == "/var/lib/peerledger/peerledger.sqlite")

        let nothing = try ServeSettings.resolve(file: nil, environment: [:])
        #expect(nothing.port == 8080 && nothing.host == "127.0.0.1" && nothing.database == "peerledger.sqlite")
    }

    @Test("unknown keys are refused by name, with the nearest real key, and their values are never repeated")
    func unknownKeys() throws {
        let path = configurationFile(
            """
            smtp_passwrd_file = "/etc/peerledger/smtp-password"
            listen = "0.0.0.0:8080"
            [smtp]
            host = "relay.example.net"
            """)
        let found = problems(file: path)
        #expect(
            found == [
                "\(path): smtp_passwrd_file: unknown key (did you mean smtp_password_file?)",
                "\(path): listen: unknown key",
                "\(path): smtp: unknown table [smtp]: every setting is a top-level key, e.g. smtp_host = \"relay.example.net\"",
            ])
        #expect(!found.joined().contains("0.0.0.0:8080"))
    }

    @Test("every wrong value is named with its key and the value it got, all at once")
    func wrongValues() throws {
        let path = configurationFile(
            """
            port = 70000
            poll_interval = "60"
            smtp_security = "ssl"
            snapshot_every = -1
            smtp_allow_plaintext_auth = "yes"
            retry_delay = 1.5
            mail_from = "peering at example.net"
            our_participant_id = 0
            """)
        #expect(
            problems(file: path) == [
                "\(path): port must be from 0 to 65535, got 70000",
                "\(path): poll_interval must be a number, without quotes: poll_interval = 60",
                "\(path): smtp_security must be none, starttls or tls, got 'ssl'",
                "\(path): snapshot_every must be from 0 to 9223372036854775807 events, got -1",
                "\(path): smtp_allow_plaintext_auth must be true or false, got the text \"yes\"",
                "\(path): retry_delay must be a whole number from 1 to 86400 seconds, got a value of type floating-point number",
                "\(path): mail_from must be a valid mail address such as user@example.net, got 'peering at example.net'",
                "\(path): our_participant_id must be from 1 to 9223372036854775807, got 0",
            ])
    }

    @Test("a number too large for 64 bits is refused naming the line, the environment variable or the flag")
    func overflowingNumbers() throws {
        let path = configurationFile("snapshot_every = 9223372036854775808\n")
        let fromFile = problems(file: path)
        #expect(fromFile.count == 1)
        #expect(fromFile.first?.hasPrefix("\(path) line 1, column ") == true, "\(fromFile)")
        #expect(fromFile.first?.contains("not representable in 64 bits") == true, "\(fromFile)")
        #expect(
            problems(file: nil, environment: ["PEERLEDGER_SNAPSHOT_EVERY": "9223372036854775808", "PEERLEDGER_PORT": "eighty"]) == [
                "PEERLEDGER_PORT must be a whole number from 0 to 65535, got 'eighty'",
                "PEERLEDGER_SNAPSHOT_EVERY must be a whole number from 0 to 9223372036854775807 events, got '9223372036854775808'",
            ])
        #expect(problems(file: nil, flags: ["outbox_interval": "-30"]) == ["--outbox-interval must be from 0 to 86400 seconds, got -30"])
    }

    @Test("the SMTP password is read from smtp_password_file, its trailing newline dropped, and never shown")
    func secretFromFile() throws {
        let password = try secretFile("s3cret-relay-pass\n")
        let path = configurationFile("smtp_username = \"peering\"\nsmtp_password_file = \"\(password)\"\n")
        let settings = try ServeSettings.resolve(file: path, environment: [:])
        #expect(settings.smtpPassword?.reveal() == "s3cret-relay-pass")
        #expect(settings.warnings.isEmpty)
        let summary = settings.summary().joined(separator: "\n")
        #expect(summary.contains("smtp_password_file"))
        #expect(summary.contains("(secret, read from \(password))"))
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [summary, dumped, "\(settings)", String(reflecting: settings)] {
            #expect(!text.contains("s3cret-relay-pass"))
        }
    }

    @Test("PEERLEDGER_SMTP_PASSWORD overrides the file's smtp_password_file, whose file is then not read")
    func secretFromEnvironment() throws {
        let path = configurationFile("smtp_password_file = \"/nonexistent/smtp-password\"\n")
        let settings = try ServeSettings.resolve(file: path, environment: ["PEERLEDGER_SMTP_PASSWORD": "env-relay-pass"])
        #expect(settings.smtpPassword?.reveal() == "env-relay-pass")
        #expect(settings.source(of: "smtp_password_file") == .environment("PEERLEDGER_SMTP_PASSWORD"))
        #expect(!settings.summary().joined().contains("env-relay-pass"))
        #expect(
            problems(file: nil, environment: ["PEERLEDGER_SMTP_PASSWORD": "a", "PEERLEDGER_SMTP_PASSWORD_FILE": "/etc/peerledger/smtp-password"])
                == ["PEERLEDGER_SMTP_PASSWORD_FILE and PEERLEDGER_SMTP_PASSWORD are both set: set one of them"])
    }

    @Test("a password written inline in the file is refused, naming the key and the two ways to give it, without repeating it")
    func inlineSecretRefused() {
        let path = configurationFile("smtp_password = \"hunter2-relay\"\n")
        let found = problems(file: path)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("\(path): smtp_password: a secret is not taken inline in the configuration file") == true)
        #expect(found.first?.contains("smtp_password_file") == true)
        #expect(found.first?.contains("PEERLEDGER_SMTP_PASSWORD") == true)
        #expect(!found.joined().contains("hunter2-relay"))
    }

    @Test("a line the TOML parser cannot read is named by line and column, and its text is not quoted when it may hold a password")
    func parseErrorHidesSecrets() {
        let path = configurationFile("port = 8080\nsmtp_password = 'hunter2-relay\n")
        let found = problems(file: path)
        #expect(found == ["\(path) line 2, column 31: not valid TOML (the parser's message is not shown: the line may hold a secret)"])
    }

    @Test("a secret file that is missing, empty or of two lines is refused naming the setting and the path; one others may read is a warning")
    func secretFileProblems() throws {
        #expect(
            problems(file: nil, flags: ["smtp_password_file": "/nonexistent/smtp-password"]) == [
                "--smtp-password-file names /nonexistent/smtp-password, which cannot be read (no such file)"
            ])
        let empty = try secretFile("\n")
        #expect(problems(file: nil, environment: ["PEERLEDGER_SMTP_PASSWORD_FILE": empty]) == ["PEERLEDGER_SMTP_PASSWORD_FILE names \(empty), which is empty"])
        let twoLines = try secretFile("s3cret-relay-pass\nold-relay-pass\n")
        let refused = problems(file: nil, flags: ["smtp_password_file": twoLines])
        #expect(refused == ["--smtp-password-file names \(twoLines), which holds more than one line: the secret must be its only line"])
        #expect(!refused.joined().contains("relay-pass"))
        let windows = try secretFile("s3cret-relay-pass\r\n")
        #expect(try ServeSettings.resolve(file: nil, environment: [:], flags: ["smtp_password_file": windows]).smtpPassword?.reveal() == "s3cret-relay-pass")
        let shared = try secretFile("s3cret-relay-pass", mode: 0o644)
        let settings = try ServeSettings.resolve(file: nil, environment: [:], flags: ["smtp_password_file": shared])
        #expect(
            settings.warnings == [
                "--smtp-password-file names \(shared), which users other than its owner may read (mode 644): chmod 600 it"
            ])
    }

    @Test("tls_cert without tls_key is refused with the reason; store takes a PostgreSQL URL and its password from the environment")
    func togetherAndStore() throws {
        let path = configurationFile("store = \"postgres://ledger@db.example.net/peerledger?sslmode=verify-full\"\n")
        let settings = try ServeSettings.resolve(file: path, environment: ["PEERLEDGER_STORE_PASSWORD": "pg-pass"])
        #expect(settings.store == "postgres://ledger@db.example.net/peerledger?sslmode=verify-full")
        #expect(settings.storePassword?.reveal() == "pg-pass")
        #expect(!settings.summary().joined().contains("pg-pass"))
        let certificateOnly = configurationFile("tls_cert = \"/etc/peerledger/tls/fullchain.pem\"\n")
        #expect(problems(file: certificateOnly) == ["tls_cert is set (file \(certificateOnly)) but tls_key is not: HTTPS needs both"])
    }

    @Test("an environment variable that is no setting is a warning naming the nearest one; an empty one counts as unset")
    func unknownEnvironment() throws {
        let settings = try ServeSettings.resolve(file: nil, environment: ["PEERLEDGER_SMTP_HOTS": "relay.example.net", "PEERLEDGER_PORT": ""])
        #expect(settings.warnings == ["PEERLEDGER_SMTP_HOTS is set but is not a setting; it is ignored (did you mean PEERLEDGER_SMTP_HOST?)"])
        #expect(settings.port == 8080)
    }

    @Test("dist/peerledger.toml.example names every setting and is itself a valid configuration")
    func exampleFile() throws {
        let example = exampleConfiguration
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.hasPrefix("# ") ? String($0.dropFirst(2)) : String($0) }
        for setting in Setting.catalog {
            #expect(lines.contains { $0.hasPrefix("\(setting.key) = ") }, "\(setting.key) is missing from the example")
        }
        let settings = try ServeSettings.resolve(file: example, environment: [:])
        #expect(settings.database == "/var/lib/peerledger/peerledger.sqlite")
        #expect(settings.host == "127.0.0.1")
    }
}
