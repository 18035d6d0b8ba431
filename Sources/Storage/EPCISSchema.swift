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

extension EPCISSchema {
    static let subscriptionsName = "EPCIS query subscriptions and their delivery outbox"

    /// One row per subscription of a named query (deleted with the query): the subscription as JSON,
    /// the sequence of the last event it considered, when a scheduled one runs next and when a delivery
    /// last succeeded; one row per document waiting to be delivered, in queueing order (the id), with
    /// its failed attempts and when to try again (deleted with the subscription).
    static let subscriptionsSQLite = [
        """
        CREATE TABLE epcis_subscriptions (
            id TEXT PRIMARY KEY NOT NULL,
            owner TEXT NOT NULL,
            query_name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            subscription BLOB NOT NULL,
            cursor INTEGER NOT NULL,
            next_run_at INTEGER,
            last_notified_at INTEGER,
            FOREIGN KEY (owner, query_name) REFERENCES epcis_named_queries (owner, name) ON DELETE CASCADE
        ) STRICT
        """,
        "CREATE INDEX epcis_subscriptions_by_query ON epcis_subscriptions (owner, query_name, created_at, id)",
        """
        CREATE TABLE epcis_subscription_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subscription_id TEXT NOT NULL REFERENCES epcis_subscriptions (id) ON DELETE CASCADE,
            body BLOB NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL
        ) STRICT
        """,
        "CREATE INDEX epcis_subscription_outbox_by_subscription ON epcis_subscription_outbox (subscription_id, id)",
    ]

    static let subscriptionsPostgres = [
        """
        CREATE TABLE epcis_subscriptions (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            query_name TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            subscription BYTEA NOT NULL,
            cursor BIGINT NOT NULL,
            next_run_at BIGINT,
            last_notified_at BIGINT,
            FOREIGN KEY (owner, query_name) REFERENCES epcis_named_queries (owner, name) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX epcis_subscriptions_by_query ON epcis_subscriptions (owner, query_name, created_at, id)",
        """
        CREATE TABLE epcis_subscription_outbox (
            id BIGSERIAL PRIMARY KEY,
            subscription_id TEXT NOT NULL REFERENCES epcis_subscriptions (id) ON DELETE CASCADE,
            body BYTEA NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX epcis_subscription_outbox_by_subscription ON epcis_subscription_outbox (subscription_id, id)",
    ]
}
