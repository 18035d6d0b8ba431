import Hummingbird
import Identity
import NIOCore
import Synchronization

/// The per-request context: Hummingbird's core storage plus the caller's token once authenticated.
public struct VoltpassRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The bearer token that authenticated this request, if any.
    public var token: AccessTokenRecord?
    /// The operator the request was authorized to act for, for the audit line (shared by every copy
    /// of the context, since routes receive it by value).
    let actingFor = ActingOperator()
    /// The address of the connection's peer (a proxy's, when there is one).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.token = nil
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// The operator one request acts for, once a route has checked it.
final class ActingOperator: Sendable {
    private let value = Mutex<String?>(nil)

    var `operator`: String? { value.withLock { $0 } }

    func record(_ did: String) { value.withLock { $0 = did } }
}
