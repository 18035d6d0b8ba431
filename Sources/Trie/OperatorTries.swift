import Foundation

/// The tries of all operators kept in one ``OperatorTrieStore``: batches of changes, reads, proofs
/// and the history of roots. Each call works on the operator's trie at its newest commit and loads
/// only the nodes it walks, so memory does not grow with the trie; the trie used last stays open
/// with its top `residentDepth` branch levels in memory (at most 1 + 16 + … + 16^(depth−1) branches:
/// 4,369 for the default 4), and is reopened when another writer has moved its root.
public struct OperatorTries: Sendable {
    public let store: any OperatorTrieStore
    /// Branch levels a trie keeps in memory between batches.
    public let residentDepth: Int
    private let clock: @Sendable () -> Date
    private let open = LastOpenTrie()

    public init(store: any OperatorTrieStore, residentDepth: Int = 4, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.residentDepth = residentDepth
        self.clock = clock
    }

    /// Applies `mutations` to `operatorID`'s trie (creating it on the first batch) as one atomic batch
    /// and returns the commit it recorded. Nothing changes when a mutation is not allowed
    /// (`key_exists`, `key_not_found`) or another writer committed first (`root_conflict`).
    /// `basedOn`, when given, is the root the mutations were computed from (see
    /// ``apply(_:operator:basedOn:committing:)``).
    @discardableResult
    public func apply(_ mutations: [TrieMutation], operator operatorID: String, basedOn expected: Hash32? = nil) async throws -> TrieCommit {
        let commit = try pendingCommit(mutations)
        let root = try await apply(
            mutations, operator: operatorID, basedOn: expected, through: store.nodeStore(operator: operatorID, recording: commit))
        // Another writer may have committed since; ours is the newest commit with our root.
        let recent = try await store.history(operator: operatorID, limit: 16)
        guard let commit = recent.first(where: { $0.root == root }) ?? recent.first else {
            throw OperatorTrieError.operatorNotFound(operatorID)
        }
        return commit
    }

    /// Computes the batch `mutations` make to `operatorID`'s trie and hands it to `write`, which
    /// commits it with the rest of a unit of work (checking that the root is still the batch's
    /// previous root, `root_conflict` otherwise). Returns the new root. When `write` throws, nothing
    /// changes and the open trie starts again from the stored root.
    ///
    /// `basedOn` is the root the caller read the values it changes at (a read-modify-write): when
    /// the trie has moved since, the batch is `root_conflict` before anything is computed, so a
    /// change made from an outdated leaf never overwrites a newer one.
    @discardableResult
    public func apply(
        _ mutations: [TrieMutation], operator operatorID: String, basedOn root: Hash32? = nil,
        committing write: @escaping @Sendable (TrieWrite) async throws -> Void
    ) async throws -> Hash32 {
        let view = CommittingNodeView(
            reads: store.nodeStore(operator: operatorID, recording: nil), operatorID: operatorID, commit: try pendingCommit(mutations),
            write: write)
        return try await apply(mutations, operator: operatorID, basedOn: root, through: view)
    }

    /// A batch computed while another writer (another instance) replaced nodes it walks finds them
    /// gone: that is the other writer's commit, so it fails as `root_conflict`, to be run again
    /// against the new root.
    private func apply(
        _ mutations: [TrieMutation], operator operatorID: String, basedOn expected: Hash32?, through writer: any NodeStore
    ) async throws -> Hash32 {
        // Computed from the expected root when there is one: the commit checks it is still current.
        let root = if let expected { expected } else { try await writer.root() }
        do {
            let trie = try await open.trie(of: operatorID, storeRoot: root) { try await MerkleTrie(store: writer, residentDepth: residentDepth) }
            return try await trie.apply(mutations, through: writer)
        } catch let error as NodeStoreError where error.code == "node_missing" {
            let current = try await writer.root()
            guard current != root else { throw error }
            throw NodeStoreError.rootConflict(expected: root, found: current)
        }
    }

    private func pendingCommit(_ mutations: [TrieMutation]) throws -> PendingCommit {
        guard !mutations.isEmpty else { throw OperatorTrieError.emptyBatch }
        let keyDelta = mutations.reduce(0) { delta, mutation in
            switch mutation {
            case .insert: delta + 1
            case .update: delta
            case .delete: delta - 1
            }
        }
        return PendingCommit(time: clock(), changes: mutations.count, keyDelta: keyDelta)
    }

    /// The newest commit of `operatorID`'s trie; `operator_not_found` when it has none.
    public func latest(operator operatorID: String) async throws -> TrieCommit {
        guard let latest = try await store.history(operator: operatorID, limit: 1).first else {
            throw OperatorTrieError.operatorNotFound(operatorID)
        }
        return latest
    }

    /// `operatorID`'s commits, newest first, at most `limit` (at least 1).
    public func history(operator operatorID: String, limit: Int) async throws -> [TrieCommit] {
        guard limit >= 1 else { throw OperatorTrieError.invalidLimit(limit) }
        return try await store.history(operator: operatorID, limit: limit)
    }

    /// The value of `key` in `operatorID`'s trie, nil when absent; `operator_not_found` without a trie.
    public func get(_ key: [UInt8], operator operatorID: String) async throws -> [UInt8]? {
        try await reading(operatorID) { try await $0.get(key) }
    }

    /// The value of `key` in `operatorID`'s trie at `root`, a root the caller read (a writer reads
    /// its leaves at the root it will commit on); `root_conflict` when the trie has moved since.
    public func get(_ key: [UInt8], operator operatorID: String, at root: Hash32) async throws -> [UInt8]? {
        let nodes = store.nodeStore(operator: operatorID, recording: nil)
        do {
            let trie = try await open.trie(of: operatorID, storeRoot: root) { try await MerkleTrie(store: nodes, residentDepth: residentDepth) }
            guard await trie.root == root else { throw NodeStoreError.rootConflict(expected: root, found: await trie.root) }
            return try await trie.get(key)
        } catch let error as NodeStoreError where error.code == "node_missing" {
            throw NodeStoreError.rootConflict(expected: root, found: try await nodes.root())
        }
    }

    /// The proof for `key` against the current root of `operatorID`'s trie: membership when it holds
    /// the key, otherwise absence. `operator_not_found` without a trie.
    public func proof(for key: [UInt8], operator operatorID: String) async throws -> KeyProof {
        try await reading(operatorID) { try await $0.proof(for: key) }
    }

    /// Runs `body` on the trie at its current root. Stores replace nodes in place, so a read that
    /// started from a root a writer has since replaced may find a node gone (`node_missing`): the read
    /// then starts again from the new root, and fails only when the root did not move.
    private func reading<T: Sendable>(_ operatorID: String, _ body: (MerkleTrie) async throws -> T) async throws -> T {
        let nodes = store.nodeStore(operator: operatorID, recording: nil)
        var attempts = 0
        while true {
            guard let root = try await nodes.root() else { throw OperatorTrieError.operatorNotFound(operatorID) }
            do {
                let trie = try await open.trie(of: operatorID, storeRoot: root) { try await MerkleTrie(store: nodes, residentDepth: residentDepth) }
                return try await body(trie)
            } catch let error as NodeStoreError where error.code == "node_missing" {
                attempts += 1
                guard attempts < Self.readAttempts, try await nodes.root() != root else { throw error }
            }
        }
    }

    /// How many roots a read tries before it gives up on a trie that keeps moving under it.
    private static let readAttempts = 64
}
