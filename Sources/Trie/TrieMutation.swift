/// One change in a batch applied with ``MerkleTrie/apply(_:)``.
public enum TrieMutation: Sendable, Hashable {
    /// Adds a key that the trie does not hold (`key_exists` otherwise).
    case insert(key: [UInt8], value: [UInt8])
    /// Changes the value of a key that the trie holds (`key_not_found` otherwise).
    case update(key: [UInt8], value: [UInt8])
    /// Removes a key that the trie holds (`key_not_found` otherwise).
    case delete(key: [UInt8])

    /// The key the change is about.
    public var key: [UInt8] {
        switch self {
        case .insert(let key, _), .update(let key, _), .delete(let key): key
        }
    }
}

/// A key's proof against a trie root: membership when `value` is set, absence otherwise.
public struct KeyProof: Sendable, Hashable {
    /// The key asked about.
    public let key: [UInt8]
    /// The key's value, nil when the trie does not hold the key.
    public let value: [UInt8]?
    /// The steps; check with ``MPF/has(root:key:value:proof:)`` or ``MPF/miss(root:key:proof:as:)``.
    public let proof: Proof
    /// The root the proof is for.
    public let root: Hash32

    /// Whether the proof shows the key present.
    public var isMember: Bool { value != nil }

    /// Whether the proof leads to `root` (membership with `value`, or absence).
    public func verifies() -> Bool {
        if let value { MPF.has(root: root, key: key, value: value, proof: proof) } else { MPF.miss(root: root, key: key, proof: proof) }
    }
}
