/// One level of a proof, root first. `skip` is the number of prefix nibbles of the branch at that
/// level; the verifier takes them from the key's own path.
public enum ProofStep: Sendable, Hashable {
    /// The branch has two or more other children: the four Merkle neighbours of the key's slot,
    /// largest subtree first (8-slot half, 4-slot quarter, pair, single slot), 128 bytes in all.
    case branch(skip: Int, neighbors: [Hash32])
    /// The branch has exactly one other child, itself a branch.
    case fork(skip: Int, neighbor: ForkNeighbor)
    /// The branch has exactly one other child, a leaf: its full path and its value digest.
    case leaf(skip: Int, key: Hash32, value: Hash32)

    /// The number of prefix nibbles of the branch at this level.
    public var skip: Int {
        switch self {
        case .branch(let skip, _), .fork(let skip, _), .leaf(let skip, _, _): skip
        }
    }
}

/// The single other child of a branch, when that child is a branch.
public struct ForkNeighbor: Sendable, Hashable {
    /// Its slot in the parent (0…15).
    public var nibble: UInt8
    /// Its prefix nibbles, one byte each.
    public var prefix: [UInt8]
    /// The Merkle root of its 16 slots (not its node hash, which is H(prefix ‖ root)).
    public var root: Hash32

    public init(nibble: UInt8, prefix: [UInt8], root: Hash32) {
        self.nibble = nibble
        self.prefix = prefix
        self.root = root
    }
}

/// Which deployed release of the on-chain library (aiken-lang/merkle-patricia-forestry) a check
/// follows. `including` (membership, `has`, `update`) is the same in all; `excluding` (used by
/// `miss`, `insert` and `delete`) differs:
/// - ``v2_0_0`` (pinned by cardano-foundation/mpfs and cardano-mpfs-onchain): a **terminal Fork
///   step with skip > 0** leaves out the branch's own prefix nibbles, and a **non-terminal Leaf step
///   with skip > 0** reads the neighbour's slot at the branch's cursor instead of after its prefix.
///   A validator on v2.0.0 rejects valid insert, delete and non-membership proofs with either step
///   (about 3 in 10,000 on `key-i` tries; in the vectors: edge cases 1–8 and `phil`).
/// - ``v2_0_1``: fixes the Leaf step; still rejects proofs ending in a Fork step with skip > 0
///   (edge cases 3–8).
/// - ``v2_1_0``: correct; the behaviour of this package and of the JS library 1.3.x. Every proof
///   this package generates is checked as v2.1.0 does; to target an older validator, check the
///   proof with ``Proof/excluding(key:as:)`` for that version before submitting it.
public enum OnChainVersion: String, Sendable, CaseIterable {
    case v2_0_0 = "2.0.0"
    case v2_0_1 = "2.0.1"
    case v2_1_0 = "2.1.0"
}

/// A Merkle Patricia Forestry proof: the steps from the root to a key's position. The same proof
/// shows membership (``including(key:value:)``), absence (``excluding(key:as:)``), and lets a
/// validator compute the root after inserting or deleting the key (``MPF``).
public struct Proof: Sendable, Hashable {
    public var steps: [ProofStep]

    public init(steps: [ProofStep]) {
        self.steps = steps
    }

    /// The root of a trie that holds `key` with `value` and has this proof for it.
    /// Throws `proof_malformed` when the steps cannot come from a trie (too deep, a neighbour in
    /// the key's own slot, a wrong-sized field).
    public func including(key: some Collection<UInt8>, value: some Collection<UInt8>) throws(TrieError) -> Hash32 {
        try including(path: Hash32(hashing: key), valueDigest: Hash32(hashing: value))
    }

    /// ``including(key:value:)`` for a key path and value digest.
    public func including(path: Hash32, valueDigest: Hash32) throws(TrieError) -> Hash32 {
        try walk(path: path, from: 0) { cursor throws(TrieError) in
            try Self.checkCursor(cursor)
            return Hashing.leaf(path: path, cursor: cursor, valueDigest: valueDigest)
        }
    }

    /// The root of the trie that has this proof for `key` once `key` is removed (or never was in
    /// it), as the on-chain `excluding` of `version` computes it. As on chain, the `skip` of a final
    /// Leaf step is not read (the neighbour leaf takes the whole level), so any value there gives
    /// the same root. Unlike a bare root computation, a final neighbour that could be the key itself
    /// (a leaf equal to it from that level on, a fork in its own slot) is `proof_malformed`: with it,
    /// a proof of another key's absence would show a held key absent.
    public func excluding(key: some Collection<UInt8>, as version: OnChainVersion = .v2_1_0) throws(TrieError) -> Hash32 {
        try excluding(path: Hash32(hashing: key), as: version)
    }

    /// ``excluding(key:as:)`` for a key path.
    public func excluding(path: Hash32, as version: OnChainVersion = .v2_1_0) throws(TrieError) -> Hash32 {
        guard !steps.isEmpty else { return .null }
        // The last step collapses its level: without the key, its branch holds a single child,
        // which takes the branch's place.
        let last = steps[steps.count - 1]
        return try walk(path: path, from: 0, upTo: steps.count - 1, version: version) { cursor throws(TrieError) in
            try Self.checkCursor(cursor)
            switch last {
            case .fork(let skip, let neighbor):
                try Self.checkNibble(neighbor.nibble)
                // Honest proofs never put the neighbour where the key would be: there it could hide the key.
                try Self.checkCursor(cursor + skip + 1)
                guard neighbor.nibble != path.nibble(cursor + skip) else {
                    throw TrieError.malformed("the neighbour fork sits in the key's own slot")
                }
                let own: [UInt8] =
                    version == .v2_1_0 ? try Self.nibbles(of: path, from: cursor, count: skip) : []
                return Hashing.branch(prefix: own + [neighbor.nibble] + neighbor.prefix, merkleRoot: neighbor.root)
            case .leaf(_, let key, let value):
                // The neighbour leaf is another key: one equal to the key from here on would be the key itself.
                guard (cursor..<64).contains(where: { key.nibble($0) != path.nibble($0) }) else {
                    throw TrieError.malformed("the neighbour leaf is the key itself")
                }
                return Hashing.leaf(path: key, cursor: cursor, valueDigest: value)
            case .branch(let skip, let neighbors):
                // A branch keeps two or more children without the key: it stays a branch whose
                // key slot is empty.
                let next = cursor + skip + 1
                return try Self.level(path: path, cursor: cursor, next: next, below: .null, step: .branch(skip: skip, neighbors: neighbors), version: version)
            }
        }
    }

    /// Folds `steps[..<end]` bottom-up: `bottom` yields the hash below the last folded level.
    private func walk(
        path: Hash32, from start: Int, upTo end: Int? = nil, version: OnChainVersion = .v2_1_0,
        bottom: (_ cursor: Int) throws(TrieError) -> Hash32
    ) throws(TrieError) -> Hash32 {
        let end = end ?? steps.count
        var cursors: [Int] = []
        cursors.reserveCapacity(end)
        var cursor = start
        for index in 0..<end {
            cursors.append(cursor)
            let skip = steps[index].skip
            guard skip >= 0, skip <= 64 else { throw TrieError.malformed("skip \(skip) out of range at step \(index)") }
            cursor += skip + 1
            try Self.checkCursor(cursor)
        }
        var hash = try bottom(cursor)
        for index in stride(from: end - 1, through: 0, by: -1) {
            let here = cursors[index]
            hash = try Self.level(path: path, cursor: here, next: here + steps[index].skip + 1, below: hash, step: steps[index], version: version)
        }
        return hash
    }

    /// The hash of the branch at `cursor` whose key slot (at `next - 1`) holds `below`.
    private static func level(
        path: Hash32, cursor: Int, next: Int, below: Hash32, step: ProofStep, version: OnChainVersion
    ) throws(TrieError) -> Hash32 {
        let mine = path.nibble(next - 1)
        let prefix = try nibbles(of: path, from: cursor, count: next - 1 - cursor)
        switch step {
        case .branch(_, let neighbors):
            guard neighbors.count == 4 else { throw TrieError.malformed("a branch step has \(neighbors.count) neighbours, not 4") }
            var hash = below
            for bit in 0..<4 {
                let sibling = neighbors[3 - bit]
                hash = (mine >> bit) & 1 == 1 ? Hashing.pair(sibling, hash) : Hashing.pair(hash, sibling)
            }
            return Hashing.branch(prefix: prefix, merkleRoot: hash)
        case .fork(_, let neighbor):
            try checkNibble(neighbor.nibble)
            let neighborHash = Hashing.branch(prefix: neighbor.prefix, merkleRoot: neighbor.root)
            return try pairOfSlots(prefix: prefix, mine: mine, below: below, other: neighbor.nibble, otherHash: neighborHash)
        case .leaf(_, let key, let value):
            // v2.0.0 read the neighbour's slot at the branch's cursor instead of after its prefix.
            let slot = key.nibble(version == .v2_0_0 ? cursor : next - 1)
            let neighborHash = Hashing.leaf(path: key, cursor: next, valueDigest: value)
            return try pairOfSlots(prefix: prefix, mine: mine, below: below, other: slot, otherHash: neighborHash)
        }
    }

    private static func pairOfSlots(
        prefix: [UInt8], mine: UInt8, below: Hash32, other: UInt8, otherHash: Hash32
    ) throws(TrieError) -> Hash32 {
        guard other != mine else { throw TrieError.malformed("the neighbour sits in the key's own slot \(mine)") }
        let slots = UInt16(1) << mine | UInt16(1) << other
        let hashes = mine < other ? [below, otherHash] : [otherHash, below]
        return Hashing.branch(prefix: prefix, merkleRoot: Hashing.merkle16(slots: slots, hashes: hashes))
    }

    private static func nibbles(of path: Hash32, from cursor: Int, count: Int) throws(TrieError) -> [UInt8] {
        try checkCursor(cursor + count)
        return (cursor..<(cursor + count)).map { path.nibble($0) }
    }

    private static func checkCursor(_ cursor: Int) throws(TrieError) {
        guard cursor <= 64 else { throw TrieError.malformed("the steps go deeper than the 64 nibbles of a path") }
    }

    private static func checkNibble(_ nibble: UInt8) throws(TrieError) {
        guard nibble < 16 else { throw TrieError.malformed("neighbour nibble \(nibble) is not 0…15") }
    }
}
