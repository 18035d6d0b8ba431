import Identity
import Synchronization

/// Remembers the public key of each verification method already decoded, so verifying many
/// credentials from one issuer does not decode and validate the same key again. The key is a
/// pure function of the method's JSON, which is the cache key, so an entry can never be stale.
final class VerificationKeyCache: Sendable {
    static let shared = VerificationKeyCache(capacity: 4096)

    private let capacity: Int
    private let entries = Mutex<[VerificationMethod: PublicKey]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The method's public key, decoded once.
    func key(of method: VerificationMethod) throws(IdentityError) -> PublicKey {
        if let key = entries.withLock({ $0[method] }) { return key }
        let key = try method.publicKey()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[method] = key
        }
        return key
    }
}
