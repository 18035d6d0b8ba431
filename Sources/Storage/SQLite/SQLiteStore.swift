import Credentials
import Foundation
import GRDB
import Identity
import Ledger
import Trie

/// The embedded store: one SQLite file in WAL mode, read concurrently and written by one writer at a
/// time. Several processes may open the same file; a writer waits up to 30 s for another's lock.
/// The stores beside it (tries, status lists) work over its connection pool: one pool per database.
public final class SQLiteStore: VoltpassStore {
    /// The database file.
    public let path: String
    /// The connection pool every store on this database shares.
    let pool: SQLitePool
    /// Checkpoints the WAL after trie commits, for every store on this database.
    let checkpointer: WALCheckpointer

    /// Opens (creating if needed) the database at `path` and applies any pending migrations.
    /// The file's directory must exist.
    public init(path: String) async throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Trie batches touch nodes all over their table: a 64 MiB page cache per connection
            // (instead of 8 MiB) keeps the upper levels of its B-tree in memory, and reads map the
            // file instead of copying it. Trie batches checkpoint the WAL themselves, off their
            // commit path (``WALCheckpointer``); the automatic checkpoint inside a commit is kept
            // for a WAL beyond ~200 MB only.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 50000")
        }
        do {
            pool = SQLitePool(try DatabasePool(path: path, configuration: configuration), readers: configuration.maximumReaderCount)
            checkpointer = WALCheckpointer(pool: pool)
        } catch {
            throw SQLiteErrors.storageError(error)
        }
        self.path = path
        while try await write({ try Self.applyNextMigration($0) }) {}
    }

    /// Applies the first pending migration; false when there is none. Runs inside one write
    /// transaction, so a concurrent opener waits and then sees the migration as applied.
    private static func applyNextMigration(_ db: Database) throws -> Bool {
        try db.execute(sql: SQLiteSchema.migrationsTable)
        let current = try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ?? 0
        guard let migration = try SQLiteSchema.migrations.next(after: current) else { return false }
        for statement in migration.statements {
            try db.execute(sql: statement)
        }
        try db.execute(
            sql: """
                INSERT INTO schema_migrations (version, name, applied_at)
                VALUES (?, ?, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))
                """,
            arguments: [migration.version, migration.name])
        return true
    }

    public var operatorTries: any OperatorTrieStore { SQLiteTrieStore(beside: self) }

    public var statusLists: any StatusListRepository { SQLiteStatusListStore(beside: self) }

    /// Nil: an SQLite deployment keeps its ledger in the data directory's file.
    public var sharedLedgerRecords: (any LedgerRecordStore)? { nil }

    public var poolUse: DatabasePoolUse { pool.counter.use }

    public func localOperatorDIDs() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: Self.localOperatorsQuery) }
    }

    public func schemaVersion() async throws -> Int {
        try await read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ?? 0
        }
    }

    // MARK: Keys

    public func saveKey(_ record: KeyRecord) async throws {
        let arguments: StatementArguments = [
            record.id, record.controller, record.algorithm.rawValue, record.publicKeyMultibase,
            try StoredValues.microseconds(record.validFrom, field: "validFrom"),
            try StoredValues.optionalMicroseconds(record.validUntil, field: "validUntil"),
            record.secretLocation,
        ]
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO keys (id, controller, algorithm, public_key_multibase, valid_from, valid_until, secret_location)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        controller = excluded.controller, algorithm = excluded.algorithm,
                        public_key_multibase = excluded.public_key_multibase, valid_from = excluded.valid_from,
                        valid_until = excluded.valid_until, secret_location = excluded.secret_location
                    """,
                arguments: arguments)
        }
    }

    public func key(id: String) async throws -> KeyRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "\(Self.keyColumns) WHERE id = ?"), arguments: [id]).map(Self.keyRecord)
        }
    }

    public func keys(controller: String) async throws -> [KeyRecord] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "\(Self.keyColumns) WHERE controller = ? ORDER BY valid_from, id"), arguments: [controller]
            ).map(Self.keyRecord)
        }
    }

    private static let keyColumns = """
        SELECT id, controller, algorithm, public_key_multibase, valid_from, valid_until, secret_location FROM keys
        """

    private static func keyRecord(_ row: Row) throws -> KeyRecord {
        let id: String = try row.decode(atIndex: 0)
        return KeyRecord(
            id: id, controller: try row.decode(atIndex: 1),
            algorithm: try StoredValues.algorithm(try row.decode(atIndex: 2), key: id),
            publicKeyMultibase: try row.decode(atIndex: 3),
            validFrom: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 4)),
            validUntil: StoredValues.optionalDate(microseconds: try row.decode(Int64?.self, atIndex: 5)),
            secretLocation: try row.decode(atIndex: 6))
    }

    // MARK: DID documents

    public func saveDocument(_ record: DIDDocumentRecord) async throws {
        let arguments: StatementArguments = [
            record.did, Data(record.document), try StoredValues.microseconds(record.updatedAt, field: "updatedAt"),
        ]
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO did_documents (did, document, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (did) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
                    """,
                arguments: arguments)
        }
    }

    public func document(did: String) async throws -> DIDDocumentRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT did, document, updated_at FROM did_documents WHERE did = ?"), arguments: [did])
                .map { row in
                    DIDDocumentRecord(
                        did: try row.decode(atIndex: 0), document: [UInt8](try row.decode(Data.self, atIndex: 1)),
                        updatedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 2)))
                }
        }
    }

    // MARK: Access tokens

    public func saveToken(_ record: AccessTokenRecord) async throws {
        let arguments: StatementArguments = [
            record.id, record.secretHash, record.role.rawValue, record.label,
            try StoredValues.microseconds(record.createdAt, field: "createdAt"),
            try StoredValues.optionalMicroseconds(record.revokedAt, field: "revokedAt"),
            try StoredValues.spaceSeparated(record.operators, field: "operators"),
            try StoredValues.optionalMicroseconds(record.expiresAt, field: "expiresAt"),
        ]
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO access_tokens (id, secret_hash, role, label, created_at, revoked_at, operators, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET
                            secret_hash = excluded.secret_hash, role = excluded.role, label = excluded.label,
                            created_at = excluded.created_at, revoked_at = excluded.revoked_at,
                            operators = excluded.operators, expires_at = excluded.expires_at
                        """,
                    arguments: arguments)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                // The conflict on id is handled by the upsert, so this is another token's secret hash.
                throw StorageError.tokenExists(secretHash: record.secretHash)
            }
        }
    }

    public func token(secretHash: String) async throws -> AccessTokenRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "\(Self.tokenColumns) WHERE secret_hash = ?"), arguments: [secretHash])
                .map(Self.tokenRecord)
        }
    }

    public func tokens() async throws -> [AccessTokenRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "\(Self.tokenColumns) ORDER BY created_at, id")).map(Self.tokenRecord)
        }
    }

    private static let tokenColumns =
        "SELECT id, secret_hash, role, label, created_at, revoked_at, operators, expires_at FROM access_tokens"

    private static func tokenRecord(_ row: Row) throws -> AccessTokenRecord {
        let id: String = try row.decode(atIndex: 0)
        return AccessTokenRecord(
            id: id, secretHash: try row.decode(atIndex: 1),
            role: try StoredValues.role(try row.decode(atIndex: 2), token: id),
            label: try row.decode(atIndex: 3),
            operators: StoredValues.spaceSeparated(try row.decode(String.self, atIndex: 6)),
            createdAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 4)),
            expiresAt: StoredValues.optionalDate(microseconds: try row.decode(Int64?.self, atIndex: 7)),
            revokedAt: StoredValues.optionalDate(microseconds: try row.decode(Int64?.self, atIndex: 5)))
    }

    // MARK: Credentials

    public func saveCredential(_ credential: StoredCredential) async throws {
        let types = String(decoding: try JSONEncoder().encode(credential.types), as: UTF8.self)
        let arguments: StatementArguments = [
            credential.id, credential.issuer, types, credential.subject,
            try StoredValues.microseconds(credential.issuedAt, field: "issuedAt"), Data(credential.document),
        ]
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO credentials (id, issuer, types, subject, issued_at, document) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """,
                arguments: arguments)
            if db.changesCount == 0 {
                throw StorageError.credentialExists(id: credential.id)
            }
        }
    }

    public func credential(id: String) async throws -> StoredCredential? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "\(Self.credentialColumns) WHERE id = ?"), arguments: [id]).map(Self.credential)
        }
    }

    public func credentials(issuer: String, limit: Int) async throws -> [StoredCredential] {
        try StoredValues.checkLimit(limit)
        return try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "\(Self.credentialColumns) WHERE issuer = ? ORDER BY issued_at DESC, id DESC LIMIT ?"),
                arguments: [issuer, limit]
            ).map(Self.credential)
        }
    }

    public func credentials(subject: String, limit: Int) async throws -> [StoredCredential] {
        try StoredValues.checkLimit(limit)
        return try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "\(Self.credentialColumns) WHERE subject = ? ORDER BY issued_at DESC, id DESC LIMIT ?"),
                arguments: [subject, limit]
            ).map(Self.credential)
        }
    }

    public func newestCredential(subject: String, type: String, issuer: String?) async throws -> StoredCredential? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        \(Self.credentialColumns) WHERE subject = ? AND EXISTS (SELECT 1 FROM json_each(types) WHERE value = ?)
                        AND (?3 IS NULL OR issuer = ?3) ORDER BY issued_at DESC, id DESC LIMIT 1
                        """),
                arguments: [subject, type, issuer]
            ).map(Self.credential)
        }
    }

    private static let credentialColumns = "SELECT id, issuer, types, subject, issued_at, document FROM credentials"

    private static func credential(_ row: Row) throws -> StoredCredential {
        let id: String = try row.decode(atIndex: 0)
        let typesJSON: String = try row.decode(atIndex: 2)
        guard let types = try? JSONDecoder().decode([String].self, from: Data(typesJSON.utf8)) else {
            throw StorageError.corrupt("credential '\(id)' has types that are not a JSON array of strings")
        }
        return StoredCredential(
            id: id, issuer: try row.decode(atIndex: 1), types: types, subject: try row.decode(atIndex: 3),
            issuedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 4)),
            document: [UInt8](try row.decode(Data.self, atIndex: 5)))
    }

    // MARK: Access and errors

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw SQLiteErrors.storageError(error)
        }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw SQLiteErrors.storageError(error)
        }
    }
}
