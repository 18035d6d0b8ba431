import Foundation

/// Turns a DID into its DID document. Implementations accept a DID URL too and resolve its DID
/// (the fragment, query and path are ignored). Failures are `IdentityError`s.
public protocol DIDResolver: Sendable {
    func resolve(_ did: String) async throws -> DIDDocument
}

extension DIDResolver {
    /// Dereferences a verification method DID URL (`did:…#key-1`): resolves the DID and returns the
    /// method; throws `notFound` when the document does not define it.
    public func verificationMethod(_ didURL: String) async throws -> VerificationMethod {
        let url = try DIDURL(didURL)
        let document = try await resolve(url.did)
        guard let method = document.verificationMethod(id: didURL) else {
            throw IdentityError(.notFound, "the DID document of \(url.did) has no verification method \(didURL)")
        }
        return method
    }
}

/// Dispatches on the DID method: `key` and `web` by default. Unknown methods (e.g. `did:example`,
/// `did:ion`) throw `methodNotSupported`; strings that are not DIDs throw `invalidDid`.
public struct MethodDispatchResolver: DIDResolver {
    private let resolvers: [String: any DIDResolver]

    /// A resolver for the given methods, keyed by method name (`"key"`, `"web"`).
    public init(_ resolvers: [String: any DIDResolver]) {
        self.resolvers = resolvers
    }

    /// did:key and did:web with the given web resolver.
    public init(web: DIDWebResolver, key: DIDKeyResolver = DIDKeyResolver()) {
        self.init(["key": key, "web": web])
    }

    public func resolve(_ did: String) async throws -> DIDDocument {
        let url = try DIDURL(did)
        guard let resolver = resolvers[url.method] else {
            throw IdentityError(.methodNotSupported, "the DID method '\(url.method)' is not supported")
        }
        return try await resolver.resolve(url.did)
    }
}

/// Caches the documents another resolver returns for a fixed time. Failures are not cached. When
/// full, expired entries are dropped first, then the ones closest to expiry.
public actor CachingDIDResolver: DIDResolver {
    private let base: any DIDResolver
    private let timeToLive: Duration
    private let maximumEntries: Int
    private let now: @Sendable () -> Date
    private var entries: [String: (document: DIDDocument, expiry: Date)] = [:]

    /// - Parameters:
    ///   - base: the resolver to ask on a miss.
    ///   - timeToLive: how long a document is served from the cache.
    ///   - maximumEntries: how many documents the cache holds at most.
    ///   - now: the clock; injected so tests can move time.
    public init(
        _ base: any DIDResolver, timeToLive: Duration = .seconds(300), maximumEntries: Int = 1000,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.base = base
        self.timeToLive = timeToLive
        self.maximumEntries = max(1, maximumEntries)
        self.now = now
    }

    public func resolve(_ did: String) async throws -> DIDDocument {
        let key = try DIDURL(did).did
        if let entry = entries[key], now() < entry.expiry {
            return entry.document
        }
        let document = try await base.resolve(key)
        let seconds = Double(timeToLive.components.seconds) + Double(timeToLive.components.attoseconds) / 1e18
        let current = now()
        if entries[key] == nil, entries.count >= maximumEntries {
            entries = entries.filter { current < $0.value.expiry }
            while entries.count >= maximumEntries, let soonest = entries.min(by: { $0.value.expiry < $1.value.expiry }) {
                entries[soonest.key] = nil
            }
        }
        entries[key] = (document, current.addingTimeInterval(seconds))
        return document
    }

    /// How many documents are cached, expired ones included.
    public var count: Int { entries.count }
}
