import NIOCore

/// Turns the server's bytes into `SMTPReply`s and hands them to whoever waits, in order.
///
/// Lines end in CRLF (a bare LF is accepted); `250-a`, `250-b`, `250 c` is one reply. A reply
/// that arrives before anyone asks is kept. When the connection closes, fails or a wait times
/// out, every waiter is failed and so is every later wait: the conversation is over.
/// All state is touched on the channel's event loop only.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// A server line longer than this is not SMTP (RFC 5321 allows 512 octets).
    static let maximumLineLength = 4096

    private var partial: [UInt8] = []
    private var lines: [String] = []
    private var ready = CircularBuffer<SMTPReply>()
    private var waiters = CircularBuffer<EventLoopPromise<SMTPReply>>()
    private var finished: SMTPError?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        for byte in buffer.readableBytesView {
            if byte == UInt8(ascii: "\n") {
                if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
                receive(line: String(decoding: partial, as: UTF8.self))
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
                if partial.count > Self.maximumLineLength {
                    finish(.malformedReply(String(decoding: partial.prefix(200), as: UTF8.self)))
                    return
                }
            }
        }
    }

    private func receive(line: String) {
        let scalars = Array(line.unicodeScalars)
        guard scalars.count >= 3, let code = Int(String(String.UnicodeScalarView(scalars[0..<3]))), (200...599).contains(code)
        else {
            finish(.malformedReply(line))
            return
        }
        let separator = scalars.count > 3 ? scalars[3] : " "
        lines.append(scalars.count > 4 ? String(String.UnicodeScalarView(scalars[4...])) : "")
        guard separator != "-" else { return }
        let reply = SMTPReply(code: code, lines: lines)
        lines = []
        if let waiter = waiters.popFirst() {
            waiter.succeed(reply)
        } else {
            ready.append(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.connection("\(error)"))
        context.close(promise: nil)
    }

    /// The next reply, failing with `.timeout` (and closing the connection) after `timeout`.
    func nextReply(timeout: TimeAmount, waitingFor command: String, on eventLoop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if let reply = ready.popFirst() { return eventLoop.makeSucceededFuture(reply) }
        if let finished { return eventLoop.makeFailedFuture(finished) }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        waiters.append(promise)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.finish(.timeout(waitingFor: command))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }

    /// Ends the conversation: fails every waiter with `error` and closes the connection.
    func finish(_ error: SMTPError) {
        if finished == nil { finished = error }
        while let waiter = waiters.popFirst() { waiter.fail(error) }
        context?.close(promise: nil)
    }
}
