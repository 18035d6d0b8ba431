import Encoding
import Foundation
import Logging
import PostgresNIO
import Trie

/// Every operator's trie in PostgreSQL (the same database and schema as ``PostgresStore``): nodes in
/// `trie_node_positions`, the history of roots in `trie_commits`. A batch is one transaction that
/// first locks the operator's `tries` row, so concurrent writers of one trie are serialized and a batch
/// computed from an outdated root fails with `root_conflict`.
///
/// It works over the connection pool of the ``PostgresStore`` it is opened beside, so queries run
/// while that store's `run()` does (``withStore(url:schema:logger:_:)`` takes care of both).
public struct PostgresTrieStore: OperatorTrieStore {
    private let pool: PostgresPool
    private let logger: Logger
    let legacyNodes: LegacyTrieNodes

    /// The tries in `store`'s database and schema, over its connection pool.
    public init(beside store: PostgresStore) {
        pool = store.pool
        logger = store.logger
        legacyNodes = store.legacyTrieNodes
    }

    /// Opens and migrates the database, runs `body` with its tries while the pool runs, and shuts
    /// the pool down.
    public static func withStore<Result: Sendable>(
        url: String, schema: String? = nil, logger: Logger = Logger(label: "voltpass.storage"),
        _ body: (PostgresTrieStore) async throws -> Result
    ) async throws -> Result {
        try await PostgresStore.withStore(url: url, schema: schema, logger: logger) { try await body(PostgresTrieStore(beside: $0)) }
    }

    public func nodeStore(operator operatorID: String, recording commit: PendingCommit?) -> any NodeStore {
        PostgresNodeStore(trieStore: self, operatorID: operatorID, commit: commit)
    }

    public func history(operator operatorID: String, limit: Int) async throws -> [TrieCommit] {
        try StoredValues.checkLimit(limit)
        return try await withConnection { connection, logger in
            var commits: [TrieCommit] = []
            let rows = try await connection.query(
                """
                SELECT c.sequence, c.root, c.committed_at, c.changes, c.key_count
                FROM trie_commits c
                WHERE c.trie = (SELECT id FROM tries WHERE operator = \(operatorID)) ORDER BY c.sequence DESC LIMIT \(limit)
                """, logger: logger)
            for try await (sequence, root, committedAt, changes, keyCount) in rows.decode((Int64, ByteBuffer, Int64, Int64, Int64).self) {
                commits.append(
                    TrieCommit(
                        sequence: Int(sequence), root: try Self.hash(root),
                        committedAt: StoredValues.date(microseconds: committedAt), changes: Int(changes),
                        keyCount: Int(keyCount)))
            }
            return commits
        }
    }

    /// Runs `body` on a connection leased from the pool, mapping failures to coded errors.
    func withConnection<T: Sendable>(_ body: (PostgresConnection, Logger) async throws -> T) async throws -> T {
        do {
            return try await pool.withConnection { try await body($0, logger) }
        } catch {
            throw PostgresErrors.storageError(error)
        }
    }

    static func hash(_ buffer: ByteBuffer) throws -> Hash32 {
        guard let hash = Hash32(bytes: buffer.readableBytesView) else {
            throw StorageError.corrupt("a stored trie hash has \(buffer.readableBytes) bytes, not 32")
        }
        return hash
    }
}

/// One operator's nodes in PostgreSQL, in `trie_node_positions` keyed by (trie, position); nodes
/// written before that table existed stay readable in `trie_nodes` (by hash) until a batch replaces them.
struct PostgresNodeStore: NodeStore {
    let trieStore: PostgresTrieStore
    let operatorID: String
    let commit: PendingCommit?

    func nodes(_ refs: [NodeRef]) async throws -> [NodeRef: [UInt8]] {
        let operatorID = operatorID
        var byKey: [[UInt8]: NodeRef] = [:]
        for ref in refs { byKey[ref.position.key] = ref }
        return try await trieStore.withConnection { [byKey] connection, logger in
            var found: [NodeRef: [UInt8]] = [:]
            let rows = try await connection.query(
                """
                SELECT position, hash, node FROM trie_node_positions
                WHERE trie = (SELECT id FROM tries WHERE operator = \(operatorID))
                  AND position = ANY(\(byKey.keys.map { ByteBuffer(bytes: $0) }))
                """, logger: logger)
            for try await (position, hash, node) in rows.decode((ByteBuffer, ByteBuffer, ByteBuffer).self) {
                if let ref = byKey[Array(position.readableBytesView)], ref.hash == (try PostgresTrieStore.hash(hash)) {
                    found[ref] = Array(node.readableBytesView)
                }
            }
            let missing = refs.filter { found[$0] == nil }
            guard !missing.isEmpty else { return found }
            let byHash = Dictionary(missing.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
            let legacy = try await connection.query(
                """
                SELECT hash, node FROM trie_nodes
                WHERE trie = (SELECT id FROM tries WHERE operator = \(operatorID))
                  AND hash = ANY(\(missing.map { ByteBuffer(bytes: $0.hash.bytes) }))
                """, logger: logger)
            for try await (hash, node) in legacy.decode((ByteBuffer, ByteBuffer).self) {
                if let ref = byHash[try PostgresTrieStore.hash(hash)] { found[ref] = Array(node.readableBytesView) }
            }
            return found
        }
    }

    func root() async throws -> Hash32? {
        let operatorID = operatorID
        return try await trieStore.withConnection { connection, logger in
            try await Self.latest(connection, logger: logger, operatorID: operatorID)?.root
        }
    }

    func apply(_ batch: NodeBatch) async throws {
        guard let commit else { throw OperatorTrieError.readOnly }
        let write = TrieWrite(operatorID: operatorID, batch: batch, commit: commit)
        let time = try StoredValues.microseconds(commit.time, field: "committedAt")
        try await trieStore.withConnection { connection, logger in
            try await connection.execute("BEGIN", logger: logger)
            do {
                try await Self.write(write, committedAt: time, legacy: trieStore.legacyNodes, on: connection, logger: logger)
                try await connection.execute("COMMIT", logger: logger)
            } catch {
                try? await connection.execute("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Writes the batch's nodes and appends its commit inside the caller's transaction, after locking
    /// the operator's `tries` row; `root_conflict` when the stored root is not the batch's previous root.
    static func write(
        _ write: TrieWrite, committedAt time: Int64, legacy: LegacyTrieNodes, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let (batch, commit, operatorID) = (write.batch, write.commit, write.operatorID)
        // Creates the operator's trie row if needed and locks it (the upsert's update takes the row
        // lock) until the transaction ends, in one statement.
        var trie: Int64?
        for try await id in try await connection.query(
            "INSERT INTO tries (operator) VALUES (\(operatorID)) ON CONFLICT (operator) DO UPDATE SET operator = excluded.operator RETURNING id",
            logger: logger
        ).decode(Int64.self) {
            trie = id
        }
        guard let trie else { throw StorageError.failed("the trie of '\(operatorID)' vanished mid-batch") }
        let current = try await latest(connection, logger: logger, operatorID: operatorID)
        guard current?.root == batch.previousRoot else {
            throw NodeStoreError.rootConflict(expected: batch.previousRoot, found: current?.root)
        }
        let keyCount = (current?.keyCount ?? 0) + commit.keyDelta
        guard keyCount >= 0 else {
            throw StorageError.invalidValue("the batch would leave \(keyCount) keys in the trie of '\(operatorID)'")
        }
        let written = Set(batch.puts.map(\.ref.position))
        let emptied = batch.deletes.filter { !written.contains($0.position) }
        if !batch.deletes.isEmpty, try await legacy.mayExist(on: connection, logger: logger) {
            try await connection.execute(
                """
                DELETE FROM trie_nodes
                WHERE trie = \(trie) AND hash = ANY(\(batch.deletes.map { ByteBuffer(bytes: $0.hash.bytes) }))
                """, logger: logger)
        }
        // Positions emptied, nodes written and the commit, in one statement (one round trip).
        let sequence = Int64((current?.sequence ?? 0) + 1)
        try await connection.execute(
            """
            WITH emptied AS (
                DELETE FROM trie_node_positions
                WHERE trie = \(trie) AND position = ANY(\(emptied.map { ByteBuffer(bytes: $0.position.key) })::bytea[])
            ), written AS (
                INSERT INTO trie_node_positions (trie, position, hash, node)
                SELECT \(trie), * FROM UNNEST(\(batch.puts.map { ByteBuffer(bytes: $0.ref.position.key) })::bytea[],
                                               \(batch.puts.map { ByteBuffer(bytes: $0.ref.hash.bytes) })::bytea[],
                                               \(batch.puts.map { ByteBuffer(bytes: $0.bytes) })::bytea[])
                ON CONFLICT (trie, position) DO UPDATE SET hash = excluded.hash, node = excluded.node
            )
            INSERT INTO trie_commits (trie, sequence, root, committed_at, changes, key_count)
            VALUES (\(trie), \(sequence), \(ByteBuffer(bytes: batch.root.bytes)), \(time),
                    \(Int64(commit.changes)), \(Int64(keyCount)))
            """, logger: logger)
    }

    /// The newest commit's sequence, root and key count.
    private static func latest(
        _ connection: PostgresConnection, logger: Logger, operatorID: String
    ) async throws -> (sequence: Int, root: Hash32, keyCount: Int)? {
        let rows = try await connection.query(
            """
            SELECT c.sequence, c.root, c.key_count FROM trie_commits c
            WHERE c.trie = (SELECT id FROM tries WHERE operator = \(operatorID)) ORDER BY c.sequence DESC LIMIT 1
            """, logger: logger)
        for try await (sequence, root, keyCount) in rows.decode((Int64, ByteBuffer, Int64).self) {
            return (Int(sequence), try PostgresTrieStore.hash(root), Int(keyCount))
        }
        return nil
    }
}

extension PostgresConnection {
    /// Runs `query` and discards its rows.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

