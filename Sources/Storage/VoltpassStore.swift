import Credentials
import EPCIS
import Foundation
import Identity
import Ledger
import Logging
import Passport
import Trie

/// Everything a Voltpass instance keeps: key history, DID documents, API tokens, issued credentials and
/// the index of captured EPCIS events, the battery passports, the operators' tries
/// and status lists, and the unit of work that writes several of them at once.
///
/// Both implementations behave the same:
/// - Dates are stored as integer microseconds since 1970-01-01T00:00:00Z, so a date reads back as the
///   saved date rounded to the nearest microsecond.
/// - `saveKey`, `saveDocument` and `saveToken` insert or replace by id (DID for documents); a token whose
///   secret hash belongs to another token is refused with `token_exists`. `saveCredential` refuses an
///   existing id with `credential_exists`.
/// - `keys(controller:)` and `tokens()` are oldest first (by `validFrom`, `createdAt`; then by id);
///   credential queries are newest first by `issuedAt`, then by id descending. A negative `limit` is
///   refused with `invalid_value`.
/// - Every failure is a `StorageError`; a stored row that cannot be decoded gives `storage_corrupt`.
public protocol VoltpassStore: PassportStore, AccessTokenRepository, ChallengeRepository, LeaseRepository, IncorporationPlanRepository,
    QuerySubscriptionRepository, EPCISMasterDataRepository
{
    /// The newest schema migration applied to the database.
    func schemaVersion() async throws -> Int
    /// The operators' tries in this database, over the store's connection pool.
    var operatorTries: any OperatorTrieStore { get }
    /// The did:web DIDs that `voltpass serve` bootstrapped in this database (each with a DID document
    /// and a current key whose secret an instance holds), sorted; empty before the first `serve`.
    func localOperatorDIDs() async throws -> [String]
    /// Where the deployment's ledger lives when instances share this database (PostgreSQL); nil when
    /// the ledger is the file in the instance's data directory (SQLite).
    var sharedLedgerRecords: (any LedgerRecordStore)? { get }
    /// How the store's database connections are used right now.
    var poolUse: DatabasePoolUse { get }
}

extension VoltpassStore {
    /// The query behind ``localOperatorDIDs()``, the same on both backends.
    static var localOperatorsQuery: String {
        """
        SELECT DISTINCT k.controller FROM keys k JOIN did_documents d ON d.did = k.controller
        WHERE k.valid_until IS NULL AND k.secret_location IS NOT NULL AND k.controller LIKE 'did:web:%'
        ORDER BY k.controller
        """
    }
}

/// Where a Voltpass instance keeps its state.
public enum StoreConfiguration: Sendable, Equatable {
    /// The embedded SQLite database at this file path.
    case sqlite(path: String)
    /// A PostgreSQL database, shared by several instances. `schema`, when set, is used (and created)
    /// instead of the connecting role's default search path.
    case postgres(url: String, schema: String? = nil)

    /// The name of the SQLite file in the data directory.
    public static let sqliteFileName = "voltpass.sqlite"

    /// PostgreSQL when `postgresURL` is set, otherwise `voltpass.sqlite` in `dataDirectory`.
    public init(dataDirectory: URL, postgresURL: String? = nil) {
        if let postgresURL {
            self = .postgres(url: postgresURL)
        } else {
            self = .sqlite(path: dataDirectory.appendingPathComponent(Self.sqliteFileName).path)
        }
    }

    /// Opens the store, migrating its schema, runs `body` with it, and closes it when `body` returns or
    /// throws. For SQLite the file's directory is created when missing.
    public func withStore<Result: Sendable>(
        logger: Logger = Logger(label: "voltpass.storage"),
        _ body: (any VoltpassStore) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw StorageError.unavailable("cannot create the data directory \(directory.path): \(error.localizedDescription)")
            }
            return try await body(SQLiteStore(path: path))
        case .postgres(let url, let schema):
            return try await PostgresStore.withStore(url: url, schema: schema, logger: logger) { try await body($0) }
        }
    }
}
