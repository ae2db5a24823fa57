public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real SMTP server for the tests: Debian's aiosmtpd, run by /usr/bin/python3 on a free
/// loopback port, recording each message's envelope and content as a JSON file. Modes:
/// `plain`, `auth` (AUTH PLAIN/LOGIN, user `peerledger`, password `s3cret-pw`), `auth-login`
/// (LOGIN only), `starttls` (required), `tls` (implicit); `silent` accepts connections and never
/// answers; `no-ehlo` answers EHLO with 502 and accepts HELO; `slow` answers every command
/// after 0.1 s. Recipients starting with
/// `reject-` get 550, with `later-` 451.
public final class SMTPSink {
    static let python = "/usr/bin/python3"

    /// Why the SMTP tests cannot run here, or nil when aiosmtpd is installed.
    public static let unavailableReason: String? = {
        guard FileManager.default.isExecutableFile(atPath: python) else { return "\(python) is missing" }
        do {
            let probe = try runProgram(python, ["-c", "import aiosmtpd"], seconds: 30)
            return probe.status == 0 ? nil : "python3-aiosmtpd is not installed (apt-get install -y python3-aiosmtpd)"
        } catch {
            return "cannot run \(python): \(error)"
        }
    }()

    /// True when aiosmtpd can run here, and with `tls` when openssl can make the certificate the
    /// `starttls` and `tls` modes serve. Tests that need it are marked
    /// `.enabled(if: SMTPSink.available(), ...)`, so elsewhere they are reported skipped, not passed.
    public static func available(tls: Bool = false) -> Bool {
        unavailableReason == nil && (!tls || FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"))
    }

    public let port: Int
    public let folder: URL
    public let mode: String
    private var process: Process?

    /// One received message.
    public struct Received: Decodable, Sendable {
        public var mailFrom: String
        public var rcptTos: [String]
        public var content: String
        public var authenticated: String?

        enum CodingKeys: String, CodingKey {
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
            case content
            case authenticated
        }

        /// The header block, unfolded, one "Name: value" a line.
        public var headers: [String] {
            let block = content.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")[0]
            return block.replacingOccurrences(of: "\n ", with: " ").components(separatedBy: "\n")
        }

        public func header(_ name: String) -> String? {
            headers.first { $0.lowercased().hasPrefix(name.lowercased() + ": ") }.map { String($0.dropFirst(name.count + 2)) }
        }

        public var body: String {
            content.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
        }
    }

    public init(mode: String = "plain", port: Int? = nil) throws {
        self.port = try port ?? freeLoopbackPort()
        self.mode = mode
        folder = Scratch.url("smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { stop() }

    public var certificatePath: String { folder.appendingPathComponent("cert.pem").path }

    /// Starts the server and waits at most 10 s for it to say it is ready.
    public func start() async throws {
        if mode == "starttls" || mode == "tls", !FileManager.default.fileExists(atPath: certificatePath) { try await makeCertificate() }
        let script = folder.appendingPathComponent("sink.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [script.path, String(port), folder.path, mode]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/stderr")
        try process.run()
        self.process = process
        let ready = folder.appendingPathComponent("ready").path
        try await waitUntil("the SMTP sink (mode \(mode)) to listen on port \(port)", within: .seconds(10), every: .milliseconds(50)) {
            FileManager.default.fileExists(atPath: ready)
        }
    }

    /// Stops the server (by its pid) and waits for it.
    public func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL: the sink keeps nothing worth a clean exit, and a test runner may have left
        // SIGTERM blocked in the child.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("ready"))
        self.process = nil
    }

    /// The messages received so far, in order.
    public func received() throws -> [Received] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("msg-") && $0.hasSuffix(".json") }
            .sorted()
        return try files.map { try JSONDecoder().decode(Received.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    private func makeCertificate() async throws {
        let made = try await runProgram("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", folder.appendingPathComponent("key.pem").path, "-out", certificatePath,
        ], seconds: 60)
        guard made.status == 0 else { throw TestFailure("openssl could not make a test certificate: \(made.errors)") }
    }

    static let script = #"""
import asyncio, json, os, signal, socket, ssl, sys, threading, time

port, folder, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def ready():
    with open(os.path.join(folder, "ready"), "w") as f:
        f.write("ok")

def wait_for_term():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    while not stop.is_set():
        stop.wait(0.2)

if mode in ("silent", "no-ehlo", "slow"):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(5)
    def serve():
        while True:
            conn, _ = server.accept()
            if mode == "silent":
                continue
            f = conn.makefile("rwb")
            def say(line):
                if mode == "slow":
                    time.sleep(0.1)
                f.write(line.encode() + b"\r\n"); f.flush()
            say("220 no-ehlo.test ESMTP-less")
            data, rcpts, sender = False, [], None
            while True:
                line = f.readline()
                if not line: break
                text = line.decode().rstrip("\r\n")
                word = text.split(" ")[0].upper().split(":")[0]
                if word == "EHLO" and mode == "slow": say("250 slow.test")
                elif word == "EHLO": say("502 5.5.1 EHLO not implemented")
                elif word == "HELO": say("250 no-ehlo.test")
                elif word == "MAIL": sender = text[10:].strip("<>"); say("250 OK")
                elif word == "RCPT": rcpts.append(text[8:].strip("<>")); say("250 OK")
                elif word == "DATA":
                    say("354 go ahead")
                    lines = []
                    while True:
                        l = f.readline().decode()
                        if l == ".\r\n": break
                        lines.append(l[1:] if l.startswith("..") else l)
                    n = len([x for x in os.listdir(folder) if x.startswith("msg-")])
                    with open(os.path.join(folder, "msg-%04d.json" % n), "w") as out:
                        json.dump({"mail_from": sender, "rcpt_tos": rcpts, "content": "".join(lines)}, out)
                    say("250 2.0.0 Ok: queued as HELO%d" % n)
                elif word == "QUIT": say("221 bye"); break
                else: say("500 what")
            conn.close()
    threading.Thread(target=serve, daemon=True).start()
    ready()
    wait_for_term()
    sys.exit(0)

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-"):
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        if address.startswith("later-"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = len([x for x in os.listdir(folder) if x.startswith("msg-")])
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content": envelope.original_content.decode("utf-8", "replace"),
            "authenticated": logins[-1] if session.authenticated and logins else None,
        }
        tmp = os.path.join(folder, "tmp-%04d" % n)
        with open(tmp, "w") as out:
            json.dump(record, out)
        os.rename(tmp, os.path.join(folder, "msg-%04d.json" % n))
        return "250 2.0.0 Ok: queued as SINK%d" % n

logins = []

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"peerledger" and auth_data.password == b"s3cret-pw"
    if ok:
        logins.append(auth_data.login.decode() + " via " + mechanism)
    return AuthResult(success=ok, handled=False)

kwargs = {}
if mode in ("auth", "auth-login"):
    kwargs.update(authenticator=authenticator, auth_require_tls=False)
    if mode == "auth-login":
        kwargs["auth_exclude_mechanism"] = ["PLAIN"]
if mode in ("starttls", "tls"):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem"))
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    else:
        kwargs.update(ssl_context=context)

controller = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
if mode == "tls":
    # This version's readiness probe does not speak TLS: start() waits until a client has
    # connected, so connect once over TLS ourselves while it waits.
    controller._trigger_server = lambda: None
    starter = threading.Thread(target=controller.start)
    starter.start()
    poke = ssl.create_default_context()
    poke.check_hostname = False
    poke.verify_mode = ssl.CERT_NONE
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
                with poke.wrap_socket(raw) as tls:
                    tls.recv(100)
            break
        except OSError:
            time.sleep(0.05)
    starter.join()
else:
    controller.start()
ready()
wait_for_term()
controller.stop()
"""#
}
