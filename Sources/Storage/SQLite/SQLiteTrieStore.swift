import Foundation
import GRDB
import Encoding
import Trie

/// Every operator's trie in the embedded SQLite database (the same file as ``SQLiteStore``, WAL mode):
/// nodes in `trie_node_positions` under (trie, position), the history of roots in `trie_commits`.
/// A batch is one write transaction, so a process killed mid-batch leaves the previous commit and its
/// nodes intact. It shares the connection pool of the ``SQLiteStore`` it is opened beside.
public final class SQLiteTrieStore: OperatorTrieStore {
    /// The database file.
    public let path: String
    private let pool: SQLitePool
    private let checkpointer: WALCheckpointer

    /// The tries in `store`'s database, over its connection pool.
    public init(beside store: SQLiteStore) {
        pool = store.pool
        checkpointer = store.checkpointer
        path = store.path
    }

    /// Opens (migrating, creating if needed) the database at `path` and its tries.
    public static func open(migrating path: String) async throws -> SQLiteTrieStore {
        SQLiteTrieStore(beside: try await SQLiteStore(path: path))
    }

    public func nodeStore(operator operatorID: String, recording commit: PendingCommit?) -> any NodeStore {
        SQLiteNodeStore(pool: pool, checkpointer: checkpointer, operatorID: operatorID, commit: commit)
    }

    public func history(operator operatorID: String, limit: Int) async throws -> [TrieCommit] {
        try StoredValues.checkLimit(limit)
        return try await SQLiteErrors.mappedAsync {
            try await pool.read { db in
                try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT c.sequence, c.root, c.committed_at, c.changes, c.key_count
                        FROM trie_commits c
                        WHERE c.trie = (SELECT id FROM tries WHERE operator = ?) ORDER BY c.sequence DESC LIMIT ?
                        """),
                    arguments: [operatorID, limit]
                ).map { row in
                    TrieCommit(
                        sequence: try row.decode(atIndex: 0), root: try Self.hash(try row.decode(Data.self, atIndex: 1)),
                        committedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 2)),
                        changes: try row.decode(atIndex: 3), keyCount: try row.decode(atIndex: 4))
                }
            }
        }
    }

    static func hash(_ data: Data) throws -> Hash32 {
        guard let hash = Hash32(bytes: data) else {
            throw StorageError.corrupt("a stored trie hash has \(data.count) bytes, not 32")
        }
        return hash
    }
}

/// One operator's nodes in SQLite, in `trie_node_positions` keyed by (trie, position), so a subtree's
/// nodes share B-tree pages and a changed node is rewritten in place. Nodes written before that table
/// existed stay in `trie_nodes` (keyed by hash): reads fall back to it, and batches delete from it the
/// nodes they replace, so it empties as the trie changes. Reads are point queries on a pooled reader
/// (prepared once per connection), batched per call; they are awaited, never blocking a thread of the
/// concurrency pool on the connection pool (which would deadlock under load).
struct SQLiteNodeStore: NodeStore {
    let pool: SQLitePool
    let checkpointer: WALCheckpointer
    let operatorID: String
    let commit: PendingCommit?

    /// Reads the nodes with one point query each on one reader, after looking the trie up once.
    func nodes(_ refs: [NodeRef]) async throws -> [NodeRef: [UInt8]] {
        try await SQLiteErrors.mappedAsync {
            try await pool.read { db in
                var found: [NodeRef: [UInt8]] = [:]
                guard let trie = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM tries WHERE operator = ?"), arguments: [operatorID])
                else { return found }
                let statement = try db.cachedStatement(
                    sql: "SELECT node FROM trie_node_positions WHERE trie = ? AND position = ? AND hash = ?")
                var missing: [NodeRef] = []
                for ref in refs {
                    if let node = try Data.fetchOne(statement, arguments: [trie, Data(ref.position.key), ref.hash.data]) {
                        found[ref] = [UInt8](node)
                    } else {
                        missing.append(ref)
                    }
                }
                guard !missing.isEmpty else { return found }
                let legacy = try db.cachedStatement(sql: "SELECT node FROM trie_nodes WHERE trie = ? AND hash = ?")
                for ref in missing {
                    if let node = try Data.fetchOne(legacy, arguments: [trie, ref.hash.data]) { found[ref] = [UInt8](node) }
                }
                return found
            }
        }
    }

    func root() async throws -> Hash32? {
        try await SQLiteErrors.mappedAsync {
            try await pool.read { db in try Self.latest(db, operatorID: operatorID)?.root }
        }
    }

    func apply(_ batch: NodeBatch) async throws {
        guard let commit else { throw OperatorTrieError.readOnly }
        let write = TrieWrite(operatorID: operatorID, batch: batch, commit: commit)
        let time = try StoredValues.microseconds(commit.time, field: "committedAt")
        try await SQLiteErrors.mappedAsync {
            try await pool.write { db in try Self.write(write, committedAt: time, in: db) }
        }
        checkpointer.committed(nodes: batch.puts.count)
    }

    /// Writes the batch's nodes and appends its commit inside the caller's transaction;
    /// `root_conflict` when the stored root is not the batch's previous root.
    static func write(_ write: TrieWrite, committedAt time: Int64, in db: Database) throws {
        let (batch, commit, operatorID) = (write.batch, write.commit, write.operatorID)
        let current = try latest(db, operatorID: operatorID)
        guard current?.root == batch.previousRoot else {
            throw NodeStoreError.rootConflict(expected: batch.previousRoot, found: current?.root)
        }
        let keyCount = (current?.keyCount ?? 0) + commit.keyDelta
        guard keyCount >= 0 else {
            throw StorageError.invalidValue("the batch would leave \(keyCount) keys in the trie of '\(operatorID)'")
        }
        try db.execute(sql: "INSERT INTO tries (operator) VALUES (?) ON CONFLICT (operator) DO NOTHING", arguments: [operatorID])
        let trie = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM tries WHERE operator = ?"), arguments: [operatorID])!
        let written = Set(batch.puts.map(\.ref.position))
        let delete = try db.cachedStatement(sql: "DELETE FROM trie_node_positions WHERE trie = ? AND position = ?")
        for ref in batch.deletes where !written.contains(ref.position) {
            try delete.execute(arguments: [trie, Data(ref.position.key)])
        }
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM trie_nodes WHERE trie = ?)"), arguments: [trie]) == true {
            let deleteLegacy = try db.cachedStatement(sql: "DELETE FROM trie_nodes WHERE trie = ? AND hash = ?")
            for ref in batch.deletes {
                try deleteLegacy.execute(arguments: [trie, ref.hash.data])
            }
        }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO trie_node_positions (trie, position, hash, node) VALUES (?, ?, ?, ?)
                ON CONFLICT (trie, position) DO UPDATE SET hash = excluded.hash, node = excluded.node
                """)
        for put in batch.puts {
            try upsert.execute(arguments: [trie, Data(put.ref.position.key), put.ref.hash.data, Data(put.bytes)])
        }
        try db.execute(
            sql: """
                INSERT INTO trie_commits (trie, sequence, root, committed_at, changes, key_count)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [trie, (current?.sequence ?? 0) + 1, batch.root.data, time, commit.changes, keyCount])
    }

    /// The newest commit's sequence, root and key count.
    private static func latest(_ db: Database, operatorID: String) throws -> (sequence: Int, root: Hash32, keyCount: Int)? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT c.sequence, c.root, c.key_count FROM trie_commits c
                WHERE c.trie = (SELECT id FROM tries WHERE operator = ?) ORDER BY c.sequence DESC LIMIT 1
                """)
        guard let row = try Row.fetchOne(statement, arguments: [operatorID]) else { return nil }
        return (try row.decode(atIndex: 0), try SQLiteTrieStore.hash(try row.decode(Data.self, atIndex: 1)), try row.decode(atIndex: 2))
    }
}

extension Hash32 {
    /// The 32 bytes as a SQLite blob argument.
    fileprivate var data: Data { withUnsafeBytes(of: self) { Data($0) } }
}
