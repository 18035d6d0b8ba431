import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A TCP connection to a server on loopback that sends exactly the bytes a test gives it (a partial
/// head, a stalled body) and keeps every byte that comes back.
struct RawConnection: Sendable {
    let channel: any Channel
    private let received: Received

    /// Connects to `localhost:port` (IPv4 or IPv6, whichever the server listens on).
    static func open(port: Int) async throws -> RawConnection {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(received) }
            }
            .connect(host: "localhost", port: port).get()
        return RawConnection(channel: channel, received: received)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    var isClosed: Bool { !channel.isActive }

    /// Everything received so far.
    var bytes: [UInt8] { received.bytes }

    /// Waits until the server closes the connection, at most `limit` (a guard against hanging, not a
    /// measure: a loaded machine may be slow), and returns what it sent.
    func untilClosed(limit: Duration = .seconds(120)) async throws -> [UInt8] {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await channel.closeFuture.get() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw RawConnectionError("the server did not close the connection within \(limit)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
        return received.bytes
    }

    /// Waits until a whole response has arrived (its head and `Content-Length` bytes), at most `limit`.
    func response(limit: Duration = .seconds(120)) async throws -> RawResponse {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let response = RawResponse(received.bytes, requireComplete: true) { return response }
            if isClosed { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let response = RawResponse(received.bytes, requireComplete: true) else {
            throw RawConnectionError("no complete response within \(limit): \(String(decoding: received.bytes, as: UTF8.self))")
        }
        return response
    }

    func close() async {
        try? await channel.close()
    }

    /// A one-shot `GET path` on a new connection, returning the response.
    static func get(_ path: String, port: Int) async throws -> RawResponse {
        let connection = try await open(port: port)
        try await connection.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let bytes = try await connection.untilClosed()
        guard let response = RawResponse(bytes, requireComplete: true) else {
            throw RawConnectionError("no response to GET \(path): \(String(decoding: bytes, as: UTF8.self))")
        }
        return response
    }

    private final class Received: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        private let storage = Mutex<[UInt8]>([])

        var bytes: [UInt8] { storage.withLock { $0 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            storage.withLock { $0 += buffer.readableBytesView }
        }
    }
}

/// An HTTP/1.1 response read off a raw connection.
struct RawResponse {
    let status: Int
    /// Header fields by lowercased name.
    let headers: [String: String]
    let body: [UInt8]

    /// Parses `bytes`; nil while the head (or, with `requireComplete`, the `Content-Length` body) is incomplete.
    init?(_ bytes: [UInt8], requireComplete: Bool) {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = Array(bytes[(end + separator.count)...])
        if requireComplete, let length = headers["content-length"].flatMap(Int.init), body.count < length { return nil }
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as a JSON object.
    var json: [String: Any] {
        get throws {
            try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        }
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
