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
            let rows = try await connection.rows(
                of: NodesAtPositionsStatement(operatorID: operatorID, positions: byKey.keys.map { ByteBuffer(bytes: $0) }), logger: logger)
            for (position, hash, node) in rows {
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
        guard let trie = try await connection.rows(of: TrieLockStatement(operatorID: operatorID), logger: logger).first else {
            throw StorageError.failed("the trie of '\(operatorID)' vanished mid-batch")
        }
        let current = try await connection.rows(of: LatestCommitStatement(trie: trie), logger: logger).first.map {
            (sequence: Int($0.0), root: try PostgresTrieStore.hash($0.1), keyCount: Int($0.2))
        }
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
        let statement = TrieBatchStatement(
            trie: trie, emptied: emptied.map { ByteBuffer(bytes: $0.position.key) }, positions: batch.puts.map { ByteBuffer(bytes: $0.ref.position.key) },
            hashes: batch.puts.map { ByteBuffer(bytes: $0.ref.hash.bytes) }, nodes: batch.puts.map { ByteBuffer(bytes: $0.bytes) }, sequence: sequence,
            root: ByteBuffer(bytes: batch.root.bytes), committedAt: time, changes: Int64(commit.changes), keyCount: Int64(keyCount))
        _ = try await connection.rows(of: statement, logger: logger)
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

// Every write to an operator's batteries runs these, so each is prepared once per connection.

/// The operator's nodes at these positions: position, hash and node.
private struct NodesAtPositionsStatement: PostgresPreparedStatement {
    typealias Row = (ByteBuffer, ByteBuffer, ByteBuffer)
    static let sql = """
        SELECT position, hash, node FROM trie_node_positions
        WHERE trie = (SELECT id FROM tries WHERE operator = $1) AND position = ANY($2::bytea[])
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .byteaArray]
    let operatorID: String
    let positions: [ByteBuffer]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(operatorID)
        bindings.append(positions)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Creates the operator's trie row if needed and locks it (the upsert's update takes the row lock)
/// until the transaction ends; returns the trie's id.
private struct TrieLockStatement: PostgresPreparedStatement {
    typealias Row = Int64
    static let sql = "INSERT INTO tries (operator) VALUES ($1) ON CONFLICT (operator) DO UPDATE SET operator = excluded.operator RETURNING id"
    static let bindingDataTypes: [PostgresDataType] = [.text]
    let operatorID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(operatorID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The trie's newest commit: sequence, root and key count.
private struct LatestCommitStatement: PostgresPreparedStatement {
    typealias Row = (Int64, ByteBuffer, Int64)
    static let sql = "SELECT sequence, root, key_count FROM trie_commits WHERE trie = $1 ORDER BY sequence DESC LIMIT 1"
    static let bindingDataTypes: [PostgresDataType] = [.int8]
    let trie: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(trie)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A batch's positions emptied, nodes written and its commit, in one statement.
private struct TrieBatchStatement: PostgresPreparedStatement {
    typealias Row = Int64
    static let sql = """
        WITH emptied AS (
            DELETE FROM trie_node_positions WHERE trie = $1 AND position = ANY($2::bytea[])
        ), written AS (
            INSERT INTO trie_node_positions (trie, position, hash, node)
            SELECT $1, * FROM UNNEST($3::bytea[], $4::bytea[], $5::bytea[])
            ON CONFLICT (trie, position) DO UPDATE SET hash = excluded.hash, node = excluded.node
        )
        INSERT INTO trie_commits (trie, sequence, root, committed_at, changes, key_count)
        VALUES ($1, $6, $7, $8, $9, $10)
        RETURNING sequence
        """
    static let bindingDataTypes: [PostgresDataType] = [.int8, .byteaArray, .byteaArray, .byteaArray, .byteaArray, .int8, .bytea, .int8, .int8, .int8]
    let trie: Int64
    let emptied: [ByteBuffer]
    let positions: [ByteBuffer]
    let hashes: [ByteBuffer]
    let nodes: [ByteBuffer]
    let sequence: Int64
    let root: ByteBuffer
    let committedAt: Int64
    let changes: Int64
    let keyCount: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(trie)
        bindings.append(emptied)
        bindings.append(positions)
        bindings.append(hashes)
        bindings.append(nodes)
        bindings.append(sequence)
        bindings.append(root)
        bindings.append(committedAt)
        bindings.append(changes)
        bindings.append(keyCount)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension PostgresConnection {
    /// Runs `statement`, prepared once per connection, and collects its rows.
    func rows<Statement: PostgresPreparedStatement>(of statement: Statement, logger: Logger) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await execute(statement, logger: logger) { rows.append(row) }
        return rows
    }

    /// Runs `query` and discards its rows.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

