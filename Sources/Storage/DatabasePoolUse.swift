import Synchronization

/// How a store's database connections are used at one moment, for monitoring.
public struct DatabasePoolUse: Sendable, Hashable {
    /// `sqlite` or `postgresql`.
    public let backend: String
    /// The most connections the pool holds (SQLite: its readers and its one writer).
    public let maximumConnections: Int
    /// Store operations holding a connection now.
    public let connectionsInUse: Int
    /// Store operations waiting for a connection now (a SQLite write waits for the writer even while
    /// readers are free).
    public let waiting: Int
}

/// Counts a store's operations on its connection pool: those begun, and among them those holding a
/// connection. An operation runs `operation { … }` around its request to the pool, and `holding { … }`
/// inside the closure the pool runs with a connection.
final class PoolUseCounter: Sendable {
    private struct Counts {
        var operations = 0
        var holding = 0
    }

    private let backend: String
    private let maximumConnections: Int
    private let counts = Mutex(Counts())

    init(backend: String, maximumConnections: Int) {
        self.backend = backend
        self.maximumConnections = maximumConnections
    }

    /// The counts now.
    var use: DatabasePoolUse {
        let counts = counts.withLock { $0 }
        return DatabasePoolUse(
            backend: backend, maximumConnections: maximumConnections, connectionsInUse: counts.holding,
            waiting: max(0, counts.operations - counts.holding))
    }

    /// Runs `body`, one operation that asks the pool for a connection.
    nonisolated(nonsending) func operation<T>(_ body: () async throws -> T) async rethrows -> T {
        counts.withLock { $0.operations += 1 }
        defer { counts.withLock { $0.operations -= 1 } }
        return try await body()
    }

    /// Runs `body` while the operation holds its connection.
    func holding<T>(_ body: () throws -> T) rethrows -> T {
        counts.withLock { $0.holding += 1 }
        defer { counts.withLock { $0.holding -= 1 } }
        return try body()
    }

    /// Runs `body` while the operation holds its connection.
    nonisolated(nonsending) func holding<T>(_ body: () async throws -> T) async rethrows -> T {
        counts.withLock { $0.holding += 1 }
        defer { counts.withLock { $0.holding -= 1 } }
        return try await body()
    }

    /// Runs `body`, an operation that already holds its connection when it starts (the pool's own
    /// background work, such as a WAL checkpoint on the writer).
    func holdingOperation<T>(_ body: () throws -> T) rethrows -> T {
        counts.withLock {
            $0.operations += 1
            $0.holding += 1
        }
        defer {
            counts.withLock {
                $0.operations -= 1
                $0.holding -= 1
            }
        }
        return try body()
    }
}
