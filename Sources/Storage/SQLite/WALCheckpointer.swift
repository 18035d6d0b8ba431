import GRDB
import Synchronization

/// Copies written pages from the WAL into the database file once enough trie nodes were committed
/// since the last time: on the writer's queue, after a commit, so the copying and its fsync overlap
/// the next writes' reads and hashing instead of delaying a commit. Small commits (one battery's
/// leaf) are gathered; a 1,000-device batch checkpoints on its own.
final class WALCheckpointer: Sendable {
    /// Trie nodes written between two checkpoints.
    static let threshold = 2_048

    private let pool: SQLitePool
    private let written = Atomic<Int>(0)

    init(pool: SQLitePool) {
        self.pool = pool
    }

    /// Records a commit that wrote `nodes` trie nodes; checkpoints once they add up to the threshold.
    func committed(nodes: Int) {
        guard written.add(nodes, ordering: .relaxed).newValue >= Self.threshold else { return }
        written.store(0, ordering: .relaxed)
        // A failed passive checkpoint is retried after the next threshold's worth of writes.
        pool.asyncWriteWithoutTransaction { db in _ = try? db.checkpoint(.passive) }
    }
}
