import GRDB
import PostgresNIO

/// The operators a data directory (or shared database) serves: the did:web DIDs that `voltpass serve`
/// bootstrapped there, each with a DID document and a current key whose secret this instance holds.
public enum LocalOperators {
    /// The local operators' DIDs in `store`, sorted; empty before the first `serve`.
    public static func dids(in store: any VoltpassStore) async throws -> [String] {
        switch store {
        case let sqlite as SQLiteStore:
            return try await SQLiteErrors.mappedAsync {
                try await sqlite.pool.read { db in try String.fetchAll(db, sql: query) }
            }
        case let postgres as PostgresStore:
            return try await postgres.fetch(PostgresQuery(unsafeSQL: query)) { try $0.decode(String.self) }
        default:
            throw StorageError.failed("no operator lookup for a \(type(of: store))")
        }
    }

    private static let query = """
        SELECT DISTINCT k.controller FROM keys k JOIN did_documents d ON d.did = k.controller
        WHERE k.valid_until IS NULL AND k.secret_location IS NOT NULL AND k.controller LIKE 'did:web:%'
        ORDER BY k.controller
        """
}
