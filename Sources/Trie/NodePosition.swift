/// Where a node sits in a trie: its depth in nibbles (0…64, the cursor its parent's slot leads to)
/// and the nibbles of the path that lead there. In one trie each position holds at most one node, so
/// a store can key nodes by position: the nodes of one subtree then share a key prefix and sit
/// together on disk, and a changed node overwrites its predecessor in place.
public struct NodePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number of path nibbles that lead to the node.
    public let depth: Int
    /// The path with every nibble from `depth` on set to zero.
    public let path: Hash32

    /// The root's position.
    public static let root = NodePosition(unchecked: 0, .null)

    /// The position `depth` nibbles down `path`.
    public init(path: Hash32, depth: Int) {
        precondition(depth >= 0 && depth <= 64, "a position is 0…64 nibbles deep")
        self.depth = depth
        var truncated = path
        withUnsafeMutableBytes(of: &truncated) { raw in
            if depth & 1 == 1 { raw[depth >> 1] &= 0xF0 }
            for index in ((depth + 1) >> 1)..<32 { raw[index] = 0 }
        }
        self.path = truncated
    }

    /// The position one nibble further down, through `nibble`.
    @inlinable public func appending(_ nibble: UInt8) -> NodePosition {
        var extended = path
        withUnsafeMutableBytes(of: &extended) { raw in
            raw[depth >> 1] |= depth & 1 == 0 ? nibble << 4 : nibble & 0x0F
        }
        return NodePosition(unchecked: depth + 1, extended)
    }

    /// The position `nibbles.count` nibbles further down.
    public func appending(_ nibbles: [UInt8]) -> NodePosition {
        nibbles.reduce(self) { $0.appending($1) }
    }

    @usableFromInline init(unchecked depth: Int, _ path: Hash32) {
        self.depth = depth
        self.path = path
    }

    /// The storage key: the path bytes that hold the first `depth` nibbles (an odd last nibble in
    /// the high half of its byte), then `depth` as one byte. Keys of the positions in one subtree
    /// share the subtree's prefix, so they sort next to each other.
    public var key: [UInt8] {
        var key = [UInt8](repeating: 0, count: (depth + 1) >> 1 + 1)
        withUnsafeBytes(of: path) { raw in
            for index in 0..<((depth + 1) >> 1) { key[index] = raw[index] }
        }
        key[key.count - 1] = UInt8(depth)
        return key
    }

    public static func < (lhs: NodePosition, rhs: NodePosition) -> Bool {
        lhs.path == rhs.path ? lhs.depth < rhs.depth : lhs.path < rhs.path
    }

    public var description: String {
        "\(depth):" + String((0..<depth).map { Character(String(path.nibble($0), radix: 16)) })
    }
}

/// A stored node's address: its position and the hash its parent commits to.
public struct NodeRef: Hashable, Sendable, CustomStringConvertible {
    public let position: NodePosition
    public let hash: Hash32

    public init(position: NodePosition, hash: Hash32) {
        self.position = position
        self.hash = hash
    }

    public var description: String { "\(hash.hex) at \(position)" }

    /// Hashes the node hash alone, which in practice names the position too.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
