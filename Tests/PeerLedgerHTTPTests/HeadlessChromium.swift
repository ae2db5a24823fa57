import Foundation
import PeerLedgerTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `chromium`, headless, driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: commands in on fd 3, answers out on fd 4, each JSON message ended
/// by a NUL byte), so a test can load pages, fill and submit forms, read the page and take
/// screenshots as a person's browser would. Every wait is bounded; `close` kills the browser.
/// Its calls block: use it off Swift's cooperative pool (`offPool`).
final class HeadlessChromium: @unchecked Sendable {
    /// The `chromium` binary on PATH, or nil (the tests that need it are then skipped).
    static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/chromium" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    private let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private var nextID = 0
    private var buffered: [UInt8] = []
    private var sessionID: String?
    private let profile: URL

    init(width: Int = 1280, height: Int = 900) throws {
        guard let path = Self.path else { throw TestFailure("chromium is not installed (apt-get install chromium)") }
        profile = Scratch.url("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw TestFailure("pipe() failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [
            path, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
            "--disable-dev-shm-usage", "--window-size=\(width),\(height)", "--user-data-dir=\(profile.path)", "about:blank",
        ]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, path, &actions, nil, &argv, environ)
        Glibc.close(toBrowser[0])
        Glibc.close(fromBrowser[1])
        guard spawned == 0 else {
            Glibc.close(toBrowser[1])
            Glibc.close(fromBrowser[0])
            throw TestFailure("chromium could not be started: error \(spawned)")
        }
        pid = child
        commands = toBrowser[1]
        answers = fromBrowser[0]
        let target = try call("Target.createTarget", ["url": "about:blank"], browserLevel: true)
        guard let targetID = target["targetId"] as? String else { throw TestFailure("Target.createTarget gave no targetId: \(target)") }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true], browserLevel: true)
        guard let session = attached["sessionId"] as? String else { throw TestFailure("Target.attachToTarget gave no sessionId: \(attached)") }
        sessionID = session
        // A headless page is never the focused window; without this, focus and :focus-visible
        // would not follow the keyboard as in a person's browser.
        _ = try call("Emulation.setFocusEmulationEnabled", ["enabled": true])
        try resize(width: width, height: height)
    }

    func close() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        Glibc.close(commands)
        Glibc.close(answers)
        try? FileManager.default.removeItem(at: profile)
    }

    func resize(width: Int, height: Int) throws {
        _ = try call(
            "Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600])
    }

    /// Loads `url` and waits until the page at `path` has loaded.
    func open(_ url: String, path: String) throws {
        _ = try call("Page.navigate", ["url": url])
        try waitUntil("location.pathname === \(Self.literal(path)) && document.readyState === 'complete'", what: "\(url) loaded")
    }

    /// The value of a JavaScript expression in the page (strings, numbers, booleans), or nil
    /// when it threw or the page was between two documents.
    func evaluate(_ expression: String) throws -> Any? {
        let answer = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        guard answer["exceptionDetails"] == nil, let result = answer["result"] as? [String: Any] else { return nil }
        return result["value"]
    }

    /// Waits, at most `seconds`, until the page has loaded and `condition` (JavaScript) is true.
    func waitUntil(_ condition: String, what: String, seconds: Double = 15) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? evaluate("document.readyState === 'complete' && Boolean(\(condition))")) as? Bool == true { return }
            usleep(100_000)
        }
        let text = (try? evaluate("location.href + ' ' + document.body.innerText.slice(0, 400)")) as? String ?? "?"
        throw TestFailure("waited \(seconds) s for \(what); the page is \(text)")
    }

    /// The page's visible text.
    func text() throws -> String { try evaluate("document.body.innerText") as? String ?? "" }

    /// Sets the value of the input or textarea matching `selector`.
    func fill(_ selector: String, _ value: String) throws {
        let done = try evaluate(
            "(function(){ var e = document.querySelector(\(Self.literal(selector))); if (!e) return false; e.value = \(Self.literal(value)); return true; })()")
        guard done as? Bool == true else { throw TestFailure("no field \(selector) on the page") }
    }

    /// Submits the form matching `selector` as its submit button would.
    func submit(_ selector: String) throws {
        let done = try evaluate(
            "(function(){ var f = document.querySelector(\(Self.literal(selector))); if (!f) return false; f.requestSubmit(); return true; })()")
        guard done as? Bool == true else { throw TestFailure("no form \(selector) on the page") }
    }

    /// A key the keyboard user presses: Tab (Shift+Tab with `shift`) or Enter, as the browser's
    /// own key events, so focus moves and links and forms act as they do for a person.
    enum Key: String {
        case tab = "Tab", enter = "Enter"
        var code: Int { self == .tab ? 9 : 13 }
    }

    func press(_ key: Key, shift: Bool = false) throws {
        var down: [String: Any] = [
            "type": "keyDown", "key": key.rawValue, "code": key.rawValue, "windowsVirtualKeyCode": key.code,
            "nativeVirtualKeyCode": key.code, "modifiers": shift ? 8 : 0,
        ]
        if key == .enter { down["text"] = "\r" }
        _ = try call("Input.dispatchKeyEvent", down)
        _ = try call(
            "Input.dispatchKeyEvent",
            ["type": "keyUp", "key": key.rawValue, "code": key.rawValue, "windowsVirtualKeyCode": key.code, "nativeVirtualKeyCode": key.code,
             "modifiers": shift ? 8 : 0])
    }

    /// Types `text` into the focused field, as a keyboard would.
    func type(_ text: String) throws {
        _ = try call("Input.insertText", ["text": text])
    }

    /// The focused element as `tag:id` or, without an id, `tag:its text` (`a:Dashboard`).
    func focused() throws -> String {
        try evaluate(
            "(function(){ var e = document.activeElement; if (!e) return ''; return e.tagName.toLowerCase() + ':' + (e.id || (e.innerText || e.value || '').trim()); })()"
        ) as? String ?? ""
    }

    /// Whether the focused element shows that it has the focus (an outline of 2 px or more from
    /// `:focus-visible`) inside the viewport.
    func focusIsVisible() throws -> Bool {
        try evaluate(
            """
            (function(){ var e = document.activeElement; if (!e || e === document.body) return false;
              var s = getComputedStyle(e), r = e.getBoundingClientRect();
              return e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
                && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth; })()
            """) as? Bool == true
    }

    /// Presses Tab, at most `limit` times, until the element `tag:id` (as `focused()` names it)
    /// has the focus; returns every element focused on the way, in order.
    func tab(to target: String, limit: Int = 25) throws -> [String] {
        var path: [String] = []
        for _ in 0..<limit {
            try press(.tab)
            let now = try focused()
            path.append(now)
            if now == target { return path }
        }
        throw TestFailure("\(limit) presses of Tab did not reach \(target); they reached \(path)")
    }

    /// A PNG of the page as shown, written to `file`.
    func screenshot(to file: URL) throws {
        let answer = try call("Page.captureScreenshot", ["format": "png"])
        guard let base64 = answer["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw TestFailure("Page.captureScreenshot gave no image")
        }
        try data.write(to: file)
    }

    static func literal(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    // MARK: The protocol

    /// Sends a command and waits (at most 20 s) for its answer; a protocol error fails the test.
    private func call(_ method: String, _ parameters: [String: Any] = [:], browserLevel: Bool = false) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if !browserLevel, let sessionID { message["sessionId"] = sessionID }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard count > 0 else { throw TestFailure("chromium stopped reading commands (\(method))") }
            written += count
        }
        let deadline = Date().addingTimeInterval(20)
        while true {
            let answer = try nextMessage(until: deadline, waitingFor: method)
            guard answer["id"] as? Int == id else { continue }  // events and older answers
            if let error = answer["error"] as? [String: Any] { throw TestFailure("\(method) failed: \(error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(until deadline: Date, waitingFor method: String) throws -> [String: Any] {
        while true {
            if let end = buffered.firstIndex(of: 0) {
                let message = Array(buffered[..<end])
                buffered.removeSubrange(...end)
                return (try JSONSerialization.jsonObject(with: Data(message))) as? [String: Any] ?? [:]
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw TestFailure("chromium did not answer \(method) within 20 s") }
            var poller = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 1) * 1000))
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = read(answers, &chunk, chunk.count)
            guard count > 0 else { throw TestFailure("chromium closed its answers while \(method) was waiting") }
            buffered.append(contentsOf: chunk[..<count])
        }
    }
}
