import AsyncHTTPClient
import Foundation
import NIOCore

/// GETs documents others publish (DID documents, status lists, issuer registries) from destinations
/// that `access` permits, and only from them; POSTs to such destinations (webhook deliveries) the same way.
///
/// The host is resolved first and every address it resolves to is checked (`OutboundAccess`); the
/// connection then goes to a checked address (tried in resolver order), never through a second name
/// lookup, so a name cannot be re-pointed at an internal address between check and connect. The
/// request still carries the host name (`Host`, TLS SNI and certificate check). Redirects are followed
/// up to `maximumRedirects`, each target checked the same way. The whole fetch, redirects and body
/// included, must finish within the timeout; the body may not exceed the size limit (checked against
/// `Content-Length` and while it streams in).
///
/// Every failure to get an answer is the same `Failure.unreachable`, whatever the cause (refused
/// destination, unknown name, connection refused or reset, TLS failure, timeout): a caller cannot
/// learn from it which internal ports are open.
public struct OutboundFetcher: Sendable {
    /// Why no document was returned.
    public enum Failure: Error, Sendable, Equatable {
        /// No answer from a permitted destination, for any reason; deliberately one case.
        case unreachable
        /// The server answered with this status, neither 200 nor a redirect.
        case status(Int)
        /// The body is larger than the limit.
        case tooLarge
    }

    /// How many redirects a fetch follows.
    public static let maximumRedirects = 5

    public let access: OutboundAccess
    private let resolver: any HostNameResolver

    public init(access: OutboundAccess = OutboundAccess(), resolver: any HostNameResolver = SystemHostNameResolver()) {
        self.access = access
        self.resolver = resolver
    }

    /// The body of `url` (status 200), asking for the media types in `accept`.
    public func get(_ url: URL, accept: String, timeout: Duration, maximumSize: Int) async throws(Failure) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        do {
            return try await withThrowingTaskGroup(of: [UInt8].self) { group in
                group.addTask {
                    var location = url
                    for _ in 0...Self.maximumRedirects {
                        switch try await fetch(location, accept: accept, maximumSize: maximumSize, deadline: deadline) {
                        case .document(let body): return body
                        case .redirect(let next): location = next
                        }
                    }
                    throw Failure.unreachable
                }
                group.addTask {
                    try await Task.sleep(until: deadline)
                    throw Failure.unreachable
                }
                defer { group.cancelAll() }
                guard let body = try await group.next() else { throw Failure.unreachable }
                return body
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .unreachable
        }
    }

    private enum Outcome: Sendable {
        case document([UInt8])
        case redirect(URL)
    }

    /// No response head came back from one address (the next may be tried).
    private struct NotAnswered: Error {}

    /// One request: checks the destination, then tries its addresses until one answers.
    private func fetch(_ url: URL, accept: String, maximumSize: Int, deadline: ContinuousClock.Instant) async throws -> Outcome {
        try await withPinnedClient(url, deadline: deadline) { client in
            try await exchange(url, client: client, accept: accept, maximumSize: maximumSize, deadline: deadline)
        }
    }

    /// POSTs `body` with `headers` to `url`, a destination `access` permits, and answers the response's
    /// status (its body is read up to 64 KiB and dropped). Redirects are not followed: their status is
    /// the answer. Every failure to get a status is `Failure.unreachable`, as for ``get(_:accept:timeout:maximumSize:)``.
    public func post(_ url: URL, body: [UInt8], headers: [(name: String, value: String)], timeout: Duration) async throws(Failure) -> Int {
        let deadline = ContinuousClock.now + timeout
        do {
            return try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    try await withPinnedClient(url, deadline: deadline) { client in
                        var request = HTTPClientRequest(url: url.absoluteString)
                        request.method = .POST
                        for header in headers { request.headers.add(name: header.name, value: header.value) }
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let response: HTTPClientResponse
                        do {
                            response = try await client.execute(
                                request, timeout: .nanoseconds(max(ContinuousClock.now.duration(to: deadline).nanoseconds, 1)))
                        } catch {
                            throw NotAnswered()
                        }
                        _ = try? await response.body.collect(upTo: 1 << 16)
                        return Int(response.status.code)
                    }
                }
                group.addTask {
                    try await Task.sleep(until: deadline)
                    throw Failure.unreachable
                }
                defer { group.cancelAll() }
                guard let status = try await group.next() else { throw Failure.unreachable }
                return status
            }
        } catch {
            throw .unreachable
        }
    }

    /// Checks the destination of `url`, then runs `body` with a client pinned to each of its addresses
    /// in turn until one answers.
    private func withPinnedClient<T: Sendable>(
        _ url: URL, deadline: ContinuousClock.Instant, _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        guard let scheme = url.scheme, let rawHost = url.host, !rawHost.isEmpty, access.permitsScheme(scheme, host: rawHost) else {
            throw Failure.unreachable
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let literal = IPAddress(host)
        let addresses: [IPAddress]
        if let literal {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolver.addresses(of: host)
            } catch {
                throw Failure.unreachable
            }
        }
        guard !addresses.isEmpty, addresses.allSatisfy({ access.permits($0, of: host) }) else { throw Failure.unreachable }
        for (index, address) in addresses.enumerated() {
            let remaining = ContinuousClock.now.duration(to: deadline)
            let connectTimeout = remaining / (addresses.count - index)
            do {
                return try await withClient(pinning: literal == nil ? (host, address) : nil, connectTimeout: connectTimeout, body)
            } catch is NotAnswered where index < addresses.count - 1 {
                continue
            } catch is NotAnswered {
                throw Failure.unreachable
            }
        }
        throw Failure.unreachable
    }

    /// Runs `body` with a client whose only route to `host` is `address`.
    private func withClient<T: Sendable>(
        pinning: (host: String, address: IPAddress)?, connectTimeout: Duration, _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .nanoseconds(max(connectTimeout.nanoseconds, 1))
        if let pinning { configuration.dnsOverride = [pinning.host: pinning.address.description] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let outcome = try await body(client)
            try? await client.shutdown()
            return outcome
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func exchange(
        _ url: URL, client: HTTPClient, accept: String, maximumSize: Int, deadline: ContinuousClock.Instant
    ) async throws -> Outcome {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: accept)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(max(ContinuousClock.now.duration(to: deadline).nanoseconds, 1)))
        } catch {
            throw NotAnswered()
        }
        switch response.status.code {
        case 200:
            return .document(try await read(response, maximumSize: maximumSize))
        case 301, 302, 303, 307, 308:
            guard let location = response.headers.first(name: "Location"), let next = URL(string: location, relativeTo: url)?.absoluteURL
            else { throw Failure.status(Int(response.status.code)) }
            return .redirect(next)
        default:
            throw Failure.status(Int(response.status.code))
        }
    }

    /// Reads the body, refusing it as soon as it exceeds the size limit.
    private func read(_ response: HTTPClientResponse, maximumSize: Int) async throws -> [UInt8] {
        if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > maximumSize {
            throw Failure.tooLarge
        }
        var body: [UInt8] = []
        do {
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= maximumSize else { throw Failure.tooLarge }
                body += chunk.readableBytesView
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreachable
        }
        return body
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
