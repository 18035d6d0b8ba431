import Logging
import PostgresNIO
import Synchronization

/// Whether the database still holds trie nodes in the table kept from before nodes were stored by
/// position (`trie_nodes`). Nothing writes there any more, so once it is seen empty it is never
/// looked at again; until then each batch deletes from it the nodes it replaces.
final class LegacyTrieNodes: Sendable {
    private let empty = Mutex(false)

    /// Whether `trie_nodes` may hold nodes (read in the caller's transaction until it is empty).
    func mayExist(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        if empty.withLock({ $0 }) { return false }
        var exists = true
        for try await value in try await connection.query("SELECT EXISTS (SELECT 1 FROM trie_nodes)", logger: logger).decode(Bool.self) {
            exists = value
        }
        if !exists { empty.withLock { $0 = true } }
        return exists
    }
}
