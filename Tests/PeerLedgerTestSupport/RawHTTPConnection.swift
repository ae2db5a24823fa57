import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a loopback port that sends bytes exactly as given: what a test
/// needs to speak HTTP/1.0, send a request no HTTP client library would build, and see whether
/// the server closed the connection. Every read is bounded by a time limit.
///
/// The socket calls block, so each runs on a thread of its own (`offPool`), never on Swift's
/// cooperative pool: an in-process server answers on that pool, and a test blocking it would
/// wait on itself.
public final class RawHTTPConnection: @unchecked Sendable {
    private let socket: Int32
    private var buffer: [UInt8] = []

    /// One HTTP response as read off the wire.
    public struct Response: Sendable {
        public var statusLine: String
        public var headers: [(name: String, value: String)]
        public var body: String

        public var status: Int? { statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw TestFailure("connect to port \(port) failed: errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// Sends every byte it can; a server that closes early (after refusing a huge request) ends
    /// the sending quietly (MSG_NOSIGNAL: no SIGPIPE), and the answer is read as usual.
    public func send(_ text: String) async { await offPool { self.sendNow(Array(text.utf8)) } }

    /// Reads one response (head and a Content-Length body); nil when the connection ended or the
    /// time limit passed first.
    public func readResponse() async -> Response? { await offPool { self.readResponseNow() } }

    /// True when the server closes the connection within `seconds` (a read sees the end), false
    /// when the connection is still open then.
    public func isClosedByServer(within seconds: Int) async -> Bool { await offPool { self.isClosedNow(within: seconds) } }

    private func sendNow(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private func readResponseNow() -> Response? {
        guard let headEnd = readUntil(Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < length {
            guard readMore() else { return nil }
        }
        let body = String(decoding: buffer[..<length], as: UTF8.self)
        buffer.removeFirst(length)
        return Response(statusLine: statusLine, headers: headers, body: body)
    }

    /// One Server-Sent Events message: its `id:`, `event:` and `data:` lines (several `data:`
    /// lines joined by line breaks), or a comment alone.
    public struct ServerSentEvent: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String?
        public var comments: [String] = []

        public init(id: String? = nil, event: String? = nil, data: String? = nil, comments: [String] = []) {
            self.id = id
            self.event = event
            self.data = data
            self.comments = comments
        }
    }

    /// Reads the head of a streamed response (status line and headers), leaving its body to
    /// `readServerSentEvent`; nil when the connection ended or the time limit passed first.
    public func readHead() async -> Response? { await offPool { self.readHeadNow() } }

    /// Reads the next message of a `text/event-stream` body sent with chunked transfer coding;
    /// nil when the stream ended or the time limit (the connection's) passed first.
    public func readServerSentEvent() async -> ServerSentEvent? { await offPool { self.readServerSentEventNow() } }

    /// Shuts the connection down both ways now: the server sees the client go.
    public func disconnect() { shutdown(socket, Int32(SHUT_RDWR)) }

    /// The body bytes de-chunked so far and not yet taken as messages.
    private var eventBytes: [UInt8] = []

    private func readHeadNow() -> Response? {
        guard let headEnd = readUntil(Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Response(statusLine: statusLine, headers: headers, body: "")
    }

    private func readServerSentEventNow() -> ServerSentEvent? {
        while true {
            if let end = Self.firstIndex(of: Array("\n\n".utf8), in: eventBytes) {
                let text = String(decoding: eventBytes[..<end], as: UTF8.self)
                eventBytes.removeFirst(end + 2)
                var message = ServerSentEvent()
                var data: [String] = []
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") {
                        message.comments.append(line.dropFirst().trimmingCharacters(in: .whitespaces))
                        continue
                    }
                    let (field, value) = line.firstIndex(of: ":").map { (line[..<$0], line[line.index(after: $0)...]) } ?? (line[...], ""[...])
                    let text = value.hasPrefix(" ") ? String(value.dropFirst()) : String(value)
                    switch field {
                    case "id": message.id = text
                    case "event": message.event = text
                    case "data": data.append(text)
                    default: break
                    }
                }
                if !data.isEmpty { message.data = data.joined(separator: "\n") }
                return message
            }
            guard readChunkNow() else { return nil }
        }
    }

    /// Reads one chunk of a chunked body into `eventBytes`; false at the last chunk or the end.
    private func readChunkNow() -> Bool {
        guard let lineEnd = readUntil(Array("\r\n".utf8)) else { return false }
        let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
        buffer.removeFirst(lineEnd + 2)
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { return false }
        while buffer.count < size + 2 {
            guard readMore() else { return false }
        }
        eventBytes += buffer[..<size]
        buffer.removeFirst(size + 2)
        return true
    }

    private static func firstIndex(of marker: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            return start
        }
        return nil
    }

    private func isClosedNow(within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let read = recv(socket, &byte, 1, 0)
        if read == 0 { return true }
        if read < 0 { return errno == ECONNRESET }
        buffer.append(byte)
        return false
    }

    private func readUntil(_ marker: [UInt8]) -> Int? {
        while true {
            if let found = firstIndex(of: marker) { return found }
            guard readMore() else { return nil }
        }
    }

    private func firstIndex(of marker: [UInt8]) -> Int? {
        guard buffer.count >= marker.count else { return nil }
        for start in 0...(buffer.count - marker.count) where buffer[start..<(start + marker.count)].elementsEqual(marker) {
            return start
        }
        return nil
    }

    private func readMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let read = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard read > 0 else { return false }
        buffer.append(contentsOf: chunk[..<read])
        return true
    }
}
