/// Proof generation: the steps along a key's path, as the reference library's `prove(key, allowMissing)`.
extension MerkleTrie {
    /// The proof for `key` against the current root: membership when the trie holds the key,
    /// otherwise absence. An absence proof is also the proof an on-chain `insert` of the key takes.
    public func proof(for key: [UInt8]) async throws -> KeyProof {
        await lock()
        defer { unlock() }
        let path = Hash32(hashing: key)
        var steps: [ProofStep] = []
        func result(_ value: [UInt8]?) -> KeyProof {
            KeyProof(key: key, value: value, proof: Proof(steps: steps), root: root)
        }
        var current = top
        var cursor = 0
        while var node = current {
            if case .stored(let hash) = node {
                node = try await load(NodeRef(position: NodePosition(path: path, depth: cursor), hash: hash))
            }
            switch node {
            case .stored:
                preconditionFailure("a loaded node is never a reference")
            case .leaf(let leaf):
                if leaf.path == path { return result(leaf.value) }
                // Inserting the key would put a branch here, with this leaf as the only neighbour.
                var split = cursor
                while leaf.path.nibble(split) == path.nibble(split) { split += 1 }
                steps.append(.leaf(skip: split - cursor, key: leaf.path, value: leaf.valueDigest))
                return result(nil)
            case .branch(let branch):
                if let split = branch.matches(path, at: cursor) {
                    // Inserting the key would split this prefix; the rest of the branch is the neighbour.
                    let neighbor = ForkNeighbor(
                        nibble: branch.prefix[split], prefix: Array(branch.prefix[(split + 1)...]),
                        root: Self.merkleRoot(of: branch))
                    steps.append(.fork(skip: split, neighbor: neighbor))
                    return result(nil)
                }
                let skip = branch.prefix.count
                let nibble = path.nibble(cursor + skip)
                let index = branch.index(of: nibble)
                if branch.children.count - (index == nil ? 0 : 1) >= 2 {
                    let neighbors = Hashing.merkleNeighbors(
                        slots: branch.slots, hashes: branch.childHashes, me: Int(nibble))
                    steps.append(.branch(skip: skip, neighbors: neighbors))
                } else {
                    let other = index == 0 ? 1 : 0
                    let slot = branch.occupiedNibbles[other]
                    var neighbor = branch.children[other]
                    if case .stored(let hash) = neighbor {
                        let position = NodePosition(path: path, depth: cursor + skip).appending(slot)
                        neighbor = try await load(NodeRef(position: position, hash: hash))
                    }
                    switch neighbor {
                    case .leaf(let leaf):
                        steps.append(.leaf(skip: skip, key: leaf.path, value: leaf.valueDigest))
                    case .branch(let sibling):
                        let fork = ForkNeighbor(nibble: slot, prefix: sibling.prefix, root: Self.merkleRoot(of: sibling))
                        steps.append(.fork(skip: skip, neighbor: fork))
                    case .stored:
                        preconditionFailure("a loaded node is never a reference")
                    }
                }
                guard let index else { return result(nil) }
                current = branch.children[index]
                cursor += skip + 1
            }
        }
        return result(nil)
    }

    /// The Merkle root of a committed branch's 16 slots.
    static func merkleRoot(of branch: BranchNode) -> Hash32 {
        Hashing.merkle16(slots: branch.slots, hashes: branch.childHashes)
    }
}
