import Foundation

/// Resolves did:web DIDs over HTTPS through an `OutboundFetcher`.
///
/// The whole fetch (name lookup, connect, response head, body) must finish within `timeout`; the body
/// may not exceed `maximumDocumentSize` (`documentTooLarge`); 404 and 410 are `notFound`. Every other
/// failure to get the document, whether the destination is refused (loopback, private, link-local and
/// other special addresses, unless `allowLoopbackHTTP` or `allowList` permit them), the connection is
/// refused, reset or times out, or the server answers another status, is one `networkError` with one
/// message, so the answer does not tell which ports of which hosts are open. The body must be a JSON
/// object whose `id` is the DID (`invalidDidDocument`). Wrap it in a `CachingDIDResolver` to cache documents.
public struct DIDWebResolver: DIDResolver {
    /// Limits and transport policy.
    public struct Configuration: Sendable, Hashable {
        /// The time one resolution may take; default 5 s.
        public var timeout: Duration
        /// The largest document accepted, in bytes; default 256 KiB.
        public var maximumDocumentSize: Int
        /// Fetch `did:web:localhost…` over plain http, and permit loopback addresses (tests, local development); default false.
        public var allowLoopbackHTTP: Bool
        /// Hosts and address blocks that may be fetched from although they are not public.
        public var allowList: [OutboundAllowance]

        public init(
            timeout: Duration = .seconds(5), maximumDocumentSize: Int = 256 * 1024, allowLoopbackHTTP: Bool = false,
            allowList: [OutboundAllowance] = []
        ) {
            self.timeout = timeout
            self.maximumDocumentSize = maximumDocumentSize
            self.allowLoopbackHTTP = allowLoopbackHTTP
            self.allowList = allowList
        }
    }

    public let configuration: Configuration
    private let fetcher: OutboundFetcher

    /// `hostNameResolver` turns host names into the addresses that are checked and connected to.
    public init(configuration: Configuration = Configuration(), hostNameResolver: any HostNameResolver = SystemHostNameResolver()) {
        self.configuration = configuration
        self.fetcher = OutboundFetcher(
            access: OutboundAccess(allowLoopbackHTTP: configuration.allowLoopbackHTTP, allowList: configuration.allowList),
            resolver: hostNameResolver)
    }

    public func resolve(_ did: String) async throws -> DIDDocument {
        let did = try DIDURL(did).did
        let url = try DIDWeb.documentURL(for: did, allowLoopbackHTTP: configuration.allowLoopbackHTTP)
        let body: [UInt8]
        do {
            body = try await fetcher.get(
                url, accept: "application/did+json, application/did+ld+json, application/json;q=0.9", timeout: configuration.timeout,
                maximumSize: configuration.maximumDocumentSize)
        } catch .status(let code) where code == 404 || code == 410 {
            throw IdentityError(.notFound, "\(url) answered \(code): no DID document")
        } catch .tooLarge {
            throw IdentityError(.documentTooLarge, "the document at \(url) exceeds \(configuration.maximumDocumentSize) bytes")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw IdentityError(.networkError, "could not fetch the DID document")
        }
        let document = try DIDDocument(parsing: body)
        guard document.id == did else {
            throw IdentityError(.invalidDidDocument, "the document at \(url) has id '\(document.id)', not '\(did)'")
        }
        return document
    }
}
