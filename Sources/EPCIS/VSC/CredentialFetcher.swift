import Credentials

/// Where a chain verifier finds the credentials that links point to, by credential id.
public protocol CredentialFetcher: Sendable {
    /// The credential stored under `id`, or nil when there is none. Throws when the source cannot
    /// be read.
    func credential(id: String) async throws -> Credential?
}

/// Credentials held in memory, e.g. the files given to `voltpass chain verify`, looked up by the
/// `id` they carry.
public struct CredentialSet: CredentialFetcher {
    public let byID: [String: Credential]

    public init(_ credentials: [Credential]) {
        var byID: [String: Credential] = [:]
        for credential in credentials {
            if let id = credential.id { byID[id] = credential }
        }
        self.byID = byID
    }

    public func credential(id: String) async throws -> Credential? { byID[id] }
}

/// Looks in each fetcher in turn and answers with the first credential found.
public struct FirstFoundFetcher: CredentialFetcher {
    public let fetchers: [any CredentialFetcher]

    public init(_ fetchers: [any CredentialFetcher]) {
        self.fetchers = fetchers
    }

    public func credential(id: String) async throws -> Credential? {
        for fetcher in fetchers {
            if let credential = try await fetcher.credential(id: id) { return credential }
        }
        return nil
    }
}

/// The credentials a `CredentialRepository` keeps, parsed from their stored JSON.
public struct RepositoryCredentialFetcher: CredentialFetcher {
    public let repository: any CredentialRepository

    public init(_ repository: any CredentialRepository) {
        self.repository = repository
    }

    public func credential(id: String) async throws -> Credential? {
        guard let stored = try await repository.credential(id: id) else { return nil }
        return try Credential(parsing: stored.document)
    }
}
