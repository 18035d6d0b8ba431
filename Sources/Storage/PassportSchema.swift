import Passport

/// The tables of the battery passport domain: operators, devices with their BMS key history and
/// ownership chain, the status feed and recalls. Credentials live in `credentials`; dates are
/// integer microseconds since the Unix epoch, like every date in the store.
enum PassportSchema {
    static let name = "battery passports: operators, devices, BMS keys, ownership, status feed, recalls"

    static let sqlite = [
        """
        CREATE TABLE passport_operators (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE,
            gln TEXT,
            company_prefix TEXT,
            suspension_list TEXT NOT NULL,
            revocation_list TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT
        """,
        """
        CREATE TABLE passport_devices (
            id TEXT PRIMARY KEY NOT NULL,
            operator_id TEXT NOT NULL REFERENCES passport_operators (id),
            gtin TEXT NOT NULL,
            serial TEXT NOT NULL,
            lot TEXT,
            model TEXT NOT NULL,
            did TEXT NOT NULL,
            device_credential TEXT NOT NULL REFERENCES credentials (id),
            bom_credential TEXT NOT NULL REFERENCES credentials (id),
            commissioning_credential TEXT NOT NULL,
            device_status_index INTEGER NOT NULL,
            device_status_list TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (operator_id, gtin, serial)
        ) STRICT
        """,
        "CREATE INDEX passport_devices_by_serial ON passport_devices (operator_id, serial)",
        "CREATE INDEX passport_devices_by_model ON passport_devices (operator_id, model)",
        "CREATE INDEX passport_devices_by_lot ON passport_devices (operator_id, lot)",
        """
        CREATE TABLE passport_bms_keys (
            device_id TEXT NOT NULL REFERENCES passport_devices (id),
            sequence INTEGER NOT NULL,
            public_key_multibase TEXT NOT NULL,
            credential_id TEXT NOT NULL REFERENCES credentials (id),
            valid_from INTEGER NOT NULL,
            PRIMARY KEY (device_id, sequence)
        ) STRICT, WITHOUT ROWID
        """,
        """
        CREATE TABLE passport_ownership (
            device_id TEXT NOT NULL REFERENCES passport_devices (id),
            sequence INTEGER NOT NULL,
            owner TEXT NOT NULL,
            credential_id TEXT NOT NULL REFERENCES credentials (id),
            status_index INTEGER NOT NULL,
            status_list TEXT NOT NULL,
            transferred_at INTEGER NOT NULL,
            PRIMARY KEY (device_id, sequence)
        ) STRICT, WITHOUT ROWID
        """,
        """
        CREATE TABLE passport_status_feed (
            sequence INTEGER PRIMARY KEY NOT NULL,
            device_id TEXT NOT NULL REFERENCES passport_devices (id),
            kind TEXT NOT NULL,
            detail BLOB NOT NULL,
            recorded_at INTEGER NOT NULL
        ) STRICT
        """,
        "CREATE INDEX passport_status_feed_by_device ON passport_status_feed (device_id, recorded_at, sequence)",
        """
        CREATE TABLE passport_recalls (
            id TEXT PRIMARY KEY NOT NULL,
            operator_id TEXT NOT NULL REFERENCES passport_operators (id),
            selector TEXT NOT NULL,
            value TEXT NOT NULL,
            reason TEXT NOT NULL,
            affected INTEGER NOT NULL,
            issued_at INTEGER NOT NULL
        ) STRICT
        """,
        "CREATE INDEX passport_recalls_by_operator ON passport_recalls (operator_id, issued_at)",
    ]

    static let postgres = [
        """
        CREATE TABLE passport_operators (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            gln TEXT,
            company_prefix TEXT,
            suspension_list TEXT NOT NULL,
            revocation_list TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE passport_devices (
            id TEXT PRIMARY KEY,
            operator_id TEXT NOT NULL REFERENCES passport_operators (id),
            gtin TEXT NOT NULL,
            serial TEXT NOT NULL,
            lot TEXT,
            model TEXT NOT NULL,
            did TEXT NOT NULL,
            device_credential TEXT NOT NULL REFERENCES credentials (id),
            bom_credential TEXT NOT NULL REFERENCES credentials (id),
            commissioning_credential TEXT NOT NULL,
            device_status_index BIGINT NOT NULL,
            device_status_list TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (operator_id, gtin, serial)
        )
        """,
        "CREATE INDEX passport_devices_by_serial ON passport_devices (operator_id, serial)",
        "CREATE INDEX passport_devices_by_model ON passport_devices (operator_id, model)",
        "CREATE INDEX passport_devices_by_lot ON passport_devices (operator_id, lot)",
        """
        CREATE TABLE passport_bms_keys (
            device_id TEXT NOT NULL REFERENCES passport_devices (id),
            sequence BIGINT NOT NULL,
            public_key_multibase TEXT NOT NULL,
            credential_id TEXT NOT NULL REFERENCES credentials (id),
            valid_from BIGINT NOT NULL,
            PRIMARY KEY (device_id, sequence)
        )
        """,
        """
        CREATE TABLE passport_ownership (
            device_id TEXT NOT NULL REFERENCES passport_devices (id),
            sequence BIGINT NOT NULL,
            owner TEXT NOT NULL,
            credential_id TEXT NOT NULL REFERENCES credentials (id),
            status_index BIGINT NOT NULL,
            status_list TEXT NOT NULL,
            transferred_at BIGINT NOT NULL,
            PRIMARY KEY (device_id, sequence)
        )
        """,
        """
        CREATE TABLE passport_status_feed (
            sequence BIGSERIAL PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES passport_devices (id),
            kind TEXT NOT NULL,
            detail BYTEA NOT NULL,
            recorded_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX passport_status_feed_by_device ON passport_status_feed (device_id, recorded_at, sequence)",
        """
        CREATE TABLE passport_recalls (
            id TEXT PRIMARY KEY,
            operator_id TEXT NOT NULL REFERENCES passport_operators (id),
            selector TEXT NOT NULL,
            value TEXT NOT NULL,
            reason TEXT NOT NULL,
            affected BIGINT NOT NULL,
            issued_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX passport_recalls_by_operator ON passport_recalls (operator_id, issued_at)",
    ]

    /// A stored status feed kind.
    static func kind(_ name: String) throws -> StatusFeedEntry.Kind {
        guard let kind = StatusFeedEntry.Kind(rawValue: name) else {
            throw StorageError.corrupt("a status feed entry has the unknown kind '\(name)'")
        }
        return kind
    }

    /// A stored recall selector: its field (``DeviceSelector/field``) and value.
    static func selector(field: String, value: String) throws -> DeviceSelector {
        switch field {
        case "serial": .serial(value)
        case "model": .model(value)
        case "lot": .lot(value)
        default: throw StorageError.corrupt("a recall has the unknown selector '\(field)'")
        }
    }
}
