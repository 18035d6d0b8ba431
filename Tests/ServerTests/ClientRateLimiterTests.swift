import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NIOCore
import Server
import Testing

/// The token buckets behind per-client limits, on explicit instants, and how a client is named.
@Suite struct ClientRateLimiterTests {
    let start = ContinuousClock.now

    @Test func burstThenRefill() {
        let limiter = ClientRateLimiter(RateLimit(requestsPerMinute: 30, burst: 3))
        for _ in 0..<3 { #expect(limiter.admit("a", at: start) == .admitted) }
        #expect(limiter.admit("a", at: start) == .limited(retryAfter: .seconds(2)), "one token every 2 s")
        #expect(limiter.admit("b", at: start) == .admitted, "clients are independent")
        #expect(limiter.admit("a", at: start + .seconds(1)) == .limited(retryAfter: .seconds(1)))
        #expect(limiter.admit("a", at: start + .seconds(2)) == .admitted)
        #expect(limiter.admit("a", at: start + .seconds(2)) == .limited(retryAfter: .seconds(2)))
        // Refilling stops at the burst.
        for _ in 0..<3 { #expect(limiter.admit("a", at: start + .seconds(3600)) == .admitted) }
        #expect(limiter.admit("a", at: start + .seconds(3600)) != .admitted)
    }

    @Test func refusedRequestsTakeNoToken() {
        let limiter = ClientRateLimiter(RateLimit(requestsPerMinute: 60, burst: 1))
        #expect(limiter.admit("a", at: start) == .admitted)
        for _ in 0..<100 { #expect(limiter.admit("a", at: start + .milliseconds(500)) == .limited(retryAfter: .milliseconds(500))) }
        #expect(limiter.admit("a", at: start + .seconds(1)) == .admitted)
    }

    @Test func memoryIsBounded() {
        let limiter = ClientRateLimiter(RateLimit(requestsPerMinute: 60, burst: 2), maximumClients: 100)
        for client in 0..<10_000 {
            _ = limiter.admit("client-\(client)", at: start + .milliseconds(client))
            #expect(limiter.trackedClients <= 100)
        }
    }

    /// When full, buckets that have refilled go first (they are the same as none), even when a
    /// client still drawing on its bucket was seen longer ago.
    @Test func refilledBucketsAreDroppedFirst() {
        let limiter = ClientRateLimiter(RateLimit(requestsPerMinute: 60, burst: 10), maximumClients: 100)
        for _ in 0..<10 { #expect(limiter.admit("busy", at: start) == .admitted) }
        for client in 0..<99 { _ = limiter.admit("light-\(client)", at: start + .seconds(1)) }
        #expect(limiter.trackedClients == 100)
        #expect(limiter.admit("newcomer", at: start + .seconds(5)) == .admitted)
        #expect(limiter.trackedClients == 2, "the 99 refilled buckets were dropped")
        for _ in 0..<5 { #expect(limiter.admit("busy", at: start + .seconds(5)) == .admitted) }
        #expect(limiter.admit("busy", at: start + .seconds(5)) != .admitted, "busy kept its bucket: 5 tokens refilled, not a fresh 10")
    }

    @Test func clientsAreNamedByTheirAddress() throws {
        let direct = ClientIdentification()
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/readings",
                headerFields: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.9"]),
            body: RequestBody(buffer: ByteBuffer()))
        #expect(direct.key(for: request, peer: try SocketAddress(ipAddress: "203.0.113.7", port: 4000)) == "203.0.113.7")
        #expect(direct.key(for: request, peer: try SocketAddress(ipAddress: "::ffff:203.0.113.7", port: 4000)) == "203.0.113.7")
        #expect(
            direct.key(for: request, peer: try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 4000)) == "2001:db8:1:2::/64",
            "IPv6 clients by their /64")
        #expect(direct.key(for: request, peer: nil) == "unknown")

        let proxied = ClientIdentification(trustedProxies: [try #require(AddressRange("10.0.0.0/8"))])
        #expect(proxied.key(for: request, peer: try SocketAddress(ipAddress: "10.1.1.1", port: 4000)) == "198.51.100.9")
        #expect(
            proxied.key(for: request, peer: try SocketAddress(ipAddress: "203.0.113.7", port: 4000)) == "203.0.113.7",
            "X-Forwarded-For from a peer that is not a trusted proxy is ignored")
        let chain = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/readings",
                headerFields: [HTTPField.Name("X-Forwarded-For")!: "192.0.2.1, 198.51.100.9, 10.2.2.2"]),
            body: RequestBody(buffer: ByteBuffer()))
        #expect(
            proxied.key(for: chain, peer: try SocketAddress(ipAddress: "10.1.1.1", port: 4000)) == "198.51.100.9",
            "the nearest address that is not a trusted proxy; what the client wrote further left is not believed")
    }
}
