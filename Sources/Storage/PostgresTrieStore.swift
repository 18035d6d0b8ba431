import Encoding
import Foundation
import Logging
import PostgresNIO
import Trie

/// Every operator's trie in PostgreSQL (the same database and schema as ``PostgresStore``): nodes in
/// `trie_nodes`, the history of roots in `trie_commits`. A batch is one transaction that first locks
/// the operator's `tries` row, so concurrent writers of one trie are serialized and a batch computed
/// from an outdated root fails with `root_conflict`.
///
/// It works over one connection of its own, opened on first use and reopened after a failure, with
/// one operation at a time. Call ``close()`` when done (``withStore(url:schema:logger:_:)`` does).
public actor PostgresTrieStore: OperatorTrieStore {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Prepares a trie store on the database at `url` (schema `schema` when set), which must already
    /// be migrated (``PostgresStore/migrate()``). Connects to nothing yet.
    public init(url: String, schema: String? = nil, logger: Logger = Logger(label: "voltpass.storage")) throws {
        // Validates the URL and schema name exactly as the main store does.
        _ = try PostgresStore(url: url, schema: schema, logger: logger)
        configuration = try PostgresURL(url).connectionConfiguration(startupParameters: schema.map { [("search_path", $0)] } ?? [])
        self.logger = logger
    }

    /// Migrates the database, opens its tries, runs `body`, and closes the connection.
    public static func withStore<Result: Sendable>(
        url: String, schema: String? = nil, logger: Logger = Logger(label: "voltpass.storage"),
        _ body: (PostgresTrieStore) async throws -> Result
    ) async throws -> Result {
        try await PostgresStore(url: url, schema: schema, logger: logger).migrate()
        let store = try PostgresTrieStore(url: url, schema: schema, logger: logger)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// Closes the connection; the next operation opens a new one.
    public func close() async {
        try? await connection?.close()
        connection = nil
    }

    public nonisolated func nodeStore(operator operatorID: String, recording commit: PendingCommit?) -> any NodeStore {
        PostgresNodeStore(owner: self, operatorID: operatorID, commit: commit)
    }

    public func history(operator operatorID: String, limit: Int) async throws -> [TrieCommit] {
        try StoredValues.checkLimit(limit)
        return try await withConnection { connection, logger in
            var commits: [TrieCommit] = []
            let rows = try await connection.query(
                """
                SELECT c.sequence, c.root, c.committed_at, c.changes, c.key_count
                FROM trie_commits c JOIN tries t ON t.id = c.trie
                WHERE t.operator = \(operatorID) ORDER BY c.sequence DESC LIMIT \(limit)
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

    /// Runs `body` on the connection, alone: operations never interleave on it.
    func withConnection<T: Sendable>(
        _ body: @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        await lock()
        defer { unlock() }
        do {
            let connection = try await open()
            do {
                return try await body(connection, logger)
            } catch {
                if connection.isClosed { self.connection = nil }
                throw error
            }
        } catch {
            throw PostgresErrors.storageError(error)
        }
    }

    private func open() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let opened = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        connection = opened
        return opened
    }

    private func lock() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    private func unlock() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    static func hash(_ buffer: ByteBuffer) throws -> Hash32 {
        guard let hash = Hash32(bytes: buffer.readableBytesView) else {
            throw StorageError.corrupt("a stored trie hash has \(buffer.readableBytes) bytes, not 32")
        }
        return hash
    }
}

/// One operator's nodes in PostgreSQL.
struct PostgresNodeStore: NodeStore {
    let owner: PostgresTrieStore
    let operatorID: String
    let commit: PendingCommit?

    func node(_ hash: Hash32) async throws -> [UInt8]? {
        try await nodes([hash])[hash]
    }

    func nodes(_ hashes: [Hash32]) async throws -> [Hash32: [UInt8]] {
        let operatorID = operatorID
        return try await owner.withConnection { connection, logger in
            let rows = try await connection.query(
                """
                SELECT hash, node FROM trie_nodes
                WHERE trie = (SELECT id FROM tries WHERE operator = \(operatorID))
                  AND hash = ANY(\(hashes.map { ByteBuffer(bytes: $0.bytes) }))
                """, logger: logger)
            var found: [Hash32: [UInt8]] = [:]
            for try await (hash, node) in rows.decode((ByteBuffer, ByteBuffer).self) {
                found[try PostgresTrieStore.hash(hash)] = Array(node.readableBytesView)
            }
            return found
        }
    }

    func root() async throws -> Hash32? {
        let operatorID = operatorID
        return try await owner.withConnection { connection, logger in
            try await Self.latest(connection, logger: logger, operatorID: operatorID)?.root
        }
    }

    func apply(_ batch: NodeBatch) async throws {
        guard let commit else { throw OperatorTrieError.readOnly }
        let time = try StoredValues.microseconds(commit.time, field: "committedAt")
        let operatorID = operatorID
        try await owner.withConnection { connection, logger in
            try await connection.execute("BEGIN", logger: logger)
            do {
                try await connection.execute(
                    "INSERT INTO tries (operator) VALUES (\(operatorID)) ON CONFLICT (operator) DO NOTHING", logger: logger)
                var trie: Int64?
                for try await id in try await connection.query(
                    "SELECT id FROM tries WHERE operator = \(operatorID) FOR UPDATE", logger: logger
                ).decode(Int64.self) {
                    trie = id
                }
                guard let trie else { throw StorageError.failed("the trie of '\(operatorID)' vanished mid-batch") }
                let current = try await Self.latest(connection, logger: logger, operatorID: operatorID)
                guard current?.root == batch.previousRoot else {
                    throw NodeStoreError.rootConflict(expected: batch.previousRoot, found: current?.root)
                }
                let keyCount = (current?.keyCount ?? 0) + commit.keyDelta
                guard keyCount >= 0 else {
                    throw StorageError.invalidValue("the batch would leave \(keyCount) keys in the trie of '\(operatorID)'")
                }
                if !batch.deletes.isEmpty {
                    try await connection.execute(
                        """
                        DELETE FROM trie_nodes
                        WHERE trie = \(trie) AND hash = ANY(\(batch.deletes.map { ByteBuffer(bytes: $0.bytes) }))
                        """, logger: logger)
                }
                if !batch.puts.isEmpty {
                    try await connection.execute(
                        """
                        INSERT INTO trie_nodes (trie, hash, node)
                        SELECT \(trie), * FROM UNNEST(\(batch.puts.map { ByteBuffer(bytes: $0.hash.bytes) })::bytea[],
                                                       \(batch.puts.map { ByteBuffer(bytes: $0.bytes) })::bytea[])
                        ON CONFLICT DO NOTHING
                        """, logger: logger)
                }
                let sequence = Int64((current?.sequence ?? 0) + 1)
                try await connection.execute(
                    """
                    INSERT INTO trie_commits (trie, sequence, root, committed_at, changes, key_count)
                    VALUES (\(trie), \(sequence), \(ByteBuffer(bytes: batch.root.bytes)), \(time),
                            \(Int64(commit.changes)), \(Int64(keyCount)))
                    """, logger: logger)
                try await connection.execute("COMMIT", logger: logger)
            } catch {
                try? await connection.execute("ROLLBACK", logger: logger)
                throw error
            }
        }
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
    fileprivate func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

