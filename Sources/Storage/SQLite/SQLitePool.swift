import GRDB

/// The GRDB pool of one SQLite database (its readers and its one writer), counting the operations
/// that wait for and hold its connections.
struct SQLitePool: Sendable {
    private let pool: DatabasePool
    let counter: PoolUseCounter

    init(_ pool: DatabasePool, readers: Int) {
        self.pool = pool
        counter = PoolUseCounter(backend: "sqlite", maximumConnections: readers + 1)
    }

    /// Runs `body` on a reader.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await counter.operation { try await pool.read { db in try counter.holding { try body(db) } } }
    }

    /// Runs `body` in a transaction on the writer.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await counter.operation { try await pool.write { db in try counter.holding { try body(db) } } }
    }

    /// Schedules `body` on the writer, outside a transaction, and returns at once.
    func asyncWriteWithoutTransaction(_ body: @escaping @Sendable (Database) -> Void) {
        pool.asyncWriteWithoutTransaction { [counter] db in counter.holdingOperation { body(db) } }
    }
}
