import Credentials
import Encoding
import Foundation
import Identity

extension OperatorDirectory {
    /// A verifier of supply-chain credentials, held to what they must show: a proof by their DID
    /// issuer (REQ-F03), their validity period, and a status entry that is not set (REQ-F08). The
    /// DID documents of the operators registered here come from their key histories and their status
    /// lists from the status list table, so one operator's credentials are checked on another's page
    /// without a request to this instance; other issuers are resolved by `otherIssuers` and their
    /// lists fetched by `otherLists`.
    public nonisolated func supplyChainVerifier(
        otherIssuers: any DIDResolver, otherLists: any StatusListFetcher, now: @escaping @Sendable () -> Date
    ) -> Verifier {
        let resolver = RegisteredOperatorResolver(directory: self, others: otherIssuers)
        var verifier = Verifier.standard(resolver: resolver, issuerBinding: .didRequired, now: now)
        let lists = StatusListCache(fetcher: RegisteredOperatorStatusLists(directory: self, others: otherLists), resolver: resolver, now: now)
        verifier.credentialPolicies.append(StatusPolicy(cache: lists, requireStatus: true))
        return verifier
    }
}

/// Resolves the DIDs of the operators registered on this instance from their key histories, and
/// any other DID through `others`.
struct RegisteredOperatorResolver: DIDResolver {
    let directory: OperatorDirectory
    let others: any DIDResolver

    func resolve(_ did: String) async throws -> DIDDocument {
        guard let member = try? await directory.member(did) else { return try await others.resolve(did) }
        return try await member.keys.document()
    }
}

/// The status lists of the operators registered on this instance, read from the status list table
/// (`<base>/operators/<name>/status-lists/<id>`), and any other list through `others`.
struct RegisteredOperatorStatusLists: StatusListFetcher {
    let directory: OperatorDirectory
    let others: any StatusListFetcher

    func fetch(_ url: String) async throws(StatusListError) -> JSONObject {
        let prefix = OperatorStatusLists.publicBaseURL(directory.publicHost) + "/operators/"
        guard url.hasPrefix(prefix), let name = url.dropFirst(prefix.count).split(separator: "/").first,
            let member = try? await directory.member(named: String(name))
        else {
            return try await others.fetch(url)
        }
        return try await OperatorStatusListFetcher(lists: member.statusLists, remote: others).fetch(url)
    }
}
