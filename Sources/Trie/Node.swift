/// A branch slot's content in the resident tree: a node held in memory, or only its hash (the node
/// is in the store and is loaded when a walk needs it).
enum Child {
    case stored(Hash32)
    case leaf(LeafNode)
    case branch(BranchNode)

    /// The node's hash; nil for a resident node changed since it was last hashed.
    var cachedHash: Hash32? {
        switch self {
        case .stored(let hash): hash
        case .leaf(let leaf): leaf.hash
        case .branch(let branch): branch.hash
        }
    }
}

/// A key and its value. Its position (the cursor of its parent slot) is not stored: the leaf hash
/// depends on it, so a leaf that moves is re-hashed.
final class LeafNode {
    let key: [UInt8]
    var value: [UInt8]
    /// H(key): the 64-nibble path.
    let path: Hash32
    /// H(value).
    var valueDigest: Hash32
    /// The hash at its current position; nil when changed or moved since last hashed.
    var hash: Hash32?

    init(key: [UInt8], value: [UInt8], path: Hash32, valueDigest: Hash32, hash: Hash32? = nil) {
        self.key = key
        self.value = value
        self.path = path
        self.valueDigest = valueDigest
        self.hash = hash
    }

    convenience init(key: [UInt8], value: [UInt8]) {
        self.init(key: key, value: value, path: Hash32(hashing: key), valueDigest: Hash32(hashing: value))
    }
}

/// A node with 2…16 children and the nibbles shared by every key below it.
final class BranchNode {
    /// The shared nibbles after the parent's slot (one nibble per element).
    var prefix: [UInt8]
    /// Bit n set when slot n is occupied.
    var slots: UInt16
    /// The occupied slots' children, in slot order.
    var children: [Child]
    /// The occupied slots' child hashes, in slot order; valid for the slots not in `dirty`.
    var childHashes: [Hash32]
    /// Bit n set when slot n changed (new, removed or re-hashed child) since this branch was last hashed.
    var dirty: UInt16
    /// For wide branches: the 15 inner nodes of the 16-slot Merkle tree (8 pairs, 4 quarters,
    /// 2 halves, the root), so that a changed slot re-hashes only its own 4 levels.
    var merkleCache: [Hash32]?
    /// The node hash; nil when changed since last hashed.
    var hash: Hash32?

    /// A branch read from the store: every child known by its hash.
    init(prefix: [UInt8], slots: UInt16, childHashes: [Hash32], hash: Hash32) {
        self.prefix = prefix
        self.slots = slots
        self.children = childHashes.map { .stored($0) }
        self.childHashes = childHashes
        self.dirty = 0
        self.hash = hash
    }

    /// A new branch with two children.
    init(prefix: [UInt8], pair first: (UInt8, Child), _ second: (UInt8, Child)) {
        self.prefix = prefix
        slots = UInt16(1) << first.0 | UInt16(1) << second.0
        children = first.0 < second.0 ? [first.1, second.1] : [second.1, first.1]
        childHashes = [.null, .null]
        dirty = slots
    }

    /// Where slot `nibble`'s child is in `children`, if the slot is occupied.
    @inline(__always)
    func index(of nibble: UInt8) -> Int? {
        let bit = UInt16(1) << nibble
        guard slots & bit != 0 else { return nil }
        return (slots & (bit &- 1)).nonzeroBitCount
    }

    /// Replaces the child in slot `nibble` (at `index`) by a changed one.
    @inline(__always)
    func replace(_ child: Child, at index: Int, nibble: UInt8) {
        children[index] = child
        dirty |= UInt16(1) << nibble
    }

    /// Puts `child` in the empty slot `nibble`.
    func insert(_ child: Child, at nibble: UInt8) {
        let bit = UInt16(1) << nibble
        let index = (slots & (bit &- 1)).nonzeroBitCount
        children.insert(child, at: index)
        childHashes.insert(.null, at: index)
        slots |= bit
        dirty |= bit
    }

    /// Empties slot `nibble`.
    func remove(at nibble: UInt8) {
        let bit = UInt16(1) << nibble
        let index = (slots & (bit &- 1)).nonzeroBitCount
        children.remove(at: index)
        childHashes.remove(at: index)
        slots &= ~bit
        dirty |= bit
    }

    /// Branches with at least this many children keep their inner Merkle nodes.
    static let cachedWidth = 6

    /// The Merkle root of the 16 slots from `childHashes`, re-hashing only the inner nodes above
    /// the slots in `changed` when the inner nodes are cached.
    func merkleRoot(changed: UInt16) -> Hash32 {
        withUnsafeTemporaryAllocation(of: Hash32.self, capacity: 31) { tree in
            // tree[0..<16] the slots, [16..<24] pairs, [24..<28] quarters, [28..<30] halves, [30] root.
            var index = 0
            for slot in 0..<16 {
                if slots & (1 << slot) != 0 {
                    tree[slot] = childHashes[index]
                    index += 1
                } else {
                    tree[slot] = .null
                }
            }
            var stale = UInt32(changed)
            if let cache = merkleCache {
                for offset in 0..<15 { tree[16 + offset] = cache[offset] }
            } else {
                stale = 0xFFFF
            }
            var occupied = UInt32(slots)
            var input = 0
            var output = 16
            var width = 8
            var depth = 1
            while width >= 1 {
                var nextStale: UInt32 = 0
                var nextOccupied: UInt32 = 0
                for pair in 0..<width {
                    let pairBits = (occupied >> (2 * pair)) & 0b11
                    if pairBits != 0 { nextOccupied |= 1 << pair }
                    guard (stale >> (2 * pair)) & 0b11 != 0 else { continue }
                    nextStale |= 1 << pair
                    tree[output + pair] =
                        pairBits == 0
                        ? Hashing.nullHashes[depth] : Hashing.pair(tree[input + 2 * pair], tree[input + 2 * pair + 1])
                }
                stale = nextStale
                occupied = nextOccupied
                input = output
                output += width
                width >>= 1
                depth += 1
            }
            if children.count >= Self.cachedWidth {
                if merkleCache == nil { merkleCache = Array(repeating: .null, count: 15) }
                for offset in 0..<15 { merkleCache![offset] = tree[16 + offset] }
            } else {
                merkleCache = nil
            }
            return tree[30]
        }
    }

    /// The occupied slot numbers in order.
    var occupiedNibbles: [UInt8] {
        (0..<16).compactMap { slots & (1 << $0) != 0 ? UInt8($0) : nil }
    }
}
