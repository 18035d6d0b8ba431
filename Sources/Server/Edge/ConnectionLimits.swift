/// How long the HTTP edge waits for clients, and how many connections it keeps open.
public struct ConnectionLimits: Sendable, Hashable {
    /// The time a client has to send a complete request head, from opening the connection or from the
    /// first byte of a later request on it; default 10 s. A connection over it is closed.
    public var headerReadTimeout: Duration
    /// The time a kept-alive connection may wait for its next request; default 60 s.
    public var idleTimeout: Duration
    /// The longest pause allowed while a request body arrives and the server asks for it; default 10 s.
    /// Over it the request is answered `408 request_timeout` and the connection closed.
    public var bodyReadTimeout: Duration
    /// The most connections open at once; default 4,096. When full, the connection that has waited
    /// longest for a request head is closed to make room; when every connection is inside a request,
    /// a new one is closed at once.
    public var maximumConnections: Int
    /// Once shutdown has begun, how long a kept-alive connection between requests stays open for one
    /// more request (answered with `Connection: close`) before it is closed; default 1 s. A client
    /// sending back to back gets its last answer instead of a closed connection under its request.
    public var shutdownGrace: Duration

    public init(
        headerReadTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60), bodyReadTimeout: Duration = .seconds(10),
        maximumConnections: Int = 4096, shutdownGrace: Duration = .seconds(1)
    ) {
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.maximumConnections = max(1, maximumConnections)
        self.shutdownGrace = shutdownGrace
    }
}
