/// One operator's trie batch, handed to whoever commits it together with other changes (one
/// database transaction for the nodes, the root move and everything else the operation writes).
public struct TrieWrite: Sendable, Hashable {
    /// The operator whose trie moves.
    public let operatorID: String
    /// The nodes and the root move, computed from ``NodeBatch/previousRoot``.
    public let batch: NodeBatch
    /// What the history records beside the new root.
    public let commit: PendingCommit

    public init(operatorID: String, batch: NodeBatch, commit: PendingCommit) {
        self.operatorID = operatorID
        self.batch = batch
        self.commit = commit
    }
}

/// A node view that reads through `reads` and hands its batch to `write` instead of storing it: the
/// writer commits the batch with the rest of its unit of work, checking the previous root.
struct CommittingNodeView: NodeStore {
    let reads: any NodeStore
    let operatorID: String
    let commit: PendingCommit
    let write: @Sendable (TrieWrite) async throws -> Void

    func nodes(_ refs: [NodeRef]) async throws -> [NodeRef: [UInt8]] { try await reads.nodes(refs) }

    func root() async throws -> Hash32? { try await reads.root() }

    func apply(_ batch: NodeBatch) async throws {
        try await write(TrieWrite(operatorID: operatorID, batch: batch, commit: commit))
    }
}
