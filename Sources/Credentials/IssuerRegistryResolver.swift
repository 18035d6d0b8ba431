import Encoding
import Foundation
import Identity

/// Gets the registry document published at a URL. Not getting it is `registry_unreachable`; a body that
/// is not a JSON object is `registry_invalid`.
public protocol IssuerRegistryFetcher: Sendable {
    func fetch(_ url: String) async throws(IssuerRegistryError) -> JSONObject
}

/// Fetches registries over HTTPS with the transport, limits and destination checks of `HTTPStatusListFetcher`.
public struct HTTPIssuerRegistryFetcher: IssuerRegistryFetcher {
    private let transport: HTTPStatusListFetcher

    public init(transport: HTTPStatusListFetcher = HTTPStatusListFetcher()) {
        self.transport = transport
    }

    public func fetch(_ url: String) async throws(IssuerRegistryError) -> JSONObject {
        do {
            return try await transport.object(at: url, describedAs: "the issuer registry")
        } catch {
            throw error.kind == .statusUnreachable ? .unreachable(error.message) : .invalid(error.message)
        }
    }
}

/// Dereferences the trust framework references of credentials (REQ-F10) to verified registries.
///
/// Only frameworks the verifier has a trust anchor for are followed: `trustAnchors` maps a framework
/// URI to the DID of the governance authority that must sign its registry (anything else is
/// `registry_untrusted`, so a credential cannot bring its own registry). The registry is fetched from
/// the reference's `issuerRegistry` URL, or from the framework URI itself, verified, checked to belong to
/// the framework, and cached for `maximumAge` (failures are not cached).
public actor IssuerRegistryResolver {
    private let trustAnchors: [String: String]
    private let fetcher: any IssuerRegistryFetcher
    private let resolver: any DIDResolver
    private let maximumAge: TimeInterval
    private let now: @Sendable () -> Date
    private var cache: [String: (registry: IssuerRegistry, fetchedAt: Date)] = [:]

    /// - Parameters:
    ///   - trustAnchors: trust framework URI → DID of the authority that signs its registry.
    ///   - fetcher: where registries come from (HTTP in production).
    ///   - resolver: resolves the authority's keys.
    ///   - maximumAge: how long a fetched registry is used; default 24 hours.
    ///   - now: the clock.
    public init(
        trustAnchors: [String: String], fetcher: any IssuerRegistryFetcher, resolver: any DIDResolver,
        maximumAge: Duration = .seconds(24 * 3600), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.trustAnchors = trustAnchors
        self.fetcher = fetcher
        self.resolver = resolver
        self.maximumAge = Double(maximumAge.components.seconds) + Double(maximumAge.components.attoseconds) / 1e18
        self.now = now
    }

    /// Whether registries of `framework` are followed.
    public nonisolated func hasTrustAnchor(for framework: String) -> Bool { trustAnchors[framework] != nil }

    /// The verified registry a reference points to.
    public func registry(for reference: TrustFrameworkReference) async throws(IssuerRegistryError) -> IssuerRegistry {
        guard let authority = trustAnchors[reference.trustFramework] else {
            throw .untrusted("this verifier has no trust anchor for the trust framework \(reference.trustFramework)")
        }
        let url = reference.issuerRegistry ?? reference.trustFramework
        let current = now()
        if let entry = cache[url], current >= entry.fetchedAt, current < entry.fetchedAt.addingTimeInterval(maximumAge) {
            return entry.registry
        }
        let document = try await fetcher.fetch(url)
        let registry = try await IssuerRegistry.verified(document, authority: authority, resolver: resolver, now: now)
        guard registry.trustFramework == reference.trustFramework else {
            throw .invalid("the registry at \(url) belongs to \(registry.trustFramework), not \(reference.trustFramework)")
        }
        cache[url] = (registry, current)
        return registry
    }
}
