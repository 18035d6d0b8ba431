import Encoding
import Foundation
import HTTPTestSupport
import Hummingbird
import Identity
import Logging
import NIOCore
import Synchronization
import Testing

/// did:web resolution against a real HTTP server on 127.0.0.1 (ephemeral port), reached as
/// `did:web:localhost%3A<port>…` over plain http, which the resolver allows only when told to.
@Suite struct DIDWebResolverTests {
    static let local = DIDWebResolver.Configuration(timeout: .seconds(5), allowLoopbackHTTP: true)

    @Test func resolvesADocument() async throws {
        try await DIDTestServer.run { server async throws in
            let did = server.did("ok")
            let document = try await DIDWebResolver(configuration: Self.local).resolve(did)
            #expect(document.id == did)
            #expect(try document.verificationMethod(id: "#key-1")?.publicKey() == server.key)
            #expect(document.isAuthorized(methodID: did + "#key-1", for: .assertionMethod, at: Date()))
            #expect(try await DIDWebResolver(configuration: Self.local).resolve(server.did()).id == server.did(), "/.well-known")
            #expect(try await DIDWebResolver(configuration: Self.local).resolve(did + "#key-1").id == did, "a DID URL resolves its DID")
            #expect(await server.requests("/ok/did.json") == 2)
        }
    }

    @Test func plainHTTPIsRefusedUnlessEnabled() async throws {
        try await DIDTestServer.run { server async throws in
            await expectIdentityError(.networkError, "localhost is loopback, refused unless enabled") {
                try await DIDWebResolver(configuration: .init(timeout: .seconds(10))).resolve(server.did("ok"))
            }
            #expect(await server.requests("/ok/did.json") == 0)
        }
    }

    @Test func missingDocumentsAreNotFound() async throws {
        try await DIDTestServer.run { server async throws in
            await expectIdentityError(.notFound) { try await DIDWebResolver(configuration: Self.local).resolve(server.did("missing")) }
            await expectIdentityError(.networkError, "HTTP 500") {
                try await DIDWebResolver(configuration: Self.local).resolve(server.did("failing"))
            }
        }
    }

    @Test func oversizedDocumentsAreRefused() async throws {
        try await DIDTestServer.run { server async throws in
            let resolver = DIDWebResolver(configuration: Self.local)
            await expectIdentityError(.documentTooLarge, "declared Content-Length over 256 KiB") {
                try await resolver.resolve(server.did("large"))
            }
            await expectIdentityError(.documentTooLarge, "chunked body without a length, cut off while streaming") {
                try await resolver.resolve(server.did("endless"))
            }
            // The same large document passes under a higher limit, so the limit is what refused it.
            var generous = Self.local
            generous.maximumDocumentSize = 1 << 20
            #expect(try await DIDWebResolver(configuration: generous).resolve(server.did("large")).id == server.did("large"))
        }
    }

    @Test func slowServersTimeOut() async throws {
        try await DIDTestServer.run { server async throws in
            var quick = Self.local
            quick.timeout = .milliseconds(300)
            let resolver = DIDWebResolver(configuration: quick)
            await expectIdentityError(.networkError, "no response head in time") { try await resolver.resolve(server.did("slow")) }
            await expectIdentityError(.networkError, "body stalls after the head") {
                try await resolver.resolve(server.did("stalling"))
            }
        }
    }

    @Test func documentsMustBeJSONObjectsForTheDID() async throws {
        try await DIDTestServer.run { server async throws in
            let resolver = DIDWebResolver(configuration: Self.local)
            for path in ["mismatch", "notjson", "array", "noid"] {
                await expectIdentityError(.invalidDidDocument, "\(path)") { try await resolver.resolve(server.did(path)) }
            }
        }
    }

    @Test func unreachableServersAreNetworkErrors() async throws {
        let port = try await DIDTestServer.run { server in server.port }
        await expectIdentityError(.networkError, "connection refused, reported at once rather than at the deadline") {
            try await DIDWebResolver(configuration: Self.local).resolve("did:web:localhost%3A\(port)")
        }
    }

    @Test func invalidDIDsFailBeforeAnyRequest() async {
        await expectIdentityError(.invalidDid) { try await DIDWebResolver(configuration: Self.local).resolve("did:web:127.0.0.1") }
        await expectIdentityError(.invalidDid) { try await DIDWebResolver().resolve("did:web:example.com%3Axyz") }
    }

    /// The cache serves repeated resolutions without asking the server until the time to live passes.
    @Test func cachesForTheTimeToLive() async throws {
        try await DIDTestServer.run { server async throws in
            let clock = TestClock(Date(timeIntervalSince1970: 1_000_000))
            let cache = CachingDIDResolver(
                DIDWebResolver(configuration: Self.local), timeToLive: .seconds(60), now: { clock.now })
            let did = server.did("ok")
            let first = try await cache.resolve(did)
            #expect(try await cache.resolve(did) == first)
            #expect(try await cache.resolve(did + "#key-1") == first)
            #expect(await server.requests("/ok/did.json") == 1)
            clock.advance(59)
            _ = try await cache.resolve(did)
            #expect(await server.requests("/ok/did.json") == 1)
            clock.advance(1)
            _ = try await cache.resolve(did)
            #expect(await server.requests("/ok/did.json") == 2)

            await expectIdentityError(.notFound) { try await cache.resolve(server.did("missing")) }
            await expectIdentityError(.notFound) { try await cache.resolve(server.did("missing")) }
            #expect(await server.requests("/missing/did.json") == 2, "failures are not cached")
        }
    }

    @Test func cacheIsBounded() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 0))
        let cache = CachingDIDResolver(DIDKeyResolver(), timeToLive: .seconds(10), maximumEntries: 2, now: { clock.now })
        for _ in 0..<5 {
            _ = try await cache.resolve(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
            clock.advance(1)
        }
        #expect(await cache.count == 2)
    }
}

/// A movable clock for cache tests.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// A Hummingbird server on 127.0.0.1 with an ephemeral port serving did:web documents and misbehaviours.
struct DIDTestServer: Sendable {
    let port: Int
    let key: PublicKey
    private let log: RequestLog

    /// `did:web:localhost%3A<port>[:path]`.
    func did(_ path: String? = nil) -> String {
        "did:web:localhost%3A\(port)" + (path.map { ":" + $0 } ?? "")
    }

    /// How many requests reached `path`.
    func requests(_ path: String) async -> Int {
        await log.count(path)
    }

    static func run<T: Sendable>(_ body: @Sendable (DIDTestServer) async throws -> T) async throws -> T {
        let key = SoftwareSigner.generate(.ed25519).verificationKey
        let log = RequestLog()
        let router = Router()
        router.middlewares.add(CountingMiddleware(log: log))
        router.get("/ok/did.json") { request, _ in try document(for: request, key: key) }
        router.get("/.well-known/did.json") { request, _ in try document(for: request, key: key) }
        router.get("/failing/did.json") { _, _ -> Response in Response(status: .internalServerError) }
        router.get("/large/did.json") { request, _ -> Response in
            var document = try DIDWeb.document(did: did(of: request), keys: []).json
            document["padding"] = .string(String(repeating: "x", count: 300 * 1024))
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONValue.object(document).serialized())))
        }
        router.get("/endless/did.json") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<256 { try await writer.write(ByteBuffer(repeating: 0x20, count: 16 * 1024)) }
                try await writer.finish(nil)
            })
        }
        router.get("/slow/did.json") { request, _ -> Response in
            try await Task.sleep(for: .seconds(2))
            return try document(for: request, key: key)
        }
        router.get("/stalling/did.json") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "{"))
                try await Task.sleep(for: .seconds(2))
                try await writer.finish(nil)
            })
        }
        router.get("/mismatch/did.json") { _, _ in try json(DIDWeb.document(did: "did:web:example.com", keys: []).serialized) }
        router.get("/notjson/did.json") { _, _ in try json(Array("hello".utf8)) }
        router.get("/array/did.json") { _, _ in try json(Array("[]".utf8)) }
        router.get("/noid/did.json") { _, _ in try json(Array(#"{"@context":"https://www.w3.org/ns/did/v1.1"}"#.utf8)) }

        return try await serveOnLoopback(router, label: "did-test-server") { port in
            try await body(DIDTestServer(port: port, key: key, log: log))
        }
    }

    private static func did(of request: Request) -> String {
        let host = (request.head.authority ?? "").replacingOccurrences(of: ":", with: "%3A")
        let path = request.uri.path.dropLast("/did.json".count).split(separator: "/").filter { $0 != ".well-known" }
        return "did:web:" + host + path.map { ":" + $0 }.joined()
    }

    private static func document(for request: Request, key: PublicKey) throws -> Response {
        let did = did(of: request)
        let record = KeyRecord(
            id: did + "#key-1", controller: did, algorithm: key.algorithm, publicKeyMultibase: key.multikey,
            validFrom: Date(timeIntervalSince1970: 0))
        return try json(DIDWeb.document(did: did, keys: [record]).serialized)
    }

    private static func json(_ bytes: [UInt8]) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/did+json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

actor RequestLog {
    private var counts: [String: Int] = [:]

    func record(_ path: String) { counts[path, default: 0] += 1 }
    func count(_ path: String) -> Int { counts[path] ?? 0 }
}

struct CountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: RequestLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        await log.record(request.uri.path)
        return try await next(request, context)
    }
}
