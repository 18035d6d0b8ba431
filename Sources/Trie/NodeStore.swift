import Encoding

/// Where a trie keeps its nodes: a key-value store of immutable, content-addressed nodes plus one
/// pointer to the current root. The trie (``MerkleTrie``) reads nodes lazily by hash and writes
/// each batch of changes with one ``apply(_:)``; implementations exist in memory
/// (``InMemoryNodeStore``) and, in `Storage`, on SQLite and PostgreSQL.
///
/// ## Addressing
/// A node is stored under its **MPF node hash** (BLAKE2b-256, exactly the hash its parent commits
/// to), so a stored node never changes: a changed node is a new row under a new hash. The bytes are
/// the trie's own node encoding (``NodeCodec``, versioned by its first byte); a store treats them as
/// opaque and must return them unchanged. The empty trie has no nodes and root ``Hash32/null``.
///
/// ## Batches and crashes
/// ``apply(_:)`` writes the batch's puts and deletes and moves the root pointer from
/// ``NodeBatch/previousRoot`` to ``NodeBatch/root`` **atomically** (one transaction): after a
/// crash the store holds either the old root with all its nodes or the new root with all its nodes.
/// If the stored root is not `previousRoot` (another writer got there first), the store changes
/// nothing and throws a ``NodeStoreError`` with code `root_conflict`.
/// Puts are upserts (the same hash always carries the same bytes, so `ON CONFLICT DO NOTHING` is
/// right); a batch never lists one hash both as a put and as a delete.
///
/// ## Deletes and the history of roots
/// ``NodeBatch/deletes`` lists the nodes that the batch made unreachable from the new root. A
/// store that applies them at once keeps exactly the current trie (disk proportional to the live
/// key count) and can still **check** proofs against every earlier anchored root, because checking
/// needs only that root hash (keep the history of roots beside the store); it cannot **generate**
/// new proofs against an earlier root. A store that must serve proofs for the last K roots may
/// defer the deletes of a batch until K more batches have landed; because nodes are immutable and
/// content-addressed, an old root stays fully readable while its nodes are kept. A deferred delete
/// must be dropped if a later batch puts the same hash again (a deleted node can come back, e.g.
/// after inserting and deleting a key). Nodes are not shared between tries: give each trie (each
/// operator) its own namespace, or one trie's deletes would remove another's nodes.
///
/// Reads may run concurrently with one writer; a trie has at most one writer at a time.
public protocol NodeStore: Sendable {
    /// The encoded node stored under `hash`, or nil when there is none.
    func node(_ hash: Hash32) async throws -> [UInt8]?

    /// The encoded nodes stored under `hashes` (absent ones are left out). The default reads them
    /// one by one; database stores should answer in one round trip.
    func nodes(_ hashes: [Hash32]) async throws -> [Hash32: [UInt8]]

    /// The current root: nil when nothing was ever committed, ``Hash32/null`` for an empty trie.
    func root() async throws -> Hash32?

    /// Writes `batch` atomically (see the type's documentation); throws `root_conflict` when the
    /// current root is not `batch.previousRoot`.
    func apply(_ batch: NodeBatch) async throws
}

extension NodeStore {
    public func nodes(_ hashes: [Hash32]) async throws -> [Hash32: [UInt8]] {
        var found: [Hash32: [UInt8]] = [:]
        for hash in hashes {
            if let bytes = try await node(hash) { found[hash] = bytes }
        }
        return found
    }
}

/// One encoded node to store under its hash.
public struct NodePut: Sendable, Hashable {
    /// The node's MPF hash.
    public let hash: Hash32
    /// The node in ``NodeCodec`` encoding.
    public let bytes: [UInt8]

    public init(hash: Hash32, bytes: [UInt8]) {
        self.hash = hash
        self.bytes = bytes
    }
}

/// The changes of one commit: new nodes, nodes no longer reachable, and the root move.
public struct NodeBatch: Sendable, Hashable {
    /// The root the batch was computed from (nil when the store had none).
    public let previousRoot: Hash32?
    /// The new root (``Hash32/null`` for an empty trie).
    public let root: Hash32
    /// Nodes to store.
    public let puts: [NodePut]
    /// Hashes of nodes unreachable from `root` that were reachable from `previousRoot`.
    public let deletes: [Hash32]

    public init(previousRoot: Hash32?, root: Hash32, puts: [NodePut], deletes: [Hash32]) {
        self.previousRoot = previousRoot
        self.root = root
        self.puts = puts
        self.deletes = deletes
    }
}

/// A store failure with a stable code: `root_conflict` (another writer moved the root),
/// `node_missing` (a node the root reaches is absent), `node_corrupt` (stored bytes do not decode).
public struct NodeStoreError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// The stored root differs from the root a batch was computed from.
    public static func rootConflict(expected: Hash32?, found: Hash32?) -> NodeStoreError {
        NodeStoreError(
            code: "root_conflict",
            message: "the trie root moved: expected \(expected?.hex ?? "none"), found \(found?.hex ?? "none")")
    }
}

/// Nodes in a dictionary: for tests, tools and tries that fit in memory. Applies deletes at once.
public actor InMemoryNodeStore: NodeStore {
    private var stored: [Hash32: [UInt8]] = [:]
    private var current: Hash32?

    public init() {}

    public func node(_ hash: Hash32) -> [UInt8]? { stored[hash] }

    public func root() -> Hash32? { current }

    /// How many nodes are stored.
    public var count: Int { stored.count }

    public func apply(_ batch: NodeBatch) throws {
        guard batch.previousRoot == current else {
            throw NodeStoreError.rootConflict(expected: batch.previousRoot, found: current)
        }
        for hash in batch.deletes { stored[hash] = nil }
        for put in batch.puts { stored[put.hash] = put.bytes }
        current = batch.root
    }
}
