import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTP1
import PeerLedger
import PeerLedgerAPIv1
import PeerLedgerDomain

/// Hummingbird's HTTP/1 channel with the API's own limits and one guard in front of it, so every
/// answer a client gets is the JSON envelope and an HTTP/1.0 connection ends as HTTP/1.0 says.
struct GuardedHTTP1Channel: ServerChildChannel {
    let inner: HTTP1Channel

    /// The request line and headers may carry a 1 MiB query (the same limit as a POST body) with
    /// room for the path and ordinary headers; a longer one is answered 414 by the guard.
    static let decoderLimits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: (1 << 20) + (64 << 10), maxHeaderListSize: (1 << 20) + (128 << 10))

    init(responder: @escaping HTTPChannelHandler.Responder) {
        inner = HTTP1Channel(responder: responder, configuration: .init(httpDecoderConfiguration: Self.decoderLimits))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(HTTP1ConnectionGuard(), position: .after(decoder))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 as PeerLedger serves it (`GuardedHTTP1Channel`).
    static var guardedHTTP1: HTTPServerBuilder {
        HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder) }
    }

    /// The same over TLS (Hummingbird's `TLSChannel`): the TLS handler goes first in each
    /// connection's pipeline, then the guarded HTTP/1 handlers behind it, so the guard sees
    /// decrypted requests exactly as it sees plain ones.
    static func guardedHTTPS(certificate: ReloadingCertificate) -> HTTPServerBuilder {
        let configuration = certificate.tlsConfiguration
        return HTTPServerBuilder { responder in
            try TLSChannel(GuardedHTTP1Channel(responder: responder), tlsConfiguration: configuration)
        }
    }
}

/// Sits between NIO's HTTP/1 decoder and Hummingbird, where the HTTP version is still known:
/// - an HTTP/1.0 request without keep-alive (or any request with `Connection: close`) is marked
///   `Connection: close`, which Hummingbird honours by closing the connection after the answer;
/// - a request the decoder refuses (a request line or headers beyond the limits, malformed HTTP)
///   is answered with the JSON envelope (414 or 400) instead of an empty 400, then closed.
final class HTTP1ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The connection ends after the answer in progress.
    private var closing = false
    /// A request was read and its answer is not complete yet.
    private var answering = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var part = unwrapInboundIn(data)
        if case var .head(head) = part {
            answering = true
            if !head.isKeepAlive {
                closing = true
                head.headers.replaceOrAdd(name: "connection", value: "close")
                part = .head(head)
            }
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var part = unwrapOutboundIn(data)
        switch part {
        case var .head(head) where closing:
            head.headers.replaceOrAdd(name: "connection", value: "close")
            part = .head(head)
        case .end:
            answering = false
        default:
            break
        }
        context.write(wrapOutboundOut(part), promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // Mid-answer, a second response cannot be written: the connection just ends.
        guard !answering else {
            context.close(promise: nil)
            return
        }
        let (status, message) = Self.answer(for: parserError)
        let body = ByteBuffer(string: APIAnswer.failure(message, status: Int(status.code)).text)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json; charset=utf-8")
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    static func answer(for error: HTTPParserError) -> (HTTPResponseStatus, String) {
        switch error {
        case .headerOverflow:
            return (
                .uriTooLong,
                "The request line or its headers are larger than the server accepts: a call's query may be at most 1 MiB (1048576 bytes); nothing was changed"
            )
        default:
            return (.badRequest, "The request is not valid HTTP/1.1 (\(error)); nothing was changed")
        }
    }
}
