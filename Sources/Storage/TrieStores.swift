import Trie

/// Finds the trie store that shares a database with a ``VoltpassStore``.
public enum TrieStores {
    /// The tries in the same database as `store`: its SQLite file, or its PostgreSQL database and
    /// schema, reached at `postgresURL` (the URL the store was opened with). The database must be
    /// migrated, as opening `store` does.
    public static func beside(_ store: any VoltpassStore, postgresURL: String?) throws -> any OperatorTrieStore {
        switch store {
        case let sqlite as SQLiteStore:
            return try SQLiteTrieStore(path: sqlite.path)
        case let postgres as PostgresStore:
            guard let postgresURL else {
                throw StorageError.invalidDatabaseURL("the trie store beside a PostgreSQL store needs its URL")
            }
            return try PostgresTrieStore(url: postgresURL, schema: postgres.schema)
        default:
            throw StorageError.failed("no trie store for a \(type(of: store))")
        }
    }
}
