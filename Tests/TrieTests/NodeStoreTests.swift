import Testing
import Trie
import VectorSupport

@Suite("MPF trie over a NodeStore")
struct NodeStoreTests {
    private static let items = (0..<400).map { (Array("cell-\($0)".utf8), Array("credential-\($0)".utf8)) }

    /// A store-backed trie that keeps one level in memory reads the rest lazily and gives the same
    /// roots, values and proofs as a trie in memory; reopening it from the store continues exactly.
    @Test func lazyStoreBackedTrieMatchesTheInMemoryOne() async throws {
        let store = InMemoryNodeStore()
        let stored = try await MerkleTrie(store: store, residentDepth: 1)
        let memory = try await MerkleTrie()
        for chunk in stride(from: 0, to: Self.items.count, by: 100) {
            let batch = Self.items[chunk..<(chunk + 100)].map { TrieMutation.insert(key: $0.0, value: $0.1) }
            #expect(try await stored.apply(batch) == (try await memory.apply(batch)))
        }
        let deletes = Self.items.prefix(150).map { TrieMutation.delete(key: $0.0) }
        #expect(try await stored.apply(deletes) == (try await memory.apply(deletes)))
        #expect(try await store.root() == (await memory.root))

        let reopened = try await MerkleTrie(store: store, residentDepth: 2)
        #expect(await reopened.root == (await memory.root))
        for (key, value) in Self.items[140..<170] {
            #expect(try await reopened.get(key) == (try await memory.get(key)))
            let proof = try await reopened.proof(for: key)
            #expect(proof == (try await memory.proof(for: key)))
            #expect(proof.verifies())
            _ = value
        }
        let more = [TrieMutation.update(key: Self.items[200].0, value: [1, 2, 3]), .delete(key: Self.items[201].0)]
        #expect(try await reopened.apply(more) == (try await memory.apply(more)))
    }

    /// Deletes leave exactly the nodes of the current trie in the store: as many as a fresh build
    /// of the same keys writes.
    @Test func storeHoldsOnlyTheLiveNodes() async throws {
        let churned = InMemoryNodeStore()
        let trie = try await MerkleTrie(store: churned)
        try await trie.apply(Self.items.map { .insert(key: $0.0, value: $0.1) })
        try await trie.apply(Self.items.prefix(250).map { .delete(key: $0.0) })
        try await trie.apply(Self.items.prefix(50).map { .insert(key: $0.0, value: [7]) })
        try await trie.apply(Self.items.suffix(100).map { .update(key: $0.0, value: [9]) })

        let fresh = InMemoryNodeStore()
        let rebuilt = try await MerkleTrie(store: fresh)
        try await rebuilt.apply(
            Self.items.prefix(50).map { .insert(key: $0.0, value: [7]) }
                + Self.items[250..<300].map { .insert(key: $0.0, value: $0.1) }
                + Self.items.suffix(100).map { .insert(key: $0.0, value: [9]) })
        #expect(await trie.root == rebuilt.root)
        #expect(await churned.count == fresh.count)

        try await trie.apply(Self.items.prefix(50).map { .delete(key: $0.0) } + Self.items[250...].map { .delete(key: $0.0) })
        #expect(await trie.root == .null)
        #expect(await churned.count == 0)
        #expect(try await churned.root() == .null)
    }

    /// A batch with a mutation that is not allowed changes nothing, in memory or in the store.
    @Test func rejectedBatchChangesNothing() async throws {
        for store in [InMemoryNodeStore(), nil] as [InMemoryNodeStore?] {
            let trie = try await MerkleTrie(store: store, residentDepth: 1)
            let root = try await trie.apply(Self.items.prefix(50).map { .insert(key: $0.0, value: $0.1) })
            let storedCount = await store?.count
            await #expect(throws: TrieError(code: "key_exists", message: "the trie already holds key \(Vectors.hex(Self.items[3].0))")) {
                try await trie.apply([.insert(key: Self.items[60].0, value: [1]), .insert(key: Self.items[3].0, value: [2])])
            }
            for bad in [TrieMutation.delete(key: [1, 2]), .update(key: [3], value: [4])] {
                await #expect(throws: TrieError.self) { try await trie.apply([.delete(key: Self.items[0].0), bad]) }
            }
            // Inserting then deleting within one batch is fine, and deleting twice is not.
            await #expect(throws: TrieError.self) {
                try await trie.apply([.delete(key: Self.items[1].0), .delete(key: Self.items[1].0)])
            }
            #expect(await trie.root == root)
            #expect(await store?.count == storedCount)
            #expect(try await trie.get(Self.items[60].0) == nil)
            #expect(try await trie.apply([.insert(key: [5], value: [6]), .delete(key: [5])]) == root)
        }
    }

    /// Another writer moving the store's root makes the next batch fail with `root_conflict`,
    /// leaving the store as the other writer left it; reopening picks up the other writer's trie.
    @Test func concurrentWriterIsDetected() async throws {
        let store = InMemoryNodeStore()
        let first = try await MerkleTrie(store: store)
        try await first.apply(Self.items.prefix(10).map { .insert(key: $0.0, value: $0.1) })
        let second = try await MerkleTrie(store: store)
        let theirs = try await second.insert(key: [1], value: [1])
        await #expect(throws: NodeStoreError.self) { try await first.insert(key: [2], value: [2]) }
        #expect(try await store.root() == theirs)
        let reopened = try await MerkleTrie(store: store)
        #expect(try await reopened.get([1]) == [1])
    }

    /// A store that lost a node, or holds garbage under a hash, gives coded errors, not a crash.
    @Test func damagedStoreGivesCodedErrors() async throws {
        let store = InMemoryNodeStore()
        let root = try await (try MerkleTrie(store: store)).apply(Self.items.prefix(20).map { .insert(key: $0.0, value: $0.1) })
        let missing = try await MerkleTrie(store: BrokenStore(root: root, bytes: nil))
        await #expect(throws: NodeStoreError.missing(NodeRef(position: .root, hash: root))) {
            try await missing.get([1])
        }
        for garbage: [UInt8] in [[], [0x07], [0x02, 70], [0x02, 0, 0, 1], [0x01, 5, 1]] {
            let corrupt = try await MerkleTrie(store: BrokenStore(root: root, bytes: garbage))
            do {
                _ = try await corrupt.proof(for: [1])
                Issue.record("garbage \(garbage) was accepted")
            } catch let error as NodeStoreError {
                #expect(error.code == "node_corrupt")
            }
        }
    }
    /// A batch reads the nodes it needs level by level: one `nodes` call per trie level.
    @Test func batchReadsOneRoundTripPerLevel() async throws {
        let store = CountingStore()
        try await MerkleTrie(store: store).apply(Self.items.map { .insert(key: $0.0, value: $0.1) })
        let trie = try await MerkleTrie(store: store, residentDepth: 1)
        await store.reset()
        try await trie.apply((0..<100).map { .insert(key: Array("new-\($0)".utf8), value: [1]) })
        let (calls, nodes) = await store.reads
        #expect(calls >= 2 && calls <= 5)
        #expect(nodes > calls)

        // A refused batch keeps nothing it loaded (memory stays bounded however many batches are
        // refused): the same keys without the refused one are read again.
        let more: [TrieMutation] = (0..<100).map { .insert(key: Array("more-\($0)".utf8), value: [2]) }
        await #expect(throws: TrieError.self) { try await trie.apply(more + [.insert(key: Self.items[0].0, value: [1])]) }
        await store.reset()
        try await trie.apply(more)
        #expect(await store.reads.nodes > 0)
    }

    /// Positions: the storage key holds the path nibbles up to the depth and the depth, so every
    /// position has its own key and a subtree's keys share its prefix.
    @Test func positionKeys() throws {
        let path = try #require(Hash32(hex: "abcdef" + String(repeating: "9", count: 58)))
        #expect(NodePosition.root.key == [0])
        #expect(NodePosition(path: path, depth: 3).key == [0xAB, 0xC0, 3])
        #expect(NodePosition(path: path, depth: 4).key == [0xAB, 0xCD, 4])
        #expect(NodePosition(path: path, depth: 64).key == path.bytes + [64])
        #expect(NodePosition(path: path, depth: 3) == NodePosition.root.appending([0xA, 0xB, 0xC]))
        #expect(NodePosition(path: path, depth: 3).appending(0xD) == NodePosition(path: path, depth: 4))
        #expect(NodePosition(path: path, depth: 3).description == "3:abc")
        var keys: Set<[UInt8]> = []
        for depth in 0...64 {
            keys.insert(NodePosition(path: path, depth: depth).key)
            keys.insert(NodePosition(path: .null, depth: depth).key)
        }
        #expect(keys.count == 2 * 65 - 1)
    }

    /// Every node a trie writes sits at the position its walk expects, and a store answers only
    /// for the hash asked for: a node replaced at its position is not returned for the old hash.
    @Test func nodesAreStoredAtTheirPositions() async throws {
        let store = InMemoryNodeStore()
        let trie = try await MerkleTrie(store: store, residentDepth: 1)
        try await trie.apply(Self.items.prefix(40).map { .insert(key: $0.0, value: $0.1) })
        let oldRoot = await trie.root
        #expect(try await store.node(NodeRef(position: .root, hash: oldRoot)) != nil)
        #expect(try await store.node(NodeRef(position: NodePosition.root.appending(0), hash: oldRoot)) == nil)
        try await trie.apply([.update(key: Self.items[0].0, value: [0])])
        #expect(try await store.node(NodeRef(position: .root, hash: oldRoot)) == nil)
        #expect(try await store.node(NodeRef(position: .root, hash: await trie.root)) != nil)
    }
}

/// An in-memory store that counts reads.
private actor CountingStore: NodeStore {
    private let inner = InMemoryNodeStore()
    private(set) var reads = (calls: 0, nodes: 0)
    func reset() { reads = (0, 0) }
    func nodes(_ refs: [NodeRef]) async throws -> [NodeRef: [UInt8]] {
        reads.calls += 1
        reads.nodes += refs.count
        return try await inner.nodes(refs)
    }
    func root() async throws -> Hash32? { try await inner.root() }
    func apply(_ batch: NodeBatch) async throws { try await inner.apply(batch) }
}

/// A store whose every node read returns the same bytes (or nothing).
private struct BrokenStore: NodeStore {
    let root: Hash32
    let bytes: [UInt8]?
    func nodes(_ refs: [NodeRef]) async throws -> [NodeRef: [UInt8]] {
        Dictionary(uniqueKeysWithValues: refs.compactMap { ref in bytes.map { (ref, $0) } })
    }
    func root() async throws -> Hash32? { root }
    func apply(_ batch: NodeBatch) async throws {}
}
