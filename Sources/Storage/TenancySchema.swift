/// What keeps tenants apart: tokens name the operators they act for and expire; operators own their
/// GS1 company prefixes; status lists live in their issuer's namespace and keep the signed copy that
/// is served. Lists of operators and DIDs are stored space-separated (neither contains a space).
enum TenancySchema {
    static let name = "operator-scoped tokens, owned company prefixes, status lists per issuer with their signed copy"

    static let sqlite = [
        "ALTER TABLE access_tokens ADD COLUMN operators TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE access_tokens ADD COLUMN expires_at INTEGER",
        "ALTER TABLE passport_operators ADD COLUMN company_prefixes TEXT NOT NULL DEFAULT ''",
        "UPDATE passport_operators SET company_prefixes = company_prefix WHERE company_prefix IS NOT NULL",
        // SQLite cannot change a primary key in place: the table is rebuilt keyed by (issuer, id).
        """
        CREATE TABLE status_lists_by_issuer (
            issuer TEXT NOT NULL,
            id TEXT NOT NULL,
            purpose TEXT NOT NULL,
            entry_count INTEGER NOT NULL,
            allocation_key BLOB,
            allocated INTEGER NOT NULL CHECK (allocated >= 0 AND allocated <= entry_count),
            bits BLOB NOT NULL,
            revision INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            published BLOB,
            published_revision INTEGER,
            PRIMARY KEY (issuer, id)
        ) STRICT
        """,
        """
        INSERT INTO status_lists_by_issuer
            (issuer, id, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at)
        SELECT issuer, id, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at FROM status_lists
        """,
        "DROP TABLE status_lists",
        "ALTER TABLE status_lists_by_issuer RENAME TO status_lists",
        "CREATE INDEX passport_devices_by_bare_serial ON passport_devices (serial)",
    ]

    static let postgres = [
        "ALTER TABLE access_tokens ADD COLUMN operators TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE access_tokens ADD COLUMN expires_at BIGINT",
        "ALTER TABLE passport_operators ADD COLUMN company_prefixes TEXT NOT NULL DEFAULT ''",
        "UPDATE passport_operators SET company_prefixes = company_prefix WHERE company_prefix IS NOT NULL",
        "ALTER TABLE status_lists DROP CONSTRAINT status_lists_pkey",
        "ALTER TABLE status_lists ADD PRIMARY KEY (issuer, id)",
        "ALTER TABLE status_lists ADD COLUMN published BYTEA",
        "ALTER TABLE status_lists ADD COLUMN published_revision BIGINT",
        "CREATE INDEX passport_devices_by_bare_serial ON passport_devices (serial)",
    ]
}
