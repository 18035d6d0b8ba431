import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Server
import ServiceLifecycle

/// How long the loopback client waits for a whole response. Hummingbird's `.live` test framework fixes
/// it at 20 s, which a 2-core machine running the whole suite exceeded now and then when a test queued
/// many large batches behind one operator's writer; a hung server still fails the test, only later.
public let loopbackResponseTimeout: Duration = .seconds(180)

/// What the server answered to one request.
public struct LoopbackResponse: Sendable {
    public let head: HTTPResponse
    public let body: ByteBuffer
    public var status: HTTPResponse.Status { head.status }
    public var headers: HTTPFields { head.headerFields }
}

/// A client on one keep-alive connection to a server on loopback (Hummingbird's test client).
public struct LoopbackClient: Sendable {
    let client: TestClient
    /// The port the server listens on.
    public let port: Int?

    /// Sends one request and waits for its whole response.
    public func execute(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> LoopbackResponse {
        var headers = headers
        headers[.connection] = "keep-alive"
        let response = try await client.execute(
            TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        return LoopbackResponse(head: response.head, body: response.body ?? ByteBuffer())
    }
}

extension VoltpassServer {
    /// Runs the server's application on its configured port (0 in tests: any free one) and `test` with
    /// a client connected to it, then shuts the application down gracefully, whether `test` returned or threw.
    public func testOverLoopback<Value: Sendable>(
        logger: Logger, _ test: @Sendable (LoopbackClient) async throws -> Value
    ) async throws -> Value {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = application(logger: logger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let services = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            guard let port = await ports.first(where: { _ in true }) else {
                throw TestSetupError("the server stopped before it listened")
            }
            let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: loopbackResponseTimeout))
            client.connect()
            let outcome: Result<Value, any Error>
            do { outcome = .success(try await test(LoopbackClient(client: client, port: port))) } catch { outcome = .failure(error) }
            try? await client.shutdown()
            await services.triggerGracefulShutdown()
            // The test's outcome is its body's: a connection the server already closed (a test of its
            // timeouts) can make the shutdown report I/O on a closed channel, as Hummingbird's own
            // live framework lets pass.
            try? await group.waitForAll()
            return try outcome.get()
        }
    }
}
