import AsyncHTTPClient
import Encoding
import Foundation
import Identity
import NIOCore

/// Fetches status list credentials over HTTPS with AsyncHTTPClient. The whole fetch must finish within
/// `timeout`; the body may not exceed `maximumSize` bytes (checked against `Content-Length` and while
/// it streams in). Plain `http` is refused unless `allowLoopbackHTTP` is set and the host is loopback.
public struct HTTPStatusListFetcher: StatusListFetcher {
    /// Limits and transport policy.
    public struct Configuration: Sendable, Hashable {
        /// The time one fetch may take; default 5 s.
        public var timeout: Duration
        /// The largest response accepted, in bytes; default 2 MiB.
        public var maximumSize: Int
        /// Allow `http://127.0.0.1`, `http://[::1]` and `http://localhost` (tests, local development).
        public var allowLoopbackHTTP: Bool

        public init(timeout: Duration = .seconds(5), maximumSize: Int = 2 * 1024 * 1024, allowLoopbackHTTP: Bool = false) {
            self.timeout = timeout
            self.maximumSize = maximumSize
            self.allowLoopbackHTTP = allowLoopbackHTTP
        }
    }

    public let configuration: Configuration
    private let client: HTTPClient

    public init(client: HTTPClient = .failFast, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
    }

    public func fetch(_ url: String) async throws(StatusListError) -> JSONObject {
        let target = try location(of: url)
        var request = HTTPClientRequest(url: target)
        request.headers.add(name: "Accept", value: "application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/json;q=0.8")
        let limit = configuration.maximumSize
        let timeout = configuration.timeout
        let body: [UInt8]
        do {
            body = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                group.addTask { [request, client] in
                    let response = try await client.execute(request, timeout: .nanoseconds(Self.nanoseconds(timeout)))
                    guard response.status.code == 200 else {
                        throw StatusListError(.statusUnreachable, "\(target) answered HTTP \(response.status.code)")
                    }
                    if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > limit {
                        throw StatusListError(.statusUnreachable, "\(target) declares \(declared) bytes; the limit is \(limit)")
                    }
                    var body: [UInt8] = []
                    for try await chunk in response.body {
                        guard body.count + chunk.readableBytes <= limit else {
                            throw StatusListError(.statusUnreachable, "the document at \(target) exceeds \(limit) bytes")
                        }
                        body += chunk.readableBytesView
                    }
                    return body
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw StatusListError(.statusUnreachable, "\(target) did not answer within \(timeout)")
                }
                defer { group.cancelAll() }
                return try await group.next()!  // two tasks were added: next() returns the first to finish
            }
        } catch let error as StatusListError {
            throw error
        } catch {
            throw StatusListError(.statusUnreachable, "fetching \(target) failed: \(error)")
        }
        do {
            guard let object = try JSONValue(parsing: body).objectValue else {
                throw StatusListError(.statusListInvalid, "the document at \(target) is not a JSON object")
            }
            return object
        } catch let error as StatusListError {
            throw error
        } catch {
            throw StatusListError(.statusListInvalid, "the document at \(target) is not valid JSON: \(error)")
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The URL to request: `url` without its fragment, if its scheme and host are allowed.
    private func location(of url: String) throws(StatusListError) -> String {
        let withoutFragment = String(url.prefix { $0 != "#" })
        guard let components = URLComponents(string: withoutFragment), let host = components.host, !host.isEmpty else {
            throw StatusListError(.statusUnreachable, "the URL \(url) cannot be fetched")
        }
        switch components.scheme?.lowercased() {
        case "https": return withoutFragment
        case "http" where configuration.allowLoopbackHTTP && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()):
            return withoutFragment
        default:
            throw StatusListError(.statusUnreachable, "the URL \(url) is not https")
        }
    }
}
