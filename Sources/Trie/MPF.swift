/// The checks an on-chain validator runs with aiken-lang/merkle-patricia-forestry (v2.1.0 unless
/// told otherwise): given a trusted root, a key, its value(s) and a proof, decide membership or
/// absence, or compute the root after a change. Nothing here needs the trie itself.
public enum MPF {
    /// The root of the empty trie: 32 zero bytes.
    public static let emptyRoot = Hash32.null

    /// Whether the trie with `root` holds `key` with `value` (on-chain `has`).
    public static func has(root: Hash32, key: [UInt8], value: [UInt8], proof: Proof) -> Bool {
        (try? proof.including(key: key, value: value)) == root
    }

    /// Whether the trie with `root` lacks `key` (on-chain `miss`).
    public static func miss(root: Hash32, key: [UInt8], proof: Proof, as version: OnChainVersion = .v2_1_0) -> Bool {
        (try? proof.excluding(key: key, as: version)) == root
    }

    /// The root after inserting `key` → `value` into the trie with `root`; the proof is the key's
    /// proof in the trie after the insert. Throws `proof_mismatch` unless it shows `key` absent from `root`.
    public static func insert(
        root: Hash32, key: [UInt8], value: [UInt8], proof: Proof, as version: OnChainVersion = .v2_1_0
    ) throws(TrieError) -> Hash32 {
        guard try proof.excluding(key: key, as: version) == root else {
            throw TrieError.mismatch("the proof does not show the key absent from root \(root.hex)")
        }
        return try proof.including(key: key, value: value)
    }

    /// The root after deleting `key` (holding `value`) from the trie with `root`. Throws
    /// `proof_mismatch` unless the proof shows `key` → `value` in `root`.
    public static func delete(
        root: Hash32, key: [UInt8], value: [UInt8], proof: Proof, as version: OnChainVersion = .v2_1_0
    ) throws(TrieError) -> Hash32 {
        guard try proof.including(key: key, value: value) == root else {
            throw TrieError.mismatch("the proof does not show the key with that value in root \(root.hex)")
        }
        return try proof.excluding(key: key, as: version)
    }

    /// The root after changing `key` from `oldValue` to `newValue`. Throws `proof_mismatch` unless
    /// the proof shows `key` → `oldValue` in `root`.
    public static func update(
        root: Hash32, key: [UInt8], proof: Proof, oldValue: [UInt8], newValue: [UInt8]
    ) throws(TrieError) -> Hash32 {
        guard try proof.including(key: key, value: oldValue) == root else {
            throw TrieError.mismatch("the proof does not show the key with the old value in root \(root.hex)")
        }
        return try proof.including(key: key, value: newValue)
    }
}
