import Encoding

/// Where a trie keeps its nodes: the nodes of the current trie, each at its position, plus one
/// pointer to the current root. The trie (``MerkleTrie``) reads nodes lazily and writes each batch
/// of changes with one ``apply(_:)``; implementations exist in memory (``InMemoryNodeStore``) and, in
/// `Storage`, on SQLite and PostgreSQL.
///
/// ## Addressing
/// A node is addressed by a ``NodeRef``: its ``NodePosition`` (depth and path nibbles) and its **MPF
/// node hash** (BLAKE2b-256, exactly the hash its parent commits to). A position holds at most one
/// node, so stores key rows by position and keep the hash beside the node: the nodes of a subtree
/// then sit together (a batch touches few disk pages), a changed node replaces its predecessor in
/// place, and a read returns a node only when its stored hash is the one asked for. The bytes are the
/// trie's own node encoding (``NodeCodec``, versioned by its first byte); a store treats them as
/// opaque and must return them unchanged. The empty trie has no nodes and root ``Hash32/null``.
///
/// ## Batches and crashes
/// ``apply(_:)`` writes the batch's puts and deletes and moves the root pointer from
/// ``NodeBatch/previousRoot`` to ``NodeBatch/root`` **atomically** (one transaction): after a
/// crash the store holds either the old root with all its nodes or the new root with all its nodes.
/// If the stored root is not `previousRoot` (another writer got there first), the store changes
/// nothing and throws a ``NodeStoreError`` with code `root_conflict`.
/// A put replaces whatever its position held; a batch never lists a position twice among its puts.
///
/// ## The history of roots
/// The store keeps exactly the current trie (disk proportional to the live key count). A proof
/// against an earlier anchored root can still be **checked**, because checking needs only that root
/// hash (keep the history of roots beside the store); new proofs are generated against the current
/// root. Nodes are not shared between tries: give each trie (each operator) its own namespace.
///
/// Reads may run concurrently with one writer; a trie has at most one writer at a time. A reader
/// that started from a root a writer has since replaced may find nodes gone (`node_missing`).
public protocol NodeStore: Sendable {
    /// The encoded nodes at `refs` whose hash is the one asked for (others are left out), in one
    /// round trip for database stores.
    func nodes(_ refs: [NodeRef]) async throws -> [NodeRef: [UInt8]]

    /// The current root: nil when nothing was ever committed, ``Hash32/null`` for an empty trie.
    func root() async throws -> Hash32?

    /// Writes `batch` atomically (see the type's documentation); throws `root_conflict` when the
    /// current root is not `batch.previousRoot`.
    func apply(_ batch: NodeBatch) async throws
}

extension NodeStore {
    /// The encoded node at `ref`, or nil when the store holds no node with its hash there.
    public func node(_ ref: NodeRef) async throws -> [UInt8]? {
        try await nodes([ref])[ref]
    }
}

/// One encoded node to store at its position.
public struct NodePut: Sendable, Hashable {
    /// Where the node goes and its MPF hash.
    public let ref: NodeRef
    /// The node in ``NodeCodec`` encoding.
    public let bytes: [UInt8]

    public init(ref: NodeRef, bytes: [UInt8]) {
        self.ref = ref
        self.bytes = bytes
    }
}

/// The changes of one commit: new nodes, positions left empty, and the root move.
public struct NodeBatch: Sendable, Hashable {
    /// The root the batch was computed from (nil when the store had none).
    public let previousRoot: Hash32?
    /// The new root (``Hash32/null`` for an empty trie).
    public let root: Hash32
    /// Nodes to store, each replacing what its position held.
    public let puts: [NodePut]
    /// Nodes of the previous trie that the new trie no longer holds. A put may take the same
    /// position (it replaces the node there); the other positions are left empty.
    public let deletes: [NodeRef]

    public init(previousRoot: Hash32?, root: Hash32, puts: [NodePut], deletes: [NodeRef]) {
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

    /// The store holds no node with the hash a parent commits to at `ref`'s position.
    public static func missing(_ ref: NodeRef) -> NodeStoreError {
        NodeStoreError(code: "node_missing", message: "the store has no node \(ref)")
    }
}

/// Nodes in a dictionary: for tests, tools and tries that fit in memory.
public actor InMemoryNodeStore: NodeStore {
    private var stored: [NodePosition: (hash: Hash32, bytes: [UInt8])] = [:]
    private var current: Hash32?

    public init() {}

    public func nodes(_ refs: [NodeRef]) -> [NodeRef: [UInt8]] {
        var found: [NodeRef: [UInt8]] = [:]
        for ref in refs {
            if let node = stored[ref.position], node.hash == ref.hash { found[ref] = node.bytes }
        }
        return found
    }

    public func root() -> Hash32? { current }

    /// How many nodes are stored.
    public var count: Int { stored.count }

    public func apply(_ batch: NodeBatch) throws {
        guard batch.previousRoot == current else {
            throw NodeStoreError.rootConflict(expected: batch.previousRoot, found: current)
        }
        for ref in batch.deletes where stored[ref.position]?.hash == ref.hash { stored[ref.position] = nil }
        for put in batch.puts { stored[put.ref.position] = (put.ref.hash, put.bytes) }
        current = batch.root
    }
}
