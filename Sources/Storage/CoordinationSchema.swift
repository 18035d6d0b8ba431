/// What instances sharing one database coordinate through: the anchoring lease and the operators'
/// incorporation plans, and on PostgreSQL the deployment's ledger (SQLite deployments keep the
/// ledger file in the data directory). Ledger records are numbered from 0 without gaps; the primary
/// key refuses a number another instance appended first. Dates are integer microseconds.
enum CoordinationSchema {
    static let name = "shared ledger, leases and incorporation plans"

    static let sqlite = [
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID
        """,
        """
        CREATE TABLE incorporation_plans (
            operator_id TEXT PRIMARY KEY REFERENCES passport_operators (id),
            plan BLOB NOT NULL
        ) STRICT, WITHOUT ROWID
        """,
    ]

    static let postgres = [
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE incorporation_plans (
            operator_id TEXT PRIMARY KEY REFERENCES passport_operators (id),
            plan BYTEA NOT NULL
        )
        """,
        """
        CREATE TABLE ledger_genesis (
            singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
            genesis BIGINT NOT NULL CHECK (genesis >= 0)
        )
        """,
        """
        CREATE TABLE ledger_records (
            number BIGINT PRIMARY KEY CHECK (number >= 0),
            payload BYTEA NOT NULL
        )
        """,
    ]
}
