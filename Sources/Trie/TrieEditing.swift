/// The edits of one batch on the resident tree. ``prefetch(_:)`` (and, before a delete,
/// ``loadForDelete(_:)``) first brings every node an edit touches into memory, so the edits
/// themselves never wait.
extension MerkleTrie {
    /// Before a delete: loads the nodes on `path` and the sibling that may take its parent's place.
    func loadForDelete(_ path: Hash32) async throws {
        if case .stored(let hash)? = top { top = try await load(NodeRef(position: .root, hash: hash)) }
        guard var current = top else { return }
        var cursor = 0
        while case .branch(let branch) = current {
            guard branch.matches(path, at: cursor) == nil else { return }
            let nibble = path.nibble(cursor + branch.prefix.count)
            guard let index = branch.index(of: nibble) else { return }
            let next = cursor + branch.prefix.count + 1
            if case .stored(let hash) = branch.children[index] {
                branch.children[index] = try await load(NodeRef(position: NodePosition(path: path, depth: next), hash: hash))
            }
            if branch.children.count == 2, case .leaf = branch.children[index],
                case .stored(let hash) = branch.children[1 - index]
            {
                let sibling = NodePosition(path: path, depth: next - 1).appending(branch.occupiedNibbles[1 - index])
                branch.children[1 - index] = try await load(NodeRef(position: sibling, hash: hash))
            }
            current = branch.children[index]
            cursor += branch.prefix.count + 1
        }
    }

    /// Loads the nodes on all of `paths` level by level, one ``NodeStore/nodes(_:)`` read per level,
    /// so a batch costs a round trip per trie level rather than one per node.
    func prefetch(_ paths: [Hash32]) async throws {
        guard let store else { return }
        var loaded: [NodeRef: Child] = [:]
        while true {
            var wanted: Set<NodeRef> = []
            for path in paths {
                if let ref = attach(loaded, along: path) { wanted.insert(ref) }
            }
            guard !wanted.isEmpty else { return }
            let found = try await store.nodes(wanted.sorted { $0.position < $1.position })
            loaded = [:]
            for ref in wanted {
                guard let bytes = found[ref] else { throw NodeStoreError.missing(ref) }
                loaded[ref] = try NodeCodec.decode(bytes, hash: ref.hash)
            }
        }
    }

    /// Walks `path` through resident nodes, putting nodes from `loaded` in place of their hashes;
    /// returns the first node on the path that is neither resident nor in `loaded`.
    private func attach(_ loaded: [NodeRef: Child], along path: Hash32) -> NodeRef? {
        if case .stored(let hash)? = top {
            let ref = NodeRef(position: .root, hash: hash)
            guard let node = loaded[ref] else { return ref }
            top = node
        }
        var current = top
        var cursor = 0
        while case .branch(let branch)? = current {
            guard branch.matches(path, at: cursor) == nil,
                let index = branch.index(of: path.nibble(cursor + branch.prefix.count))
            else { return nil }
            cursor += branch.prefix.count + 1
            if case .stored(let hash) = branch.children[index] {
                let ref = NodeRef(position: NodePosition(path: path, depth: cursor), hash: hash)
                guard let node = loaded[ref] else { return ref }
                branch.children[index] = node
            }
            current = branch.children[index]
        }
        return nil
    }

    /// The leaf holding `path`, reading stored nodes as needed without keeping them.
    func leaf(at path: Hash32) async throws -> LeafNode? {
        var current = top
        var cursor = 0
        while let node = current {
            switch node {
            case .stored(let hash):
                current = try await load(NodeRef(position: NodePosition(path: path, depth: cursor), hash: hash))
            case .leaf(let leaf):
                return leaf.path == path ? leaf : nil
            case .branch(let branch):
                guard branch.matches(path, at: cursor) == nil,
                    let index = branch.index(of: path.nibble(cursor + branch.prefix.count))
                else { return nil }
                current = branch.children[index]
                cursor += branch.prefix.count + 1
            }
        }
        return nil
    }

    /// `child` (at `cursor`) with `leaf` inserted, or with its value set when the key is there.
    func put(_ leaf: LeafNode, into child: Child?, cursor: Int) -> Child {
        guard let child else { return .leaf(leaf) }
        switch child {
        case .stored:
            preconditionFailure("edit on a path that was not loaded")
        case .leaf(let existing):
            retire(existing.hash, at: cursor, on: leaf.path)
            if existing.path == leaf.path { return .leaf(leaf) }
            existing.hash = nil  // it moves one level down
            var split = cursor
            while existing.path.nibble(split) == leaf.path.nibble(split) { split += 1 }
            let prefix = (cursor..<split).map { leaf.path.nibble($0) }
            return .branch(BranchNode(prefix: prefix, pair: (existing.path.nibble(split), .leaf(existing)), (leaf.path.nibble(split), .leaf(leaf))))
        case .branch(let branch):
            retire(branch.hash, at: cursor, on: leaf.path)
            branch.hash = nil
            if let split = branch.matches(leaf.path, at: cursor) {
                // The key leaves the prefix at `split`: a new branch takes the shared part.
                let shared = Array(branch.prefix[..<split])
                let slot = branch.prefix[split]
                branch.prefix.removeFirst(split + 1)
                return .branch(BranchNode(prefix: shared, pair: (slot, .branch(branch)), (leaf.path.nibble(cursor + split), .leaf(leaf))))
            }
            let next = cursor + branch.prefix.count + 1
            let nibble = leaf.path.nibble(next - 1)
            if let index = branch.index(of: nibble) {
                branch.replace(put(leaf, into: branch.children[index], cursor: next), at: index, nibble: nibble)
            } else {
                branch.insert(.leaf(leaf), at: nibble)
            }
            return child
        }
    }

    /// `child` (at `cursor`) without the leaf at `path`, which it holds; nil when nothing is left.
    func remove(_ path: Hash32, from child: Child, cursor: Int) -> Child? {
        switch child {
        case .stored:
            preconditionFailure("edit on a path that was not loaded")
        case .leaf(let leaf):
            retire(leaf.hash, at: cursor, on: path)
            return nil
        case .branch(let branch):
            retire(branch.hash, at: cursor, on: path)
            branch.hash = nil
            let next = cursor + branch.prefix.count + 1
            let nibble = path.nibble(next - 1)
            let index = branch.index(of: nibble)!
            if let kept = remove(path, from: branch.children[index], cursor: next) {
                branch.replace(kept, at: index, nibble: nibble)
                return child
            }
            branch.remove(at: nibble)
            guard branch.children.count == 1 else { return child }
            // One child left: it takes the branch's place, absorbing the prefix and its slot.
            let slot = UInt8(branch.slots.trailingZeroBitCount)
            switch branch.children[0] {
            case .stored:
                preconditionFailure("edit on a path that was not loaded")
            case .leaf(let last):
                retire(last.hash, at: next, on: last.path)
                last.hash = nil
                return .leaf(last)
            case .branch(let last):
                if let hash = last.hash, store != nil {
                    stale.insert(NodeRef(position: NodePosition(path: path, depth: next - 1).appending(slot), hash: hash))
                }
                last.hash = nil
                last.prefix = branch.prefix + [slot] + last.prefix
                return .branch(last)
            }
        }
    }

    /// Notes that the stored node `hash`, `cursor` nibbles down `path`, leaves its position.
    private func retire(_ hash: Hash32?, at cursor: Int, on path: Hash32) {
        if store != nil, let hash { stale.insert(NodeRef(position: NodePosition(path: path, depth: cursor), hash: hash)) }
    }
}

extension BranchNode {
    /// Where `path` leaves this branch's prefix (an offset into it) when read from `cursor`; nil
    /// when the whole prefix matches.
    func matches(_ path: Hash32, at cursor: Int) -> Int? {
        for offset in prefix.indices where prefix[offset] != path.nibble(cursor + offset) { return offset }
        return nil
    }
}
