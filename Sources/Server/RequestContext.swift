import Hummingbird
import Identity
import NIOCore

/// The per-request context: Hummingbird's core storage plus the caller's token once authenticated.
public struct VoltpassRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The bearer token that authenticated this request, if any.
    public var token: AccessTokenRecord?
    /// The address of the connection's peer (a proxy's, when there is one).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.token = nil
        self.remoteAddress = source.channel.remoteAddress
    }
}
