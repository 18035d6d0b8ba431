import Credentials
import Crypto
import Encoding
import Synchronization

/// What a verifier has already established about documents that never change: the credentials whose
/// Data Integrity proofs verified, and the status list credentials verified and decoded. Keys are
/// SHA-256 digests of the documents' bytes, so a changed document is simply a new entry; status is
/// still read from the lists every time. Bounded: when full, it starts over.
public final class PassportVerificationCache: Sendable {
    private struct Entries {
        var proven: Set<[UInt8]> = []
        var statusLists: [[UInt8]: StatusListCredential] = [:]
    }

    private let capacity: Int
    private let entries = Mutex(Entries())

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    static func digest(_ document: JSONObject) -> [UInt8] {
        Array(SHA256.hash(data: JSONValue.object(document).serialized()))
    }

    func isProven(_ digest: [UInt8]) -> Bool {
        entries.withLock { $0.proven.contains(digest) }
    }

    func markProven(_ digest: [UInt8]) {
        entries.withLock { entries in
            if entries.proven.count >= capacity { entries.proven.removeAll(keepingCapacity: true) }
            entries.proven.insert(digest)
        }
    }

    func statusList(_ digest: [UInt8]) -> StatusListCredential? {
        entries.withLock { $0.statusLists[digest] }
    }

    func store(_ list: StatusListCredential, for digest: [UInt8]) {
        entries.withLock { entries in
            if entries.statusLists.count >= capacity / 10 { entries.statusLists.removeAll(keepingCapacity: true) }
            entries.statusLists[digest] = list
        }
    }
}

/// The Data Integrity proof policy, remembering the credentials whose proofs verified.
struct CachedProofPolicy: CredentialPolicy {
    var name: String { inner.name }
    let inner: ProofPolicy
    let cache: PassportVerificationCache

    func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        let digest = PassportVerificationCache.digest(credential.json)
        if cache.isProven(digest) { return .passed }
        let outcome = await inner.evaluate(credential, in: context)
        if outcome.failures.isEmpty { cache.markProven(digest) }
        return outcome
    }
}

/// The Bitstring Status List check against lists verified and decoded beforehand (the bundle's
/// snapshots): `revoked`, `suspended`, `status_unreachable` for a list the bundle lacks,
/// `status_list_invalid` for one of another issuer.
struct SnapshotStatusPolicy: CredentialPolicy {
    var name: String { "status" }
    /// Verified lists by their URL.
    let lists: [String: StatusListCredential]
    /// Why a list of the bundle could not be used, by its URL.
    let invalid: [String: StatusListError]

    func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        let entries: [(entry: StatusListEntry, path: String)]
        do {
            entries = try StatusListEntry.entries(in: credential.json)
        } catch {
            return .failed(error.code, error.message, path: "/credentialStatus")
        }
        var outcome = PolicyOutcome()
        for (entry, path) in entries {
            do {
                try check(entry, issuer: credential.issuerID)
            } catch {
                outcome.merge(.failed(error.code, error.message, path: path))
            }
        }
        return outcome
    }

    private func check(_ entry: StatusListEntry, issuer: String?) throws(StatusListError) {
        let url = String(entry.listCredential.prefix { $0 != "#" })
        if let error = invalid[url] { throw error }
        guard let list = lists[url] else { throw StatusListError(.statusUnreachable, "the bundle carries no status list \(url)") }
        try StatusPolicy.check(entry, in: list, issuer: issuer)
    }
}
