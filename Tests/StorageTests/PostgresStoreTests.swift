import Foundation
import Testing

@testable import Storage

@Suite("PostgreSQL store without a server")
struct PostgresConfigurationTests {
    @Test("URLs are parsed like libpq's")
    func parsesURLs() throws {
        let full = try PostgresURL("postgresql://vp%40user:p%3Ass@[::1]:6543/voltpass_test?sslmode=verify-full")
        #expect(full.host == "::1")
        #expect(full.port == 6543)
        #expect(full.username == "vp@user")
        #expect(full.password == "p:ss")
        #expect(full.database == "voltpass_test")
        #expect(full.sslMode == .verifyFull)

        let minimal = try PostgresURL("postgres://voltpass@db.example")
        #expect(minimal.port == 5432)
        #expect(minimal.password == nil)
        #expect(minimal.database == nil)
        #expect(minimal.sslMode == .prefer)
    }

    @Test(
        "unusable URLs are invalid_database_url and never echo the password",
        arguments: [
            "", "not a url", "mysql://u:secret@h/d", "postgres:///d", "postgres://h/d", "postgres://u:secret@h:70000/d",
            "postgres://u:secret@h/d/extra", "postgres://u:secret@h/d?sslmode=always", "postgres://u:secret@h/d?timeout=3",
        ])
    func rejectsURLs(_ url: String) {
        let error = #expect(throws: StorageError.self) { try PostgresStore(url: url) }
        #expect(error?.code == "invalid_database_url")
        #expect(error?.message.contains("secret") == false)
    }

    @Test("schema names must be plain identifiers", arguments: ["", "Public", "1abc", "a-b", "x\"; DROP TABLE keys; --", String(repeating: "a", count: 64)])
    func rejectsSchemaNames(_ schema: String) {
        let error = #expect(throws: StorageError.self) { try PostgresStore(url: "postgres://u@127.0.0.1/d", schema: schema) }
        #expect(error?.code == "invalid_schema_name")
    }

    @Test("an unreachable server is storage_unavailable at once")
    func unreachable() async throws {
        // Port 1 on loopback: nothing listens there, so the connection is refused immediately.
        await expectStorageError("storage_unavailable") {
            try await PostgresStore.withStore(url: "postgres://voltpass:voltpass@127.0.0.1:1/voltpass_test?sslmode=disable") { _ in }
        }
    }
}

@Suite("PostgreSQL store", .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct PostgresStoreTests {
    @Test("a wrong password is storage_unavailable")
    func wrongPassword() async throws {
        let serverURL = try #require(PostgresTestDatabase.url, "CI=true but VOLTPASS_POSTGRES_URL is not set")
        var components = try #require(URLComponents(string: serverURL))
        components.password = "not-the-password"
        let url = try #require(components.string)
        let error = await #expect(throws: StorageError.self) { try await PostgresStore.withStore(url: url) { _ in } }
        #expect(error?.code == "storage_unavailable")
        #expect(error?.message.contains("not-the-password") == false)
    }

    @Test("a store can be migrated and run separately, as under swift-service-lifecycle")
    func separateLifecycle() async throws {
        try await PostgresTestDatabase.withFresh { database async throws in
            // Errors only: the query below may ask the pool for a connection before run() has started it.
            var logger = PostgresTestDatabase.logger
            logger.logLevel = .error
            let store = try PostgresStore(url: database.url, schema: database.schema, logger: logger)
            try await store.migrate()
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await store.run() }
                #expect(try await store.schemaVersion() >= 1)
                await expectStorageError("storage_failed") { try await store.run() }
                group.cancelAll()
            }
        }
    }
}
