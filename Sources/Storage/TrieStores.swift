import Trie

/// Finds the trie store that shares a database with a ``VoltpassStore``.
public enum TrieStores {
    /// The tries in the same database as `store` (its SQLite file, or its PostgreSQL database and
    /// schema), over `store`'s connection pool.
    public static func beside(_ store: any VoltpassStore) throws -> any OperatorTrieStore {
        switch store {
        case let sqlite as SQLiteStore:
            return SQLiteTrieStore(beside: sqlite)
        case let postgres as PostgresStore:
            return PostgresTrieStore(beside: postgres)
        default:
            throw StorageError.failed("no trie store for a \(type(of: store))")
        }
    }

    /// The tries beside `store`; the URL is no longer needed (they share `store`'s pool).
    @available(*, deprecated, message: "use beside(_:): the tries share the store's connection pool")
    public static func beside(_ store: any VoltpassStore, postgresURL: String?) throws -> any OperatorTrieStore {
        try beside(store)
    }
}
