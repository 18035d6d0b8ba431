/// Single-use challenges shared by every instance on one database: kept until used or expired.
enum ChallengeSchema {
    static let name = "single-use challenges shared by instances"

    static let sqlite = [
        """
        CREATE TABLE challenges (
            purpose TEXT NOT NULL,
            challenge TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (purpose, challenge)
        ) STRICT, WITHOUT ROWID
        """,
        "CREATE INDEX challenges_by_expiry ON challenges (expires_at)",
    ]

    static let postgres = [
        """
        CREATE TABLE challenges (
            purpose TEXT NOT NULL,
            challenge TEXT NOT NULL,
            expires_at BIGINT NOT NULL,
            PRIMARY KEY (purpose, challenge)
        )
        """,
        "CREATE INDEX challenges_by_expiry ON challenges (expires_at)",
    ]
}
