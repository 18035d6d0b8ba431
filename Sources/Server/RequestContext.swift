import Hummingbird
import Identity

/// The per-request context: Hummingbird's core storage plus the caller's token once authenticated.
public struct VoltpassRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The bearer token that authenticated this request, if any.
    public var token: AccessTokenRecord?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.token = nil
    }
}
