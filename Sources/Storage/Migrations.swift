/// One step of a backend's schema. Each is applied once, in its own transaction, in version order,
/// and recorded in `schema_migrations(version, name, applied_at)`.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}

extension [Migration] {
    /// The newest version these migrations lead to.
    var latestVersion: Int { last?.version ?? 0 }

    /// The migration to apply to a database whose newest applied version is `current`; nil when it is
    /// up to date. A database ahead of this code is refused rather than used half-understood.
    func next(after current: Int) throws -> Migration? {
        guard current <= latestVersion else {
            throw StorageError.schemaTooNew(found: current, known: latestVersion)
        }
        return first { $0.version > current }
    }
}

/// The SQLite schema. Dates are INTEGER microseconds since the Unix epoch; credential types are a JSON
/// array of strings.
enum SQLiteSchema {
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT
        """

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "keys, DID documents, access tokens, credentials",
            statements: [
                """
                CREATE TABLE keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    controller TEXT NOT NULL,
                    algorithm TEXT NOT NULL,
                    public_key_multibase TEXT NOT NULL,
                    valid_from INTEGER NOT NULL,
                    valid_until INTEGER,
                    secret_location TEXT
                ) STRICT
                """,
                "CREATE INDEX keys_by_controller ON keys (controller, valid_from, id)",
                """
                CREATE TABLE did_documents (
                    did TEXT PRIMARY KEY NOT NULL,
                    document BLOB NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT
                """,
                """
                CREATE TABLE access_tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    secret_hash TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    label TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                ) STRICT
                """,
                """
                CREATE TABLE credentials (
                    id TEXT PRIMARY KEY NOT NULL,
                    issuer TEXT NOT NULL,
                    types TEXT NOT NULL,
                    subject TEXT,
                    issued_at INTEGER NOT NULL,
                    document BLOB NOT NULL
                ) STRICT
                """,
                "CREATE INDEX credentials_by_issuer ON credentials (issuer, issued_at, id)",
                "CREATE INDEX credentials_by_subject ON credentials (subject, issued_at, id)",
            ]),
        Migration(
            version: 2, name: "trie nodes and root history, one trie per operator",
            statements: [
                """
                CREATE TABLE tries (
                    id INTEGER PRIMARY KEY,
                    operator TEXT NOT NULL UNIQUE
                ) STRICT
                """,
                """
                CREATE TABLE trie_nodes (
                    trie INTEGER NOT NULL REFERENCES tries (id),
                    hash BLOB NOT NULL,
                    node BLOB NOT NULL,
                    PRIMARY KEY (trie, hash)
                ) STRICT, WITHOUT ROWID
                """,
                """
                CREATE TABLE trie_commits (
                    trie INTEGER NOT NULL REFERENCES tries (id),
                    sequence INTEGER NOT NULL,
                    root BLOB NOT NULL,
                    committed_at INTEGER NOT NULL,
                    changes INTEGER NOT NULL,
                    key_count INTEGER NOT NULL,
                    PRIMARY KEY (trie, sequence)
                ) STRICT
                """,
            ]),
        Migration(
            version: 3, name: "bitstring status lists",
            statements: [
                """
                CREATE TABLE status_lists (
                    id TEXT PRIMARY KEY NOT NULL,
                    issuer TEXT NOT NULL,
                    purpose TEXT NOT NULL,
                    entry_count INTEGER NOT NULL,
                    allocation_key BLOB,
                    allocated INTEGER NOT NULL CHECK (allocated >= 0 AND allocated <= entry_count),
                    bits BLOB NOT NULL,
                    revision INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT
                """
            ]),
        Migration(version: 4, name: EPCISSchema.name, statements: EPCISSchema.sqlite),
        Migration(
            version: 5, name: "trie nodes keyed by their position in the trie",
            statements: [
                """
                CREATE TABLE trie_node_positions (
                    trie INTEGER NOT NULL REFERENCES tries (id),
                    position BLOB NOT NULL,
                    hash BLOB NOT NULL,
                    node BLOB NOT NULL,
                    PRIMARY KEY (trie, position)
                ) STRICT, WITHOUT ROWID
                """
            ]),
        Migration(version: 6, name: PassportSchema.name, statements: PassportSchema.sqlite),
        Migration(
            version: 7, name: "responses kept under idempotency keys",
            statements: [
                """
                CREATE TABLE idempotent_responses (
                    scope TEXT NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint BLOB NOT NULL,
                    status INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    body BLOB NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (scope, key)
                ) STRICT
                """
            ]),
        Migration(version: 8, name: TenancySchema.name, statements: TenancySchema.sqlite),
        Migration(version: 9, name: ChallengeSchema.name, statements: ChallengeSchema.sqlite),
        Migration(version: 10, name: CheckpointSchema.name, statements: CheckpointSchema.sqlite),
        Migration(version: 11, name: CoordinationSchema.name, statements: CoordinationSchema.sqlite),
        Migration(version: 12, name: EPCISSchema.captureJobsName, statements: EPCISSchema.captureJobsSQLite),
        Migration(version: 13, name: EPCISSchema.subscriptionsName, statements: EPCISSchema.subscriptionsSQLite),
        Migration(version: 14, name: EPCISMasterDataSchema.name, statements: EPCISMasterDataSchema.sqlite),
    ]
}

/// The PostgreSQL schema. Dates are BIGINT microseconds since the Unix epoch (as in SQLite, so both
/// backends round-trip the same values); credential types are a `text[]`.
enum PostgresSchema {
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )
        """

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "keys, DID documents, access tokens, credentials",
            statements: [
                """
                CREATE TABLE keys (
                    id TEXT PRIMARY KEY,
                    controller TEXT NOT NULL,
                    algorithm TEXT NOT NULL,
                    public_key_multibase TEXT NOT NULL,
                    valid_from BIGINT NOT NULL,
                    valid_until BIGINT,
                    secret_location TEXT
                )
                """,
                "CREATE INDEX keys_by_controller ON keys (controller, valid_from, id)",
                """
                CREATE TABLE did_documents (
                    did TEXT PRIMARY KEY,
                    document BYTEA NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE access_tokens (
                    id TEXT PRIMARY KEY,
                    secret_hash TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    label TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                """
                CREATE TABLE credentials (
                    id TEXT PRIMARY KEY,
                    issuer TEXT NOT NULL,
                    types TEXT[] NOT NULL,
                    subject TEXT,
                    issued_at BIGINT NOT NULL,
                    document BYTEA NOT NULL
                )
                """,
                "CREATE INDEX credentials_by_issuer ON credentials (issuer, issued_at, id)",
                "CREATE INDEX credentials_by_subject ON credentials (subject, issued_at, id)",
            ]),
        Migration(
            version: 2, name: "trie nodes and root history, one trie per operator",
            statements: [
                """
                CREATE TABLE tries (
                    id BIGSERIAL PRIMARY KEY,
                    operator TEXT NOT NULL UNIQUE
                )
                """,
                """
                CREATE TABLE trie_nodes (
                    trie BIGINT NOT NULL REFERENCES tries (id),
                    hash BYTEA NOT NULL,
                    node BYTEA NOT NULL,
                    PRIMARY KEY (trie, hash)
                )
                """,
                """
                CREATE TABLE trie_commits (
                    trie BIGINT NOT NULL REFERENCES tries (id),
                    sequence BIGINT NOT NULL,
                    root BYTEA NOT NULL,
                    committed_at BIGINT NOT NULL,
                    changes BIGINT NOT NULL,
                    key_count BIGINT NOT NULL,
                    PRIMARY KEY (trie, sequence)
                )
                """,
            ]),
        Migration(
            version: 3, name: "bitstring status lists",
            statements: [
                """
                CREATE TABLE status_lists (
                    id TEXT PRIMARY KEY,
                    issuer TEXT NOT NULL,
                    purpose TEXT NOT NULL,
                    entry_count BIGINT NOT NULL,
                    allocation_key BYTEA,
                    allocated BIGINT NOT NULL CHECK (allocated >= 0 AND allocated <= entry_count),
                    bits BYTEA NOT NULL,
                    revision BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ]),
        Migration(version: 4, name: EPCISSchema.name, statements: EPCISSchema.postgres),
        Migration(
            version: 5, name: "trie nodes keyed by their position in the trie",
            statements: [
                """
                CREATE TABLE trie_node_positions (
                    trie BIGINT NOT NULL REFERENCES tries (id),
                    position BYTEA NOT NULL,
                    hash BYTEA NOT NULL,
                    node BYTEA NOT NULL,
                    PRIMARY KEY (trie, position)
                )
                """
            ]),
        Migration(version: 6, name: PassportSchema.name, statements: PassportSchema.postgres),
        Migration(
            version: 7, name: "responses kept under idempotency keys",
            statements: [
                """
                CREATE TABLE idempotent_responses (
                    scope TEXT NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint BYTEA NOT NULL,
                    status INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    body BYTEA NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    PRIMARY KEY (scope, key)
                )
                """
            ]),
        Migration(version: 8, name: TenancySchema.name, statements: TenancySchema.postgres),
        Migration(version: 9, name: ChallengeSchema.name, statements: ChallengeSchema.postgres),
        Migration(version: 10, name: CheckpointSchema.name, statements: CheckpointSchema.postgres),
        Migration(version: 11, name: CoordinationSchema.name, statements: CoordinationSchema.postgres),
        Migration(
            version: 12, name: "status list bitstrings and signed copies stored uncompressed",
            statements: [
                // A bitstring is rewritten on every status change and a signed copy is gzip already:
                // compressing either again on each write costs more than it saves.
                "ALTER TABLE status_lists ALTER COLUMN bits SET STORAGE EXTERNAL, ALTER COLUMN published SET STORAGE EXTERNAL"
            ]),
        Migration(version: 13, name: EPCISSchema.captureJobsName, statements: EPCISSchema.captureJobsPostgres),
        Migration(version: 14, name: EPCISSchema.subscriptionsName, statements: EPCISSchema.subscriptionsPostgres),
        Migration(version: 15, name: EPCISMasterDataSchema.name, statements: EPCISMasterDataSchema.postgres),
    ]
}
