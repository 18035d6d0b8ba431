import Hummingbird
import Logging

/// Serves `router` over HTTP on 127.0.0.1 (an ephemeral port) for the duration of `body`, which gets
/// the port; the server stops when `body` returns or throws.
public func serveOnLoopback<T: Sendable>(
    _ router: Router<BasicRequestContext>, label: String, _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: label)
    logger.logLevel = .critical
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        },
        logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        defer { group.cancelAll() }
        return try await body(port)
    }
}
