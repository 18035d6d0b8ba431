import Foundation
import GRDB
import Encoding
import Trie

/// Every operator's trie in the embedded SQLite database (the same file as ``SQLiteStore``, WAL mode):
/// nodes in `trie_nodes` under (trie, hash), the history of roots in `trie_commits`. A batch is one
/// write transaction, so a process killed mid-batch leaves the previous commit and its nodes intact.
public final class SQLiteTrieStore: OperatorTrieStore {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// Opens the tries in the SQLite database at `path`, which must already be migrated (open a
    /// ``SQLiteStore`` on it first, or use ``open(migrating:)``).
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Batches touch nodes all over the table: a 64 MiB page cache per connection (instead
            // of 8 MiB) keeps the upper levels of its B-tree in memory, reads map the file instead
            // of copying it, and the WAL is checkpointed every ~40 MB (not ~4 MB), so the pages
            // every batch rewrites (the top of the trie) are copied into the database less often.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SQLiteErrors.storageError(error)
        }
        self.path = path
    }

    /// Migrates the database at `path` (creating it if needed) and opens its tries.
    public static func open(migrating path: String) async throws -> SQLiteTrieStore {
        _ = try await SQLiteStore(path: path)
        return try SQLiteTrieStore(path: path)
    }

    public func nodeStore(operator operatorID: String, recording commit: PendingCommit?) -> any NodeStore {
        SQLiteNodeStore(pool: pool, operatorID: operatorID, commit: commit)
    }

    public func history(operator operatorID: String, limit: Int) async throws -> [TrieCommit] {
        try StoredValues.checkLimit(limit)
        return try SQLiteErrors.mapped {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.sequence, c.root, c.committed_at, c.changes, c.key_count
                        FROM trie_commits c JOIN tries t ON t.id = c.trie
                        WHERE t.operator = ? ORDER BY c.sequence DESC LIMIT ?
                        """,
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

/// One operator's nodes in SQLite. Reads are short synchronous point queries on a pooled reader
/// (prepared once per connection), which a trie walk issues by the thousand.
struct SQLiteNodeStore: NodeStore {
    let pool: DatabasePool
    let operatorID: String
    let commit: PendingCommit?

    func node(_ hash: Hash32) async throws -> [UInt8]? {
        try await nodes([hash])[hash]
    }

    /// Reads the nodes with one point query each on one reader, after looking the trie up once.
    func nodes(_ hashes: [Hash32]) async throws -> [Hash32: [UInt8]] {
        try SQLiteErrors.mapped {
            try pool.read { db in
                var found: [Hash32: [UInt8]] = [:]
                guard let trie = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM tries WHERE operator = ?"), arguments: [operatorID])
                else { return found }
                let statement = try db.cachedStatement(sql: "SELECT node FROM trie_nodes WHERE trie = ? AND hash = ?")
                for hash in hashes {
                    if let node = try Data.fetchOne(statement, arguments: [trie, hash.data]) {
                        found[hash] = [UInt8](node)
                    }
                }
                return found
            }
        }
    }

    func root() async throws -> Hash32? {
        try SQLiteErrors.mapped {
            try pool.read { db in try Self.latest(db, operatorID: operatorID)?.root }
        }
    }

    func apply(_ batch: NodeBatch) async throws {
        guard let commit else { throw OperatorTrieError.readOnly }
        let time = try StoredValues.microseconds(commit.time, field: "committedAt")
        try await SQLiteErrors.mappedAsync {
            try await pool.write { db in
                let current = try Self.latest(db, operatorID: operatorID)
                guard current?.root == batch.previousRoot else {
                    throw NodeStoreError.rootConflict(expected: batch.previousRoot, found: current?.root)
                }
                let keyCount = (current?.keyCount ?? 0) + commit.keyDelta
                guard keyCount >= 0 else {
                    throw StorageError.invalidValue("the batch would leave \(keyCount) keys in the trie of '\(operatorID)'")
                }
                try db.execute(sql: "INSERT INTO tries (operator) VALUES (?) ON CONFLICT (operator) DO NOTHING", arguments: [operatorID])
                let trie = try Int64.fetchOne(db, sql: "SELECT id FROM tries WHERE operator = ?", arguments: [operatorID])!
                let delete = try db.cachedStatement(sql: "DELETE FROM trie_nodes WHERE trie = ? AND hash = ?")
                for hash in batch.deletes {
                    try delete.execute(arguments: [trie, hash.data])
                }
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO trie_nodes (trie, hash, node) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                for put in batch.puts {
                    try insert.execute(arguments: [trie, put.hash.data, Data(put.bytes)])
                }
                try db.execute(
                    sql: """
                        INSERT INTO trie_commits (trie, sequence, root, committed_at, changes, key_count)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [trie, (current?.sequence ?? 0) + 1, batch.root.data, time, commit.changes, keyCount])
            }
        }
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
