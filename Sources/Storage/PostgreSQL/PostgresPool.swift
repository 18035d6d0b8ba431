import Logging
import PostgresNIO

/// The connection pool of a `PostgresClient`, counting the operations that wait for and hold its
/// connections (the client reports neither).
struct PostgresPool: Sendable {
    private let client: PostgresClient
    let counter: PoolUseCounter

    init(client: PostgresClient, maximumConnections: Int) {
        self.client = client
        counter = PoolUseCounter(backend: "postgresql", maximumConnections: maximumConnections)
    }

    /// Runs `body` on a connection leased from the pool.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await counter.operation {
            try await client.withConnection { connection in try await counter.holding { try await body(connection) } }
        }
    }

    /// Runs `query` on a leased connection and decodes its rows.
    func rows<T: Sendable>(_ query: PostgresQuery, logger: Logger, _ decode: (PostgresRow) throws -> T) async throws -> [T] {
        try await withConnection { connection in
            var values: [T] = []
            for try await row in try await connection.query(query, logger: logger) {
                values.append(try decode(row))
            }
            return values
        }
    }
}
