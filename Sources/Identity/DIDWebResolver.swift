import AsyncHTTPClient
import Foundation
import NIOCore

/// Resolves did:web DIDs over HTTPS with AsyncHTTPClient.
///
/// The whole fetch (connect, response head, body) must finish within `timeout` (`resolutionTimeout`;
/// a refused or failed connection is still a `networkError`, reported when the time is up); the
/// body may not exceed `maximumDocumentSize`, checked against `Content-Length` and again while the
/// body streams in (`documentTooLarge`); 404 and 410 are `notFound`, other failures `networkError`;
/// the body must be a JSON object whose `id` is the DID (`invalidDidDocument`). Redirects follow the
/// policy of the injected client. Wrap it in a `CachingDIDResolver` to cache documents.
public struct DIDWebResolver: DIDResolver {
    /// Limits and transport policy.
    public struct Configuration: Sendable, Hashable {
        /// The time one resolution may take; default 5 s.
        public var timeout: Duration
        /// The largest document accepted, in bytes; default 256 KiB.
        public var maximumDocumentSize: Int
        /// Fetch `did:web:localhost…` over plain http (tests, local development); default false.
        public var allowLoopbackHTTP: Bool

        public init(timeout: Duration = .seconds(5), maximumDocumentSize: Int = 256 * 1024, allowLoopbackHTTP: Bool = false) {
            self.timeout = timeout
            self.maximumDocumentSize = maximumDocumentSize
            self.allowLoopbackHTTP = allowLoopbackHTTP
        }
    }

    public let configuration: Configuration
    private let client: HTTPClient

    public init(client: HTTPClient = .failFast, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
    }

    public func resolve(_ did: String) async throws -> DIDDocument {
        let did = try DIDURL(did).did
        let url = try DIDWeb.documentURL(for: did, allowLoopbackHTTP: configuration.allowLoopbackHTTP)
        let deadline = ContinuousClock.now + configuration.timeout
        let response = try await responseHead(url, deadline: deadline)
        let body = try await withDeadline(deadline, url: url) { try await read(response, from: url) }
        let document = try DIDDocument(parsing: body)
        guard document.id == did else {
            throw IdentityError(.invalidDidDocument, "the document at \(url) has id '\(document.id)', not '\(did)'")
        }
        return document
    }

    /// Sends the request and waits for the response head; AsyncHTTPClient enforces the deadline
    /// and reports connection failures (after its retries) when it passes.
    private func responseHead(_ url: URL, deadline: ContinuousClock.Instant) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "application/did+json, application/did+ld+json, application/json;q=0.9")
        let response: HTTPClientResponse
        do {
            let remaining = ContinuousClock.now.duration(to: deadline)
            response = try await client.execute(request, timeout: .nanoseconds(max(remaining.nanoseconds, 0)))
        } catch let error as HTTPClientError
            where [.deadlineExceeded, .connectTimeout, .getConnectionFromPoolTimeout].contains(error)
        {
            throw IdentityError(.resolutionTimeout, "\(url) did not answer within \(configuration.timeout)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw IdentityError(.networkError, "fetching \(url) failed: \(error)")
        }
        switch response.status.code {
        case 200: return response
        case 404, 410: throw IdentityError(.notFound, "\(url) answered \(response.status.code): no DID document")
        default: throw IdentityError(.networkError, "\(url) answered HTTP \(response.status.code)")
        }
    }

    /// Reads the body, refusing it as soon as it exceeds the size limit.
    private func read(_ response: HTTPClientResponse, from url: URL) async throws -> [UInt8] {
        let limit = configuration.maximumDocumentSize
        if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > limit {
            throw IdentityError(.documentTooLarge, "\(url) declares \(declared) bytes; the limit is \(limit)")
        }
        var body: [UInt8] = []
        do {
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= limit else {
                    throw IdentityError(.documentTooLarge, "the document at \(url) exceeds \(limit) bytes")
                }
                body += chunk.readableBytesView
            }
        } catch let error as IdentityError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw IdentityError(.networkError, "reading \(url) failed: \(error)")
        }
        return body
    }

    /// Runs `operation`, failing with `resolutionTimeout` if it is still running at `deadline`.
    private func withDeadline(
        _ deadline: ContinuousClock.Instant, url: URL, _ operation: @escaping @Sendable () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            group.addTask(operation: operation)
            group.addTask { [timeout = configuration.timeout] in
                try await Task.sleep(until: deadline)
                throw IdentityError(.resolutionTimeout, "reading \(url) took longer than \(timeout)")
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() else {
                throw IdentityError(.resolutionTimeout, "reading \(url) produced no result")
            }
            return result
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
