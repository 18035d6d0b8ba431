import Foundation
import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Decides the WebSocket upgrade requests of the server's connections.
struct WebSocketAdmission: Sendable {
    /// The session of an admitted upgrade request, with the headers its `101` response carries; throws
    /// the refusal otherwise (the ordinary routes answer a refused request with its problem).
    let admit: @Sendable (HTTPRequest, any Channel, Logger) async throws -> (HTTPFields, WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>)
}

/// Hummingbird-websocket's HTTP/1 channel with a `ConnectionGuard` and an `UpgradeGate` in front of
/// its upgrade handler: every connection is guarded from its first byte, an admitted first request
/// becomes a WebSocket, and a refused one is answered by the routes like any other request (its
/// problem, rather than the upgrade handler's bare 400).
struct GuardedUpgradeChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    /// The largest WebSocket frame sent or received; longer messages are sent in several frames.
    static let maxFrameSize = 1 << 16

    private let upgrading: HTTP1WebSocketUpgradeChannel
    private let limits: ConnectionLimits
    private let connections: ConnectionLimiter
    private let webSockets: WebSocketAdmission

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, connections: ConnectionLimiter, webSockets: WebSocketAdmission) {
        self.limits = limits
        self.connections = connections
        self.webSockets = webSockets
        self.upgrading = HTTP1WebSocketUpgradeChannel(
            responder: responder,
            configuration: .init(http1: .init(), ws: .init(maxFrameSize: Self.maxFrameSize, autoPing: .enabled(timePeriod: .seconds(30)))),
            shouldUpgrade: { request, channel, logger in
                // The gate admitted it a moment ago; a refusal now (the token was just revoked) is the bare 400.
                guard let (headers, handler) = try? await webSockets.admit(request, channel, logger) else { return .dontUpgrade }
                return .upgrade(headers, handler)
            })
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let value = upgrading.setup(channel: channel, logger: logger)
        do {
            let pipeline = channel.pipeline.syncOperations
            let upgrader = try pipeline.handler(type: NIOTypedHTTPServerUpgradeHandler<HTTP1WebSocketUpgradeChannel.UpgradeResult>.self)
            try pipeline.addHandler(ConnectionGuard(limits: limits, connections: connections), position: .before(upgrader))
            try pipeline.addHandler(UpgradeGate(admission: webSockets, logger: logger), position: .before(upgrader))
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return value
    }

    func handle(value: Value, logger: Logger) async {
        await upgrading.handle(value: value, logger: logger)
    }
}

/// Holds a request that asks for a WebSocket until `WebSocketAdmission` decides it: an admitted one
/// goes on unchanged to the upgrade handler (and the gate passes everything after it through); a
/// refused one goes on without its `Upgrade` (and the `upgrade` token of `Connection`), so it is
/// answered as an ordinary request. Reads wait while it decides.
final class UpgradeGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let admission: WebSocketAdmission
    private let logger: Logger
    /// The parts of the request being decided.
    private var held: [HTTPServerRequestPart]?
    private var readWanted = false
    /// An admitted request went on: the connection is upgrading.
    private var passing = false

    init(admission: WebSocketAdmission, logger: Logger) {
        self.admission = admission
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if passing {
            context.fireChannelRead(data)
            return
        }
        let part = unwrapInboundIn(data)
        if held != nil {
            held?.append(part)
            return
        }
        guard case .head(let head) = part, head.headers["upgrade"].contains(where: { $0.lowercased().contains("websocket") }) else {
            context.fireChannelRead(data)
            return
        }
        held = [part]
        let (admission, logger, channel) = (admission, logger, context.channel)
        let request = try? HTTPRequest(head, secure: false, splitCookie: false)
        let decided = context.eventLoop.makeFutureWithTask { () -> Bool in
            guard let request else { return false }
            return (try? await admission.admit(request, channel, logger)) != nil
        }
        decided.assumeIsolated().whenComplete { [self] result in
            release(context: context, admitted: (try? result.get()) ?? false)
        }
    }

    func read(context: ChannelHandlerContext) {
        guard held == nil else {
            readWanted = true
            return
        }
        context.read()
    }

    private func release(context: ChannelHandlerContext, admitted: Bool) {
        guard var parts = held else { return }
        held = nil
        if admitted {
            passing = true
        } else if case .head(var head) = parts[0] {
            head.headers.remove(name: "upgrade")
            let connection = head.headers["connection"].flatMap { $0.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.lowercased() != "upgrade" }
            head.headers.remove(name: "connection")
            if !connection.isEmpty { head.headers.add(name: "connection", value: connection.joined(separator: ", ")) }
            parts[0] = .head(head)
        }
        for part in parts { context.fireChannelRead(wrapInboundOut(part)) }
        if readWanted {
            readWanted = false
            context.read()
        }
    }
}
