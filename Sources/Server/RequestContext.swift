import Hummingbird
import Identity
import Synchronization

/// The per-request context: Hummingbird's core storage plus the caller's token once authenticated.
public struct VoltpassRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The bearer token that authenticated this request, if any.
    public var token: AccessTokenRecord?
    /// The operator the request was authorized to act for, for the audit line (shared by every copy
    /// of the context, since routes receive it by value).
    let actingFor = ActingOperator()

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.token = nil
    }
}

/// The operator one request acts for, once a route has checked it.
final class ActingOperator: Sendable {
    private let value = Mutex<String?>(nil)

    var `operator`: String? { value.withLock { $0 } }

    func record(_ did: String) { value.withLock { $0 = did } }
}
