import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import Storage

/// One empty database for one test, reachable both through the store and directly (to plant rows the
/// store would never write).
protocol TestDatabase: Sendable {
    /// Opens a store on this database (migrating it), runs `body`, and closes the store.
    func withStore<Result: Sendable>(_ body: (any VoltpassStore) async throws -> Result) async throws -> Result
    /// Runs one SQL statement directly, bypassing the store.
    func execute(_ sql: String) async throws
    /// The versions recorded in `schema_migrations`, ascending.
    func appliedMigrations() async throws -> [Int]
    /// The versions of the backend's migrations this code knows, ascending (numbers may skip one
    /// another branch holds).
    var knownMigrations: [Int] { get }
}

/// A SQLite file in a temporary directory of its own.
struct SQLiteTestDatabase: TestDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("voltpass.sqlite").path }

    /// Runs `body` with a fresh database and deletes its directory afterwards.
    static func withFresh(_ body: (SQLiteTestDatabase) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("voltpass-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(SQLiteTestDatabase(directory: directory))
    }

    func withStore<Result: Sendable>(_ body: (any VoltpassStore) async throws -> Result) async throws -> Result {
        try await body(SQLiteStore(path: path))
    }

    func execute(_ sql: String) async throws {
        try await directConnection().write { try $0.execute(sql: sql) }
    }

    var knownMigrations: [Int] { SQLiteSchema.migrations.map(\.version) }

    func appliedMigrations() async throws -> [Int] {
        try await directConnection().read { try Int.fetchAll($0, sql: "SELECT version FROM schema_migrations ORDER BY version") }
    }

    /// A connection of its own that waits for locks, as the store's do: a store just closed may still
    /// be checkpointing its WAL.
    private func directConnection() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}

/// A schema of its own in the database named by `VOLTPASS_POSTGRES_URL`, dropped afterwards, so tests
/// are independent and run in parallel.
struct PostgresTestDatabase: TestDatabase {
    /// The server the PostgreSQL tests use.
    static let url = ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// Without a URL the PostgreSQL tests are skipped, except under `CI=true`, where they run and fail.
    static let isEnabled = url != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    static let skipMessage = "VOLTPASS_POSTGRES_URL is not set; as root, run `eval \"$(bash .ci/postgres-setup.sh)\"` to run the PostgreSQL tests"

    let url: String
    let schema: String

    /// Runs `body` with a fresh schema and drops it afterwards.
    static func withFresh(_ body: (PostgresTestDatabase) async throws -> Void) async throws {
        let url = try #require(Self.url, "CI=true but VOLTPASS_POSTGRES_URL is not set (.ci/postgres-setup.sh prints it)")
        let database = PostgresTestDatabase(url: url, schema: "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_"))")
        do {
            try await body(database)
        } catch {
            try? await database.dropSchema()
            throw error
        }
        try await database.dropSchema()
    }

    func withStore<Result: Sendable>(_ body: (any VoltpassStore) async throws -> Result) async throws -> Result {
        try await PostgresStore.withStore(url: url, schema: schema, logger: Self.logger) { try await body($0) }
    }

    func execute(_ sql: String) async throws {
        _ = try await withConnection { try await $0.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).collect() }
    }

    var knownMigrations: [Int] { PostgresSchema.migrations.map(\.version) }

    func appliedMigrations() async throws -> [Int] {
        try await withConnection { connection in
            var versions: [Int] = []
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations ORDER BY version", logger: Self.logger
            ).decode(Int64.self) {
                versions.append(Int(version))
            }
            return versions
        }
    }

    private func dropSchema() async throws {
        try await execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    /// Quiet below warnings: a pool shut down mid-test logs the connections it was still opening.
    static let logger: Logger = {
        var logger = Logger(label: "voltpass.storage-tests")
        logger.logLevel = .warning
        return logger
    }()

    private func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let configuration = try PostgresURL(url).connectionConfiguration(startupParameters: [("search_path", schema)])
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Self.logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// Expects `body` to throw a `StorageError` with `code`.
func expectStorageError(
    _ code: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Any
) async {
    let error = await #expect(throws: StorageError.self, sourceLocation: sourceLocation) { _ = try await body() }
    #expect(error?.code == code, "got \(error.map { String(describing: $0) } ?? "no StorageError")", sourceLocation: sourceLocation)
}
