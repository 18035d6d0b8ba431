import Encoding
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP server on 127.0.0.1 (ephemeral port) publishing documents that a test can replace
/// at any time, counting requests per path. `/slow/…` answers after 2 s, `/error/…` with 500,
/// `/large/…` with 3 MiB.
public struct StatusListTestServer: Sendable {
    public let port: Int
    public let documents: PublishedDocuments

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Runs a server for the duration of `body`.
    public static func run<T: Sendable>(_ body: @Sendable (StatusListTestServer) async throws -> T) async throws -> T {
        let documents = PublishedDocuments()
        let router = Router()
        router.get("/slow/**") { _, _ -> Response in
            try await Task.sleep(for: .seconds(2))
            return Response(status: .ok)
        }
        router.get("/error/**") { _, _ -> Response in Response(status: .internalServerError) }
        router.get("/large/**") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: 0x20, count: 3 << 20)))
        }
        router.get("/**") { request, _ -> Response in
            guard let bytes = await documents.request(request.uri.path) else { return Response(status: .notFound) }
            return Response(
                status: .ok, headers: [.contentType: "application/vc+ld+json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return try await serveOnLoopback(router, label: "status-list-test-server") { port in
            try await body(StatusListTestServer(port: port, documents: documents))
        }
    }
}

/// The documents a `StatusListTestServer` serves, by path.
public actor PublishedDocuments {
    private var documents: [String: [UInt8]] = [:]
    private var counts: [String: Int] = [:]

    public func publish(_ document: JSONObject, at path: String) { documents[path] = JSONValue.object(document).serialized() }
    public func publish(bytes: [UInt8], at path: String) { documents[path] = bytes }

    public func request(_ path: String) -> [UInt8]? {
        counts[path, default: 0] += 1
        return documents[path]
    }

    public func requests(_ path: String) -> Int { counts[path] ?? 0 }
}

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let state: Mutex<Date>

    public init(_ start: Date) { state = Mutex(start) }

    public var now: Date { state.withLock { $0 } }

    public func advance(seconds: TimeInterval) { state.withLock { $0 += seconds } }
}
