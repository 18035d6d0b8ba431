import EPCIS

/// The tables that index captured EPCIS events (their credentials live in `credentials`):
/// one row per event, one per identifier it mentions with its role, one per predecessor link.
/// Event times are integer microseconds since the Unix epoch, like every date in the store.
enum EPCISSchema {
    /// The roles one traceability step leaves from and arrives at: downstream, input → output and
    /// child → parent; upstream, the reverse.
    static func roles(_ direction: TraceDirection) -> (from: [String], to: [String]) {
        switch direction {
        case .downstream: (["input", "child"], ["output", "parent"])
        case .upstream: (["output", "parent"], ["input", "child"])
        }
    }

    static let name = "EPCIS events: identifiers and custody links"

    static let sqlite = [
        """
        CREATE TABLE epcis_events (
            credential_id TEXT PRIMARY KEY NOT NULL REFERENCES credentials (id),
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            biz_step TEXT,
            event_time INTEGER NOT NULL,
            sequence INTEGER NOT NULL UNIQUE
        ) STRICT
        """,
        "CREATE INDEX epcis_events_by_time ON epcis_events (event_time, credential_id)",
        "CREATE INDEX epcis_events_by_step ON epcis_events (biz_step, event_time)",
        """
        CREATE TABLE epcis_identifiers (
            identifier TEXT NOT NULL,
            role TEXT NOT NULL,
            credential_id TEXT NOT NULL REFERENCES epcis_events (credential_id),
            PRIMARY KEY (identifier, credential_id, role)
        ) STRICT, WITHOUT ROWID
        """,
        "CREATE INDEX epcis_identifiers_by_event ON epcis_identifiers (credential_id, role)",
        """
        CREATE TABLE epcis_links (
            credential_id TEXT NOT NULL REFERENCES epcis_events (credential_id),
            predecessor_id TEXT NOT NULL,
            PRIMARY KEY (credential_id, predecessor_id)
        ) STRICT, WITHOUT ROWID
        """,
        "CREATE INDEX epcis_links_by_predecessor ON epcis_links (predecessor_id)",
    ]

    static let postgres = [
        """
        CREATE TABLE epcis_events (
            credential_id TEXT PRIMARY KEY REFERENCES credentials (id),
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            biz_step TEXT,
            event_time BIGINT NOT NULL,
            sequence BIGSERIAL UNIQUE
        )
        """,
        "CREATE INDEX epcis_events_by_time ON epcis_events (event_time, credential_id)",
        "CREATE INDEX epcis_events_by_step ON epcis_events (biz_step, event_time)",
        """
        CREATE TABLE epcis_identifiers (
            identifier TEXT NOT NULL,
            role TEXT NOT NULL,
            credential_id TEXT NOT NULL REFERENCES epcis_events (credential_id),
            PRIMARY KEY (identifier, credential_id, role)
        )
        """,
        "CREATE INDEX epcis_identifiers_by_event ON epcis_identifiers (credential_id, role)",
        """
        CREATE TABLE epcis_links (
            credential_id TEXT NOT NULL REFERENCES epcis_events (credential_id),
            predecessor_id TEXT NOT NULL,
            PRIMARY KEY (credential_id, predecessor_id)
        )
        """,
        "CREATE INDEX epcis_links_by_predecessor ON epcis_links (predecessor_id)",
    ]

    static let captureJobsName = "EPCIS capture jobs and named queries"

    /// One row per capture job of the REST binding: its operator and creation time (for listing),
    /// and the job itself as JSON; one per named query: its owner, name and the query object as JSON.
    static let captureJobsSQLite = [
        """
        CREATE TABLE epcis_capture_jobs (
            id TEXT PRIMARY KEY NOT NULL,
            operator TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            job BLOB NOT NULL
        ) STRICT
        """,
        "CREATE INDEX epcis_capture_jobs_by_operator ON epcis_capture_jobs (operator, created_at, id)",
        """
        CREATE TABLE epcis_named_queries (
            owner TEXT NOT NULL,
            name TEXT NOT NULL,
            query BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (owner, name)
        ) STRICT, WITHOUT ROWID
        """,
    ]

    static let captureJobsPostgres = [
        """
        CREATE TABLE epcis_capture_jobs (
            id TEXT PRIMARY KEY,
            operator TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            job BYTEA NOT NULL
        )
        """,
        "CREATE INDEX epcis_capture_jobs_by_operator ON epcis_capture_jobs (operator, created_at, id)",
        """
        CREATE TABLE epcis_named_queries (
            owner TEXT NOT NULL,
            name TEXT NOT NULL,
            query BYTEA NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (owner, name)
        )
        """,
    ]
}
