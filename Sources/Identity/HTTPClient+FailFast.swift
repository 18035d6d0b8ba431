import AsyncHTTPClient

extension HTTPClient {
    /// A process-wide client for fetching documents others publish (DID documents, status lists):
    /// a connection that cannot be established (refused, TLS handshake failed) is reported at once
    /// instead of being retried until the request deadline, as `HTTPClient.shared` does.
    public static let failFast: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
