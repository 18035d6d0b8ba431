import PostgresNIO

extension PostgresStore {
    /// Drops this store's own schema with everything in it: for benchmarks and tools that created a
    /// scratch schema. Needs `run()` to be running; refused (`invalid_value`) for a store that uses
    /// the role's default search path.
    public func dropSchema() async throws {
        guard let schema else { throw StorageError.invalidValue("this store has no schema of its own to drop") }
        do {
            try await pool.withConnection { try await run(PostgresQuery(unsafeSQL: "DROP SCHEMA \"\(schema)\" CASCADE"), on: $0) }
        } catch {
            throw PostgresErrors.storageError(error)
        }
    }
}
