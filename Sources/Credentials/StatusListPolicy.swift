import Encoding
import Foundation
import Identity

/// Checks every `BitstringStatusListEntry` of a credential (REQ-F08), failing closed: the list must be
/// fetched, verify (its own proof, by the credential's issuer), have the entry's purpose, have at least
/// 131,072 entries and contain the index. A set `revocation` bit fails with `revoked`, a set `suspension`
/// bit with `suspended`; an unreachable list with `status_unreachable`, distinct from both.
public struct StatusPolicy: CredentialPolicy {
    /// The longest a cached list may be relied on in high-stakes contexts (pharmaceutical, food safety,
    /// recalls): 24 hours.
    public static let highStakesMaximumAge: Duration = .seconds(24 * 3600)
    /// The longest a cached list may be relied on otherwise: 7 days.
    public static let standardMaximumAge: Duration = .seconds(7 * 24 * 3600)

    public var name: String { "status" }
    public let cache: StatusListCache
    /// How old a cached list may be; a list's shorter `ttl` wins.
    public var maximumAge: Duration
    /// Whether a credential without any status entry fails (`status_missing`), as REQ-F08 asks of
    /// supply-chain event credentials.
    public var requireStatus: Bool

    public init(cache: StatusListCache, maximumAge: Duration = standardMaximumAge, requireStatus: Bool = false) {
        self.cache = cache
        self.maximumAge = maximumAge
        self.requireStatus = requireStatus
    }

    public func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        let entries: [(entry: StatusListEntry, path: String)]
        do {
            entries = try StatusListEntry.entries(in: credential.json)
        } catch {
            return .failed(error.code, error.message, path: "/credentialStatus")
        }
        if entries.isEmpty {
            return requireStatus
                ? .failed("status_missing", "the credential has no BitstringStatusListEntry in credentialStatus", path: "/credentialStatus")
                : .passed
        }
        var outcome = PolicyOutcome()
        for (entry, path) in entries {
            do {
                try await check(entry, issuer: credential.issuerID)
            } catch {
                outcome.merge(.failed(error.code, error.message, path: path))
            }
        }
        return outcome
    }

    private func check(_ entry: StatusListEntry, issuer: String?) async throws(StatusListError) {
        try Self.check(entry, in: try await cache.list(at: entry.listCredential, maximumAge: maximumAge), issuer: issuer)
    }

    /// Checks one status entry of a credential by `issuer` against its verified, decoded list:
    /// `status_list_invalid` for a list of another id or issuer, `revoked` or `suspended` when the
    /// entry's bit is set (refresh and message purposes are information, not failures).
    public static func check(_ entry: StatusListEntry, in list: StatusListCredential, issuer: String?) throws(StatusListError) {
        guard list.id == String(entry.listCredential.prefix { $0 != "#" }) else {
            throw StatusListError(.statusListInvalid, "the list at \(entry.listCredential) says its id is \(list.id)")
        }
        guard list.issuer == issuer else {
            throw StatusListError(
                .statusListInvalid, "the list at \(entry.listCredential) is issued by \(list.issuer), not by the credential's issuer")
        }
        let status = try entry.status(in: list)
        guard status != 0 else { return }
        switch entry.purpose {
        case .revocation: throw StatusListError(.revoked, "the credential is revoked (\(entry.listCredential) index \(entry.index))")
        case .suspension: throw StatusListError(.suspended, "the credential is suspended (\(entry.listCredential) index \(entry.index))")
        default: return  // refresh and message values are information, not failures
        }
    }

    /// The check `StatusListCache` runs on each fetched list: the data model, a Data Integrity proof by
    /// the list's issuer with a key its DID document authorizes, and the validity period, each failure
    /// reported as `status_list_invalid`.
    public static func verification(
        resolver: any DIDResolver, now: @escaping @Sendable () -> Date = Date.init
    ) -> StatusListCache.Verification {
        let verifier = Verifier(
            credentialPolicies: [DataModelPolicy(), ProofPolicy(resolver: resolver), ValidityPeriodPolicy()], now: now)
        return { (document: JSONObject) async throws(StatusListError) -> Void in
            let result = await verifier.verify(Credential(document))
            guard result.verified else {
                let reasons = result.failures.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                throw StatusListError(.statusListInvalid, "the status list credential does not verify: \(reasons)")
            }
        }
    }
}

extension StatusListCache {
    /// A cache that verifies each list with `StatusPolicy.verification(resolver:now:)`.
    public init(
        fetcher: any StatusListFetcher, resolver: any DIDResolver, maximumEntries: Int = 1000,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.init(
            fetcher: fetcher, verify: StatusPolicy.verification(resolver: resolver, now: now), maximumEntries: maximumEntries,
            now: now)
    }
}
