import Credentials
import Foundation
import Identity
import Logging
import PostgresNIO
import Trie

/// The shared store: a PostgreSQL database that several Voltpass instances use at once.
///
/// Its connection pool works only while `run()` runs. Either let `withStore` do everything, or, under
/// swift-service-lifecycle, call `migrate()` at startup and run `run()` as a service (it returns on
/// cancellation and on graceful shutdown):
///
/// ```swift
/// let store = try PostgresStore(url: url)
/// try await store.migrate()
/// // ServiceGroup(services: [storeService, app]), where storeService.run() calls store.run()
/// ```
public final class PostgresStore: VoltpassStore {
    /// The schema the store uses instead of the role's default search path, if one was given.
    public let schema: String?
    private let url: PostgresURL
    private let client: PostgresClient
    /// The client's pool, for every query of this store and the stores beside it.
    let pool: PostgresPool
    let logger: Logger
    /// Whether trie nodes from before positions were stored are left, shared by every trie write.
    let legacyTrieNodes = LegacyTrieNodes()
    private let runState = RunState()

    /// Prepares a store for the database at `url` (`postgres://user:password@host:port/database`, optional
    /// `?sslmode=`). Connects to nothing yet. When `schema` is set, every connection uses it as its
    /// search path and `migrate()` creates it.
    public init(url: String, schema: String? = nil, logger: Logger = Logger(label: "voltpass.storage")) throws {
        if let schema, !Self.isPlainIdentifier(schema) {
            throw StorageError.invalidSchemaName(schema)
        }
        self.url = try PostgresURL(url)
        self.schema = schema
        self.logger = logger
        let configuration = self.url.clientConfiguration(startupParameters: Self.startupParameters(schema: schema))
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        pool = PostgresPool(client: client, maximumConnections: configuration.options.maximumConnections)
    }

    /// Opens the store at `url`, migrates it, runs `body` with it while its pool runs, and shuts the pool
    /// down when `body` returns or throws.
    public static func withStore<Result: Sendable>(
        url: String, schema: String? = nil, logger: Logger = Logger(label: "voltpass.storage"),
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = try PostgresStore(url: url, schema: schema, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            // Started first, so the pool is normally up by the time migrating on its own connection is done.
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    /// Runs the connection pool until the task is cancelled or a graceful shutdown is signalled. Queries
    /// wait until it runs. A store runs once: a second call fails with `storage_failed`.
    public func run() async throws {
        guard await runState.start() else {
            throw StorageError.failed("this PostgresStore is already running or has run; create a new one")
        }
        await client.run()
    }

    /// Whether `name` can be used unquoted: lowercase letters, digits and `_`, not starting with a digit.
    private static func isPlainIdentifier(_ name: String) -> Bool {
        let letters: ClosedRange<Unicode.Scalar> = "a"..."z"
        let digits: ClosedRange<Unicode.Scalar> = "0"..."9"
        guard let first = name.unicodeScalars.first, name.utf8.count <= 63 else { return false }
        return (letters.contains(first) || first == "_")
            && name.unicodeScalars.allSatisfy { letters.contains($0) || digits.contains($0) || $0 == "_" }
    }

    private static func startupParameters(schema: String?) -> [(String, String)] {
        schema.map { [("search_path", $0)] } ?? []
    }

    // MARK: Migrations

    /// Arbitrary, fixed key of the advisory lock that serializes migrations across instances.
    private static let migrationLock: Int64 = 0x766F_6C74_7061_7373  // "voltpass"

    /// Applies pending migrations over a connection of its own (so `run()` need not be running), failing
    /// at once with `storage_unavailable` when the server cannot be reached. Instances migrating the same
    /// database at once wait for each other; each migration is applied once.
    public func migrate() async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: url.connectionConfiguration(startupParameters: Self.startupParameters(schema: schema)),
                id: 0, logger: logger)
        } catch {
            throw PostgresErrors.storageError(error)
        }
        do {
            while try await transaction(on: connection, applyNextMigration) {}
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// Applies the first pending migration inside the caller's transaction; false when there is none.
    private func applyNextMigration(_ connection: PostgresConnection) async throws -> Bool {
        try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
        if let schema {
            try await connection.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
        }
        try await connection.execute(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: logger)
        let current = try await Self.schemaVersion(
            try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger))
        guard let migration = try PostgresSchema.migrations.next(after: current) else { return false }
        for statement in migration.statements {
            try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        try await connection.execute(
            """
            INSERT INTO schema_migrations (version, name, applied_at)
            VALUES (\(migration.version), \(migration.name), (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT)
            """,
            logger: logger)
        return true
    }

    public var operatorTries: any OperatorTrieStore { PostgresTrieStore(beside: self) }

    public var statusLists: any StatusListRepository { PostgresStatusListStore(beside: self) }

    public var poolUse: DatabasePoolUse { pool.counter.use }

    public func localOperatorDIDs() async throws -> [String] {
        try await fetch(PostgresQuery(unsafeSQL: Self.localOperatorsQuery)) { try $0.decode(String.self) }
    }

    public func schemaVersion() async throws -> Int {
        try await perform {
            try await self.pool.withConnection { connection in
                try await Self.schemaVersion(
                    try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: self.logger))
            }
        }
    }

    private static func schemaVersion(_ rows: PostgresRowSequence) async throws -> Int {
        var version = 0
        for try await row in rows {
            version = Int(try row.decode(Int64.self))
        }
        return version
    }

    // MARK: Keys

    public func saveKey(_ record: KeyRecord) async throws {
        let validFrom = try StoredValues.microseconds(record.validFrom, field: "validFrom")
        let validUntil = try StoredValues.optionalMicroseconds(record.validUntil, field: "validUntil")
        try await execute(
            """
            INSERT INTO keys (id, controller, algorithm, public_key_multibase, valid_from, valid_until, secret_location)
            VALUES (\(record.id), \(record.controller), \(record.algorithm.rawValue), \(record.publicKeyMultibase),
                    \(validFrom), \(validUntil), \(record.secretLocation))
            ON CONFLICT (id) DO UPDATE SET
                controller = excluded.controller, algorithm = excluded.algorithm,
                public_key_multibase = excluded.public_key_multibase, valid_from = excluded.valid_from,
                valid_until = excluded.valid_until, secret_location = excluded.secret_location
            """)
    }

    public func key(id: String) async throws -> KeyRecord? {
        try await fetch("\(unescaped: Self.keyColumns) WHERE id = \(id)", Self.keyRecord).first
    }

    public func keys(controller: String) async throws -> [KeyRecord] {
        try await fetch(
            "\(unescaped: Self.keyColumns) WHERE controller = \(controller) ORDER BY valid_from, id", Self.keyRecord)
    }

    private static let keyColumns = """
        SELECT id, controller, algorithm, public_key_multibase, valid_from, valid_until, secret_location FROM keys
        """

    private static func keyRecord(_ row: PostgresRow) throws -> KeyRecord {
        let (id, controller, algorithm, publicKey, validFrom, validUntil, secretLocation) = try row.decode(
            (String, String, String, String, Int64, Int64?, String?).self)
        return KeyRecord(
            id: id, controller: controller, algorithm: try StoredValues.algorithm(algorithm, key: id),
            publicKeyMultibase: publicKey, validFrom: StoredValues.date(microseconds: validFrom),
            validUntil: StoredValues.optionalDate(microseconds: validUntil), secretLocation: secretLocation)
    }

    // MARK: DID documents

    public func saveDocument(_ record: DIDDocumentRecord) async throws {
        let updatedAt = try StoredValues.microseconds(record.updatedAt, field: "updatedAt")
        try await execute(
            """
            INSERT INTO did_documents (did, document, updated_at)
            VALUES (\(record.did), \(ByteBuffer(bytes: record.document)), \(updatedAt))
            ON CONFLICT (did) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at
            """)
    }

    public func document(did: String) async throws -> DIDDocumentRecord? {
        try await fetch("SELECT did, document, updated_at FROM did_documents WHERE did = \(did)") { row in
            let (did, document, updatedAt) = try row.decode((String, ByteBuffer, Int64).self)
            return DIDDocumentRecord(
                did: did, document: Array(document.readableBytesView),
                updatedAt: StoredValues.date(microseconds: updatedAt))
        }.first
    }

    // MARK: Access tokens

    public func saveToken(_ record: AccessTokenRecord) async throws {
        let createdAt = try StoredValues.microseconds(record.createdAt, field: "createdAt")
        let revokedAt = try StoredValues.optionalMicroseconds(record.revokedAt, field: "revokedAt")
        let expiresAt = try StoredValues.optionalMicroseconds(record.expiresAt, field: "expiresAt")
        let operators = try StoredValues.spaceSeparated(record.operators, field: "operators")
        let query: PostgresQuery = """
            INSERT INTO access_tokens (id, secret_hash, role, label, created_at, revoked_at, operators, expires_at)
            VALUES (\(record.id), \(record.secretHash), \(record.role.rawValue), \(record.label), \(createdAt), \(revokedAt),
                    \(operators), \(expiresAt))
            ON CONFLICT (id) DO UPDATE SET
                secret_hash = excluded.secret_hash, role = excluded.role, label = excluded.label,
                created_at = excluded.created_at, revoked_at = excluded.revoked_at,
                operators = excluded.operators, expires_at = excluded.expires_at
            """
        try await perform {
            do {
                try await self.pool.withConnection { try await self.run(query, on: $0) }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                // The conflict on id is handled by the upsert, so this is another token's secret hash.
                throw StorageError.tokenExists(secretHash: record.secretHash)
            }
        }
    }

    public func token(secretHash: String) async throws -> AccessTokenRecord? {
        try await fetch("\(unescaped: Self.tokenColumns) WHERE secret_hash = \(secretHash)", Self.tokenRecord).first
    }

    public func tokens() async throws -> [AccessTokenRecord] {
        try await fetch("\(unescaped: Self.tokenColumns) ORDER BY created_at, id", Self.tokenRecord)
    }

    private static let tokenColumns =
        "SELECT id, secret_hash, role, label, created_at, revoked_at, operators, expires_at FROM access_tokens"

    private static func tokenRecord(_ row: PostgresRow) throws -> AccessTokenRecord {
        let (id, secretHash, role, label, createdAt, revokedAt, operators, expiresAt) = try row.decode(
            (String, String, String, String, Int64, Int64?, String, Int64?).self)
        return AccessTokenRecord(
            id: id, secretHash: secretHash, role: try StoredValues.role(role, token: id), label: label,
            operators: StoredValues.spaceSeparated(operators), createdAt: StoredValues.date(microseconds: createdAt),
            expiresAt: StoredValues.optionalDate(microseconds: expiresAt), revokedAt: StoredValues.optionalDate(microseconds: revokedAt))
    }

    // MARK: Credentials

    public func saveCredential(_ credential: StoredCredential) async throws {
        let issuedAt = try StoredValues.microseconds(credential.issuedAt, field: "issuedAt")
        let inserted = try await fetch(
            """
            INSERT INTO credentials (id, issuer, types, subject, issued_at, document)
            VALUES (\(credential.id), \(credential.issuer), \(credential.types), \(credential.subject), \(issuedAt),
                    \(ByteBuffer(bytes: credential.document)))
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """
        ) { try $0.decode(String.self) }
        if inserted.isEmpty {
            throw StorageError.credentialExists(id: credential.id)
        }
    }

    public func credential(id: String) async throws -> StoredCredential? {
        try await fetch("\(unescaped: Self.credentialColumns) WHERE id = \(id)", Self.credential).first
    }

    public func credentials(issuer: String, limit: Int) async throws -> [StoredCredential] {
        try StoredValues.checkLimit(limit)
        return try await fetch(
            "\(unescaped: Self.credentialColumns) WHERE issuer = \(issuer) ORDER BY issued_at DESC, id DESC LIMIT \(limit)",
            Self.credential)
    }

    public func credentials(subject: String, limit: Int) async throws -> [StoredCredential] {
        try StoredValues.checkLimit(limit)
        return try await fetch(
            "\(unescaped: Self.credentialColumns) WHERE subject = \(subject) ORDER BY issued_at DESC, id DESC LIMIT \(limit)",
            Self.credential)
    }

    public func newestCredential(subject: String, type: String, issuer: String?) async throws -> StoredCredential? {
        try await fetch(
            """
            \(unescaped: Self.credentialColumns) WHERE subject = \(subject) AND \(type) = ANY(types)
              AND (\(issuer)::text IS NULL OR issuer = \(issuer)) ORDER BY issued_at DESC, id DESC LIMIT 1
            """, Self.credential
        ).first
    }

    private static let credentialColumns = "SELECT id, issuer, types, subject, issued_at, document FROM credentials"

    private static func credential(_ row: PostgresRow) throws -> StoredCredential {
        let (id, issuer, types, subject, issuedAt, document) = try row.decode(
            (String, String, [String], String?, Int64, ByteBuffer).self)
        return StoredCredential(
            id: id, issuer: issuer, types: types, subject: subject, issuedAt: StoredValues.date(microseconds: issuedAt),
            document: Array(document.readableBytesView))
    }

    // MARK: Access and errors

    func execute(_ query: PostgresQuery) async throws {
        try await perform { try await self.pool.withConnection { try await self.run(query, on: $0) } }
    }

    func fetch<T: Sendable>(_ query: PostgresQuery, _ decode: (PostgresRow) throws -> T) async throws -> [T] {
        try await perform { try await self.pool.rows(query, logger: self.logger, decode) }
    }

    /// Runs a statement prepared once per pooled connection and collects its rows.
    func prepared<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] where Statement.Row: Sendable {
        try await perform {
            try await pool.withConnection { connection in
                var rows: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
                return rows
            }
        }
    }

    private func perform<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw PostgresErrors.storageError(error)
        }
    }

    /// Runs `body` in a transaction on a connection from the pool, rolling back when it throws.
    func withTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await perform { try await pool.withConnection { try await transaction(on: $0, body) } }
    }

    /// Runs `query` on `connection` (in the caller's transaction) and decodes its rows.
    func fetch<T>(
        _ query: PostgresQuery, on connection: PostgresConnection, _ decode: (PostgresRow) throws -> T
    ) async throws -> [T] {
        var values: [T] = []
        for try await row in try await connection.query(query, logger: logger) {
            values.append(try decode(row))
        }
        return values
    }

    /// Runs `query` on `connection` (in the caller's transaction), discarding its rows.
    func run(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }

    /// Runs `body` in a transaction on `connection`, rolling back when it throws.
    func transaction<T: Sendable>(
        on connection: PostgresConnection, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            try await connection.execute("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.execute("COMMIT", logger: logger)
                return result
            } catch {
                try? await connection.execute("ROLLBACK", logger: logger)
                throw error
            }
        } catch {
            throw PostgresErrors.storageError(error)
        }
    }

}

/// Whether a store's pool has been started.
private actor RunState {
    private var started = false

    func start() -> Bool {
        defer { started = true }
        return !started
    }
}
