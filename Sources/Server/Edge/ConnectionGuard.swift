import Encoding
import HummingbirdCore
import NIOCore
import NIOHTTP1

extension HTTPServerBuilder {
    /// HTTP/1.1 with a `ConnectionGuard` on every connection, whose first request may upgrade to a
    /// WebSocket: `webSockets` admits or refuses upgrade requests (see `GuardedUpgradeChannel`).
    static func guardedHTTP1(limits: ConnectionLimits, connections: ConnectionLimiter, webSockets: WebSocketAdmission) -> HTTPServerBuilder {
        .init { responder in
            GuardedUpgradeChannel(responder: responder, limits: limits, connections: connections, webSockets: webSockets)
        }
    }
}

/// The request body stopped arriving for longer than the body-read timeout. Reaches the route reading
/// the body as the error of that read, which answers `408 request_timeout`; the connection then closes.
struct RequestBodyTimeout: CodedError {
    let timeout: Duration

    var code: String { "request_timeout" }
    var message: String { "the request body stopped arriving: nothing came for \(timeout)" }
}

/// Enforces `ConnectionLimits` on one HTTP/1.1 connection, between the HTTP decoder and Hummingbird.
///
/// - Waiting for a request head: the head must be complete within the header-read timeout of the
///   connection opening, or of the first byte of a later request; a kept-alive connection with no new
///   request is closed after the idle timeout. Closing here is silent: no request, no response.
/// - Reading a body: while the server asks for more of it, each pause must be shorter than the body-read
///   timeout (a busy server that reads no more does not count against the client). Over it, the body's
///   reader gets `RequestBodyTimeout` (answered 408), and the connection closes after that response.
/// - A request that asks to close (`Connection: close`): closed once its response is out.
/// - Shutdown (`ChannelShouldQuiesceEvent`, sent once the listener is closed): the connection stays
///   open until it can close without losing a request. The next response whose head is not yet
///   written (the last request read, or else the next one to arrive) carries `Connection: close`,
///   and the connection closes once it is out. A connection between requests waits the shutdown
///   grace for that next request and is closed when none has begun; a request begun in time gets
///   the header-read timeout for its head. Requests read after the one that closes the connection
///   are never passed on (they get no response, so they must not run).
/// - A response complete before its request body: it carries `Connection: close`; the connection stops
///   sending and reads what is left of the body (so the client is not reset before it reads the
///   answer), then closes: when the body ends, or when it pauses for the body-read timeout.
/// - The cap: the connection registers with the shared `ConnectionLimiter` and closes if refused.
/// - A WebSocket upgrade (a `101 Switching Protocols` response): from then on the guard passes every
///   byte through and sets no timer; the connection stays registered, as busy, until it closes.
///
/// It sits between the HTTP/1 decoder and the WebSocket upgrade handler, so it sees the parts of
/// `NIOHTTP1`, from the connection's first byte.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Wait {
        /// For a request head: closes the connection when it expires.
        case head
        /// For more of a request body.
        case body
    }

    private let limits: ConnectionLimits
    private let connections: ConnectionLimiter
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var deadline: NIODeadline?
    private var registered = false
    /// Requests whose head, and whose end, has been read; responses written completely. Requests are
    /// numbered from 1; responses go out in request order (HTTP/1.1 pipelining).
    private var headsRead = 0
    private var endsRead = 0
    private var responsesWritten = 0
    /// The head of the response to request `responsesWritten + 1` has been written.
    private var responseBegun = false
    /// The request after whose response the connection closes.
    private var closeAfter: Int?
    /// Bytes of the next request have arrived.
    private var requestStarted = false
    private var bodyTimedOut = false
    /// The server is shutting down.
    private var quiescing = false
    /// Inside a request that comes after the one the connection closes after: its parts are dropped.
    private var discarding = false
    /// The connection switched to the WebSocket protocol: everything passes through.
    private var upgraded = false

    init(limits: ConnectionLimits, connections: ConnectionLimiter) {
        self.limits = limits
        self.connections = connections
    }

    private var id: ObjectIdentifier { ObjectIdentifier(self) }
    /// A request body is arriving.
    private var requestOpen: Bool { headsRead > endsRead }
    private var pendingResponses: Int { headsRead - responsesWritten }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        guard connections.open(id, channel: context.channel) else {
            // Refused over the cap; closed once the connection's setup has finished.
            context.eventLoop.assumeIsolated().execute { context.close(promise: nil) }
            return
        }
        registered = true
        do {
            try context.pipeline.syncOperations.addHandler(RequestStartWatcher(owner: self), position: .first)
        } catch {
            context.close(promise: nil)
            return
        }
        wait(.head, for: limits.headerReadTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if registered {
            connections.closed(id)
            registered = false
        }
        self.context = nil
    }

    /// Bytes arrived from the client (before HTTP decoding).
    fileprivate func bytesArrived() {
        guard !upgraded, !requestOpen, pendingResponses == 0, !requestStarted else { return }
        requestStarted = true
        let headDeadline = NIODeadline.now() + TimeAmount(limits.headerReadTimeout)
        // While shutting down, a request begun within the grace gets the whole header-read timeout.
        if !quiescing, let deadline, deadline <= headDeadline { return }
        wait(.head, for: limits.headerReadTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if upgraded {
            context.fireChannelRead(data)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let request):
            if let closeAfter, headsRead >= closeAfter {
                discarding = true
                return
            }
            headsRead += 1
            if Self.asksToClose(request.headers) { closeAfter(headsRead) }
            requestStarted = false
            connections.busy(id)
            cancelWait()
            context.fireChannelRead(data)
        case .body:
            if discarding { return }
            if !bodyTimedOut { cancelWait() }
            context.fireChannelRead(data)
        case .end:
            if discarding {
                discarding = false
                return
            }
            endsRead += 1
            cancelWait()
            context.fireChannelRead(data)
            // The last response went out before this body ended: the rest has been read, the connection is done.
            if let closeAfter, responsesWritten >= closeAfter { context.close(promise: nil) }
        }
    }

    /// Shutdown begins: handled here, not passed on (Hummingbird's own handler would close a connection
    /// between requests at once, and close after a response that did not say so).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent, !upgraded else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !quiescing else { return }
        quiescing = true
        let unannounced = responsesWritten + (responseBegun ? 2 : 1)
        closeAfter(max(unannounced, headsRead))
        if pendingResponses == 0, !requestOpen, !requestStarted {
            wait(.head, for: limits.shutdownGrace)
        }
    }

    /// Someone downstream asks for more: while a body is arriving, it must come within the body-read
    /// timeout. (A handler that reads no more is not waiting for the client, so its pauses do not count.)
    func read(context: ChannelHandlerContext) {
        if !upgraded, requestOpen, !bodyTimedOut, timer == nil { wait(.body, for: limits.bodyReadTimeout) }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if upgraded {
            context.write(data, promise: promise)
            return
        }
        let answering = responsesWritten + 1
        switch unwrapOutboundIn(data) {
        case .head(let response) where response.status == .switchingProtocols:
            // The WebSocket upgrade: no more HTTP requests on this connection, and no timeouts of theirs.
            upgraded = true
            cancelWait()
        case .head(var response):
            responseBegun = true
            // Answered before its body has all arrived, or asked to: the last response on this connection.
            if endsRead < answering || Self.asksToClose(response.headers) { closeAfter(answering) }
            if let closeAfter, closeAfter <= answering {
                response.headers.replaceOrAdd(name: "connection", value: "close")
                context.write(wrapOutboundOut(.head(response)), promise: promise)
                return
            }
        case .body:
            break
        case .end:
            responsesWritten = answering
            responseBegun = false
            if let closeAfter, closeAfter <= answering {
                // Still receiving a body nobody reads: stop sending and drain it (the body timer keeps
                // running); otherwise close once the response is out.
                let mode: CloseMode = requestOpen && !bodyTimedOut ? .output : .all
                let written = context.eventLoop.makePromise(of: Void.self)
                if let promise { written.futureResult.cascade(to: promise) }
                context.writeAndFlush(data, promise: written)
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(mode: mode, promise: nil) }
                return
            }
            if pendingResponses == 0, !requestOpen {
                requestStarted = false
                connections.waiting(id)
                wait(.head, for: quiescing ? limits.shutdownGrace : limits.idleTimeout)
            }
        }
        context.write(data, promise: promise)
    }

    private func closeAfter(_ request: Int) {
        closeAfter = min(closeAfter ?? request, request)
    }

    /// Whether `Connection` names `close`.
    private static func asksToClose(_ headers: HTTPHeaders) -> Bool {
        headers["connection"].contains { value in
            value.split(separator: ",").contains { $0.filter { !$0.isWhitespace }.lowercased() == "close" }
        }
    }

    private func wait(_ kind: Wait, for duration: Duration) {
        timer?.cancel()
        guard let context else { return }
        let deadline = NIODeadline.now() + TimeAmount(duration)
        self.deadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            expired(kind)
        }
    }

    private func cancelWait() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }

    private func expired(_ kind: Wait) {
        timer = nil
        deadline = nil
        guard let context else { return }
        switch kind {
        case .head:
            context.close(promise: nil)
        case .body where pendingResponses == 0 || bodyTimedOut:
            // Draining after the response, or the route did not answer the timeout: give up.
            context.close(promise: nil)
        case .body:
            bodyTimedOut = true
            closeAfter(responsesWritten + 1)
            context.fireErrorCaught(RequestBodyTimeout(timeout: limits.bodyReadTimeout))
            wait(.body, for: limits.bodyReadTimeout)
        }
    }
}

/// Tells its `ConnectionGuard` when bytes arrive, before the HTTP decoder sees them, so the header-read
/// timeout of a request on a kept-alive connection starts with its first byte.
private final class RequestStartWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let owner: ConnectionGuard

    init(owner: ConnectionGuard) {
        self.owner = owner
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner.bytesArrived()
        context.fireChannelRead(data)
    }
}
