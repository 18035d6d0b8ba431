import Foundation
import GRDB
import Storage
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("the database runs in WAL mode with foreign keys on")
    func walMode() async throws {
        try await SQLiteTestDatabase.withFresh { database async throws in
            let store = try await SQLiteStore(path: database.path)
            #expect(try await store.schemaVersion() >= 1)
            let journalMode = try await DatabaseQueue(path: database.path).read {
                try String.fetchOne($0, sql: "PRAGMA journal_mode")
            }
            #expect(journalMode == "wal")
        }
    }

    @Test("a file that is not a database is storage_corrupt and left untouched")
    func notADatabase() async throws {
        try await SQLiteTestDatabase.withFresh { database async throws in
            let garbage = Data(repeating: 0x5A, count: 4096)
            try garbage.write(to: URL(fileURLWithPath: database.path))
            await expectStorageError("storage_corrupt") { try await SQLiteStore(path: database.path) }
            #expect(try Data(contentsOf: URL(fileURLWithPath: database.path)) == garbage)
        }
    }

    @Test("a missing directory is storage_unavailable")
    func missingDirectory() async throws {
        try await SQLiteTestDatabase.withFresh { database async throws in
            let path = database.directory.appendingPathComponent("missing/voltpass.sqlite").path
            await expectStorageError("storage_unavailable") { try await SQLiteStore(path: path) }
        }
    }

    @Test("credential types that are not a JSON array are storage_corrupt")
    func malformedTypes() async throws {
        try await SQLiteTestDatabase.withFresh { database async throws in
            try await database.withStore { _ in }
            try await database.execute(
                """
                INSERT INTO credentials (id, issuer, types, subject, issued_at, document)
                VALUES ('urn:bad', 'did:web:a.example', '{"not":"an array"}', NULL, 0, x'7B7D')
                """)
            try await database.withStore { store async throws in
                await expectStorageError("storage_corrupt") { try await store.credential(id: "urn:bad") }
                await expectStorageError("storage_corrupt") { try await store.credentials(issuer: "did:web:a.example", limit: 1) }
            }
        }
    }

    @Test("the configuration picks SQLite in the data directory, creating it, unless a PostgreSQL URL is given")
    func configuration() async throws {
        try await SQLiteTestDatabase.withFresh { database async throws in
            let dataDirectory = database.directory.appendingPathComponent("data/nested")
            let configuration = StoreConfiguration(dataDirectory: dataDirectory)
            let file = dataDirectory.appendingPathComponent("voltpass.sqlite").path
            #expect(configuration == .sqlite(path: file))
            #expect(
                StoreConfiguration(dataDirectory: dataDirectory, postgresURL: "postgres://u@h/d")
                    == .postgres(url: "postgres://u@h/d"))

            let version = try await configuration.withStore { try await $0.schemaVersion() }
            #expect(version >= 1)
            #expect(FileManager.default.fileExists(atPath: file))
        }
    }
}
