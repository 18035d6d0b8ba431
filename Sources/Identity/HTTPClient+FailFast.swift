import AsyncHTTPClient

extension HTTPClient {
    /// A process-wide client for talking to a server the user named (the command line's `--server`):
    /// a connection that cannot be established (refused, TLS handshake failed) is reported at once
    /// instead of being retried until the request deadline, as `HTTPClient.shared` does. Documents
    /// others publish go through `OutboundFetcher`, which checks where it connects.
    public static let failFast: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
