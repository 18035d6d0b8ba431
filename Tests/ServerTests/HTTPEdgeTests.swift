import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerTestSupport
import Testing

/// The HTTP edge on a live server over raw TCP connections: timeouts, the connection cap, bodies that
/// are too large or stop arriving, and the rate limit of public writes. One test at a time: the one
/// holding 2,000 stalled connections loads the machine enough to skew the timeouts the others measure
/// (a stalled body went unanswered for 40 s while it ran beside it).
@Suite("HTTP edge", .serialized)
struct HTTPEdgeTests {
    /// Connections that stall before finishing a request head are closed after the header-read
    /// timeout while `/health` keeps answering new connections. (The 2,000-connection figure against
    /// `voltpass serve` with its defaults, and the bound on `/health`'s answer, are `ServeLimitsTests`,
    /// in processes of their own: thousands of sockets here would crowd the other tests of this process.)
    @Test func stalledConnectionsAreClosedWhileHealthAnswers() async throws {
        let stalledCount = 200
        try await withLiveServer(configure: { $0.connectionLimits = ConnectionLimits(headerReadTimeout: .seconds(2)) }) { client, server, _ in
            let port = try #require(client.port)
            var stalled: [RawConnection] = []
            for batch in 0..<(stalledCount / 50) {
                try await withThrowingTaskGroup(of: RawConnection.self) { group in
                    for index in 0..<50 {
                        group.addTask {
                            let connection = try await RawConnection.open(port: port)
                            // Half send nothing, half stop inside the request head.
                            if (batch * 50 + index).isMultiple(of: 2) {
                                try await connection.send("POST /readings HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
                            }
                            return connection
                        }
                    }
                    for try await connection in group { stalled.append(connection) }
                }
            }
            // Bounded against hanging only: how fast is measured by ServeLimitsTests.
            let giveUp = ContinuousClock.now + .seconds(120)
            repeat {
                #expect(try await RawConnection.get("/health", port: port).status == 200)
                try await Task.sleep(for: .milliseconds(200))
            } while stalled.contains(where: { !$0.isClosed }) && ContinuousClock.now < giveUp
            for connection in stalled {
                let bytes = try await connection.untilClosed(limit: max(ContinuousClock.now.duration(to: giveUp), .milliseconds(1)))
                #expect(bytes.isEmpty, "closed without an answer")
            }
            try await eventually("every connection closed") { server.connections.openConnections == 0 }
        }
    }

    /// A kept-alive connection with no new request is closed after the idle timeout; a later request's
    /// head must arrive within the header-read timeout of its first byte. Neither answers.
    @Test func idleAndSlowHeadConnectionsAreClosed() async throws {
        try await withLiveServer(configure: {
            $0.connectionLimits = ConnectionLimits(headerReadTimeout: .seconds(120), idleTimeout: .seconds(1))
        }) { client, _, _ in
            let idle = try await RawConnection.open(port: try #require(client.port))
            try await idle.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try await idle.response().status == 200)
            let response = try #require(RawResponse(try await idle.untilClosed(), requireComplete: true))
            #expect(response.body.count == Int(response.headers["content-length"] ?? ""), "closed without another answer")
        }
        try await withLiveServer(configure: {
            $0.connectionLimits = ConnectionLimits(headerReadTimeout: .seconds(1), idleTimeout: .seconds(120))
        }) { client, _, _ in
            let slow = try await RawConnection.open(port: try #require(client.port))
            try await slow.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try await slow.response().status == 200)
            try await slow.send("GET /health HTTP/1.1\r\nHost: loc")
            let response = try #require(RawResponse(try await slow.untilClosed(), requireComplete: true))
            #expect(response.body.count == Int(response.headers["content-length"] ?? ""), "closed without another answer")
        }
    }

    /// Over the cap, the connection that has waited longest for a request head makes room; when every
    /// connection is inside a request, a new one is closed without an answer.
    @Test func connectionCap() async throws {
        let cap = 8
        try await withLiveServer(configure: {
            $0.connectionLimits = ConnectionLimits(
                headerReadTimeout: .seconds(120), idleTimeout: .seconds(120), bodyReadTimeout: .seconds(120), maximumConnections: cap)
        }) { client, server, _ in
            let port = try #require(client.port)
            // The test client's own connection: kept alive, it is the one waiting longest.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            try await eventually("the test client's connection") { server.connections.openConnections == 1 }
            // Then the cap: the last of these takes the test client's connection's place.
            var stalled: [RawConnection] = []
            for _ in 0..<cap {
                stalled.append(try await RawConnection.open(port: port))
                try await eventually("registered in order") { server.connections.openConnections == min(stalled.count + 1, cap) }
            }

            // Full: a new connection takes the place of the one that has waited longest.
            #expect(try await RawConnection.get("/health", port: port).status == 200)
            _ = try await stalled[0].untilClosed()
            #expect(stalled.dropFirst().allSatisfy { !$0.isClosed }, "only the oldest waiting connection made room")

            var busy: [RawConnection] = []
            for _ in 0..<cap {
                let connection = try await RawConnection.open(port: port)
                try await connection.send(
                    "POST /readings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                busy.append(connection)
                try await eventually("the request head is read") {
                    server.connections.openConnections - server.connections.waitingConnections == busy.count
                }
            }
            try await eventually("\(cap) connections inside a request") {
                server.connections.openConnections == cap && server.connections.waitingConnections == 0
            }
            for connection in stalled { _ = try await connection.untilClosed() }

            let refused = try await RawConnection.open(port: port)
            try? await refused.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")  // may be closed already
            #expect(try await refused.untilClosed().isEmpty, "closed without an answer")
            #expect(busy.allSatisfy { !$0.isClosed })
            for connection in busy { await connection.close() }
            try await eventually("room again") { server.connections.openConnections == 0 }
            #expect(try await RawConnection.get("/health", port: port).status == 200)
        }
    }

    /// A body over the limit is 413 `body_too_large`, whether its length is declared or it comes in
    /// chunks. Answered while the body still arrives, the response says `Connection: close` and the
    /// connection closes after it (here: when the rest of the body does not come).
    @Test func bodiesOverTheLimitAre413() async throws {
        try await withLiveServer(maxBodySize: 1024, configure: { $0.connectionLimits = ConnectionLimits(bodyReadTimeout: .seconds(1)) }) {
            client, _, _ in
            let port = try #require(client.port)
            let head = "POST /readings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            let chunk = "200\r\n" + String(repeating: "x", count: 512) + "\r\n"
            let whole = try await RawConnection.open(port: port)
            try await whole.send(head + "Transfer-Encoding: chunked\r\n\r\n" + String(repeating: chunk, count: 8) + "0\r\n\r\n")
            let response = try await whole.response()
            #expect(response.status == 413)
            #expect(try response.json["code"] as? String == "body_too_large")
            #expect(response.headers["content-type"] == "application/problem+json")
            await whole.close()

            for (framing, sent) in [
                ("Transfer-Encoding: chunked", String(repeating: chunk, count: 3)), ("Content-Length: 4096", String(repeating: "x", count: 100)),
            ] {
                let unfinished = try await RawConnection.open(port: port)
                try await unfinished.send(head + framing + "\r\n\r\n" + sent)
                let refused = try #require(RawResponse(try await unfinished.untilClosed(), requireComplete: true), "\(framing)")
                #expect(refused.status == 413, "\(framing)")
                #expect(try refused.json["code"] as? String == "body_too_large")
                #expect(refused.headers["connection"] == "close")
            }
        }
    }

    /// A body whose bytes stop arriving is answered 408 `request_timeout` after the body-read
    /// timeout, declared length or chunked, and the connection is closed.
    @Test func stalledBodiesAre408() async throws {
        try await withLiveServer(configure: { $0.connectionLimits = ConnectionLimits(bodyReadTimeout: .seconds(1)) }) { client, _, _ in
            let port = try #require(client.port)
            for (framing, start) in [
                ("Content-Length: 100", #"{"battery":"#), ("Transfer-Encoding: chunked", "5\r\n{\"bat\r\n"),
            ] {
                let connection = try await RawConnection.open(port: port)
                try await connection.send(
                    "POST /readings/commitments HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n\(start)")
                let response = try #require(RawResponse(try await connection.untilClosed(), requireComplete: true), "\(framing)")
                #expect(response.status == 408, "\(framing)")
                #expect(try response.json["code"] as? String == "request_timeout")
                #expect(response.headers["content-type"] == "application/problem+json")
                #expect(response.headers["connection"] == "close")
            }
            #expect(try await RawConnection.get("/health", port: port).status == 200)
        }
    }

    /// Public writes share one budget per client: over it every one of them is 429 `rate_limited`
    /// with `Retry-After`; reads are not limited; after the wait the client is admitted again.
    @Test func publicWritesAreRateLimited() async throws {
        // One request every 30 s after a burst of 3: a loaded machine does not refill the bucket by accident.
        try await withLiveServer(configure: { $0.publicWriteLimit = RateLimit(requestsPerMinute: 2, burst: 3) }) { client, _, _ in
            for _ in 0..<3 { #expect(try await client.execute(uri: "/challenges", method: .post).status == .ok) }
            var retryAfter = 0
            for path in ["/challenges", "/diagnostics/challenges", "/readings/commitments", "/readings", "/diagnostics/responses"] {
                let limited = try await client.execute(uri: path, method: .post, body: ByteBuffer(string: "{}"))
                #expect(limited.status == .tooManyRequests, "\(path)")
                #expect(limited.headers[.contentType] == "application/problem+json")
                #expect(try limited.json["code"] as? String == "rate_limited", "\(path)")
                retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init), "\(path)")
                #expect((1...60).contains(retryAfter))
            }
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok, "reads are not limited")
            try await Task.sleep(for: .seconds(retryAfter))
            #expect(try await client.execute(uri: "/challenges", method: .post).status == .ok, "admitted after Retry-After")
        }
    }

    /// Polls `condition` until it holds (server-side bookkeeping catching up), failing after 30 s.
    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw RawConnectionError("not reached within 30 s: \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
