/// A Merkle Patricia Forestry trie, byte-compatible with aiken-lang/merkle-patricia-forestry
/// (on-chain 2.1.0, off-chain 1.3.1): radix 16, keys routed by `path = BLAKE2b-256(key)`, leaves
/// committing to `BLAKE2b-256(value)`, branch slots combined by a 16-leaf binary Merkle tree, the
/// empty trie's root 32 zero bytes. The shape, and so the root, depends only on the set of keys.
///
/// Changes come in batches (``apply(_:)``): all-or-nothing, each node on a changed path hashed once,
/// and with a store one ``NodeBatch`` written atomically. Without a store the whole trie lives in
/// memory. With a store, only the top `residentDepth` branch levels stay in memory between batches;
/// everything below is read by hash when a walk needs it, so memory does not grow with the trie.
///
/// Operations run one at a time, in call order.
public actor MerkleTrie {
    /// Where the nodes are; a view of the same nodes may replace it between batches.
    var store: (any NodeStore)?
    /// Branch levels kept in memory after a commit (store-backed tries only).
    let residentDepth: Int
    /// The top node; nil for the empty trie.
    var top: Child?
    /// The root after the last commit.
    public private(set) var root: Hash32
    /// The store's root pointer as of the last commit (nil when the store had none).
    var storeRoot: Hash32?
    /// Stored nodes replaced, moved or removed since the last commit.
    var stale: Set<NodeRef> = []
    /// Nodes hashed by the running commit, to be written.
    var puts: [NodePut] = []
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Opens the trie at `store`'s current root (an empty trie when the store has none), or an
    /// in-memory trie without a store. `residentDepth` bounds the branch levels kept in memory.
    public init(store: (any NodeStore)? = nil, residentDepth: Int = 4) async throws {
        self.store = store
        self.residentDepth = max(1, residentDepth)
        let stored = try await store?.root()
        storeRoot = stored
        root = stored ?? .null
        top = root == .null ? nil : .stored(root)
    }

    /// Applies `mutations` in order as one batch and returns the new root. If any mutation is not
    /// allowed (`key_exists`, `key_not_found`) nothing changes. An empty batch writes nothing.
    @discardableResult
    public func apply(_ mutations: [TrieMutation]) async throws -> Hash32 {
        await lock()
        defer { unlock() }
        return try await applyLocked(mutations)
    }

    /// Applies `mutations` as ``apply(_:)`` does, writing through `view` from now on: another view of
    /// the same nodes (e.g. one that records a different commit with the batch).
    func apply(_ mutations: [TrieMutation], through view: any NodeStore) async throws -> Hash32 {
        await lock()
        defer { unlock() }
        store = view
        return try await applyLocked(mutations)
    }

    /// The store's root as of the last commit (nil when it had none), once running operations finish.
    func committedStoreRoot() async -> Hash32? {
        await lock()
        defer { unlock() }
        return storeRoot
    }

    private func applyLocked(_ mutations: [TrieMutation]) async throws -> Hash32 {
        guard !mutations.isEmpty else { return root }
        let paths = mutations.map { Hash32(hashing: $0.key) }
        var edited = false
        do {
            try await prefetch(paths)
            try await validate(mutations, paths: paths)
            edited = true
            for (mutation, path) in zip(mutations, paths) {
                switch mutation {
                case .insert(let key, let value), .update(let key, let value):
                    // `prefetch` loaded the path, and edits never unload anything.
                    let leaf = LeafNode(key: key, value: value, path: path, valueDigest: Hash32(hashing: value))
                    top = put(leaf, into: top, cursor: 0)
                case .delete:
                    if store != nil { try await loadForDelete(path) }
                    top = remove(path, from: top!, cursor: 0)
                }
            }
            return try await commit(along: paths)
        } catch {
            // An in-memory trie gets here only from `validate`, before any edit. A store-backed trie
            // drops what the batch loaded (memory stays bounded however many batches fail) and,
            // after edits, starts again from the last committed trie, which the store still holds.
            if store != nil {
                if edited {
                    top = storeRoot.flatMap { $0 == .null ? nil : .stored($0) }
                } else if let current = top {
                    top = evict(current, along: paths, cursor: 0, depth: 0)
                }
                stale = []
                puts = []
            }
            throw error
        }
    }

    /// Inserts one key; returns the new root.
    @discardableResult
    public func insert(key: [UInt8], value: [UInt8]) async throws -> Hash32 {
        try await apply([.insert(key: key, value: value)])
    }

    /// Changes one key's value; returns the new root.
    @discardableResult
    public func update(key: [UInt8], value: [UInt8]) async throws -> Hash32 {
        try await apply([.update(key: key, value: value)])
    }

    /// Removes one key; returns the new root.
    @discardableResult
    public func delete(key: [UInt8]) async throws -> Hash32 {
        try await apply([.delete(key: key)])
    }

    /// The value stored under `key`, or nil.
    public func get(_ key: [UInt8]) async throws -> [UInt8]? {
        await lock()
        defer { unlock() }
        return try await leaf(at: Hash32(hashing: key))?.value
    }

    /// Checks every mutation against the keys present before it, without changing anything.
    private func validate(_ mutations: [TrieMutation], paths: [Hash32]) async throws {
        var present: [Hash32: Bool] = [:]
        for (mutation, path) in zip(mutations, paths) {
            let exists: Bool
            if let known = present[path] {
                exists = known
            } else {
                exists = try await leaf(at: path) != nil
            }
            switch mutation {
            case .insert(let key, _):
                if exists { throw TrieError.keyExists(key) }
                present[path] = true
            case .update(let key, _):
                if !exists { throw TrieError.keyNotFound(key) }
                present[path] = true
            case .delete(let key):
                if !exists { throw TrieError.keyNotFound(key) }
                present[path] = false
            }
        }
    }

    /// Hashes the changed nodes, writes them with the root move, and forgets the deep nodes on the
    /// batch's `paths`.
    private func commit(along paths: [Hash32]) async throws -> Hash32 {
        let newRoot = top.map { hashNode($0, at: .root) } ?? .null
        if let store {
            let batch = NodeBatch(
                previousRoot: storeRoot, root: newRoot, puts: puts.sorted { $0.ref.position < $1.ref.position },
                deletes: stale.sorted { $0.position < $1.position })
            puts = []
            stale = []
            try await store.apply(batch)
            storeRoot = newRoot
            if let current = top { top = evict(current, along: paths, cursor: 0, depth: 0) }
        }
        root = newRoot
        return newRoot
    }

    /// The hash of `child` at `position`, hashing (and queueing for the store) changed nodes below it.
    private func hashNode(_ child: Child, at position: NodePosition) -> Hash32 {
        let cursor = position.depth
        switch child {
        case .stored(let hash):
            return hash
        case .leaf(let leaf):
            if let hash = leaf.hash { return hash }
            let hash = Hashing.leaf(path: leaf.path, cursor: cursor, valueDigest: leaf.valueDigest)
            leaf.hash = hash
            if store != nil {
                puts.append(NodePut(ref: NodeRef(position: position, hash: hash), bytes: NodeCodec.encodeLeaf(key: leaf.key, value: leaf.value)))
            }
            return hash
        case .branch(let branch):
            if let hash = branch.hash { return hash }
            let changed = branch.dirty
            if changed != 0 {
                let base = position.appending(branch.prefix)
                var index = 0
                for slot in 0..<16 where branch.slots & (1 << slot) != 0 {
                    if changed & (1 << slot) != 0 {
                        branch.childHashes[index] = hashNode(branch.children[index], at: base.appending(UInt8(slot)))
                    }
                    index += 1
                }
                branch.dirty = 0
            }
            let hash = Hashing.branch(prefix: branch.prefix, merkleRoot: branch.merkleRoot(changed: changed))
            if store != nil {
                let bytes = NodeCodec.encodeBranch(prefix: branch.prefix, slots: branch.slots, childHashes: branch.childHashes)
                puts.append(NodePut(ref: NodeRef(position: position, hash: hash), bytes: bytes))
            }
            branch.hash = hash
            return hash
        }
    }

    /// Replaces the nodes at `residentDepth` and below on `paths` by their hashes. A batch loads and
    /// creates nodes only along its own paths (reads keep nothing), so only those paths are walked,
    /// whatever the size of the resident levels.
    private func evict(_ child: Child, along paths: [Hash32], cursor: Int, depth: Int) -> Child {
        guard case .branch(let branch) = child else { return depth >= residentDepth ? .stored(child.cachedHash!) : child }
        if depth >= residentDepth { return .stored(branch.hash!) }
        let next = cursor + branch.prefix.count
        var byNibble: [UInt8: [Hash32]] = [:]
        for path in paths where branch.matches(path, at: cursor) == nil {
            byNibble[path.nibble(next), default: []].append(path)
        }
        for (nibble, group) in byNibble {
            guard let index = branch.index(of: nibble) else { continue }
            if case .stored = branch.children[index] { continue }
            branch.children[index] = evict(branch.children[index], along: group, cursor: next + 1, depth: depth + 1)
        }
        return child
    }

    /// Reads the node stored at `ref`.
    func load(_ ref: NodeRef) async throws -> Child {
        guard let store, let bytes = try await store.node(ref) else { throw NodeStoreError.missing(ref) }
        return try NodeCodec.decode(bytes, hash: ref.hash)
    }

    func lock() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    func unlock() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
