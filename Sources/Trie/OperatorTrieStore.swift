import Encoding
import Foundation

/// One batch committed to an operator's trie: the root it produced, when, and what it changed.
public struct TrieCommit: Sendable, Hashable {
    /// 1 for a trie's first batch, then one more per batch.
    public let sequence: Int
    /// The root after the batch.
    public let root: Hash32
    public let committedAt: Date
    /// The number of mutations in the batch.
    public let changes: Int
    /// The number of keys in the trie after the batch.
    public let keyCount: Int

    public init(sequence: Int, root: Hash32, committedAt: Date, changes: Int, keyCount: Int) {
        self.sequence = sequence
        self.root = root
        self.committedAt = committedAt
        self.changes = changes
        self.keyCount = keyCount
    }
}

/// What a batch records in the history beside its root.
public struct PendingCommit: Sendable, Hashable {
    public let time: Date
    /// The number of mutations in the batch.
    public let changes: Int
    /// Keys inserted minus keys deleted.
    public let keyDelta: Int

    public init(time: Date, changes: Int, keyDelta: Int) {
        self.time = time
        self.changes = changes
        self.keyDelta = keyDelta
    }
}

/// Persistent tries, one per operator (named by a string such as its DID): each operator's nodes in
/// a namespace of their own, and the history of the roots its batches produced.
///
/// The newest commit *is* the trie's root: a store's node view answers `root()` from it, and its
/// `apply` writes the batch's nodes and appends the commit in one transaction, so a crash leaves
/// either the previous commit with all its nodes or the new one with all of its own. Old commits
/// are kept, so a proof against an earlier (anchored) root can still be checked by its root hash.
public protocol OperatorTrieStore: Sendable {
    /// A node store over `operatorID`'s trie. Its `apply` appends `commit` to the history (with the
    /// batch's root) and refuses to run without one (`trie_read_only`): read-only views pass nil.
    func nodeStore(operator operatorID: String, recording commit: PendingCommit?) -> any NodeStore

    /// `operatorID`'s commits, newest first, at most `limit`; empty for an operator without a trie.
    func history(operator operatorID: String, limit: Int) async throws -> [TrieCommit]
}

/// A failure of the operator-trie service, with a stable code.
public struct OperatorTrieError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// The operator has no trie: nothing was ever committed for it.
    public static func operatorNotFound(_ operatorID: String) -> OperatorTrieError {
        OperatorTrieError(code: "operator_not_found", message: "operator '\(operatorID)' has no trie")
    }

    /// A batch without mutations.
    public static let emptyBatch = OperatorTrieError(code: "empty_batch", message: "a batch needs at least one change")

    /// A write through a read-only node view.
    public static let readOnly = OperatorTrieError(
        code: "trie_read_only", message: "this node store view is read-only: open it with a pending commit to write")

    /// A history limit below one.
    public static func invalidLimit(_ limit: Int) -> OperatorTrieError {
        OperatorTrieError(code: "invalid_limit", message: "the history limit must be at least 1, got \(limit)")
    }
}
