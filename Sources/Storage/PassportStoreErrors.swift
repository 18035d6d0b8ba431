import Passport

/// The passport store failures both backends share.
enum PassportStoreErrors {
    static func operatorExists(_ record: OperatorRecord) -> PassportError {
        PassportError("operator_exists", "an operator with id '\(record.id)' or name '\(record.name)' is already registered")
    }

    static func deviceExists(_ id: String) -> PassportError {
        PassportError("device_exists", "a device with id '\(id)' (or its operator, GTIN and serial) is already provisioned")
    }

    /// `last` is the sequence of the device's newest key, 0 when it has none.
    static func bmsKeyConflict(_ key: BMSKeyRecord, last: Int) -> PassportError {
        PassportError("bms_key_conflict", "the next BMS key of '\(key.deviceID)' is \(last + 1), not \(key.sequence)")
    }

    /// `last` is the sequence of the device's newest link, 0 when it has none.
    static func ownershipConflict(_ record: OwnershipRecord, last: Int) -> PassportError {
        PassportError(
            "ownership_conflict", "the next ownership link of '\(record.deviceID)' is \(last + 1), not \(record.sequence)")
    }

    static func recallExists(_ id: String) -> PassportError {
        PassportError("recall_exists", "a recall with id '\(id)' exists")
    }

    static func checkpointConflict(_ checkpoint: AnchorCheckpoint) -> PassportError {
        PassportError(
            "checkpoint_conflict",
            "checkpoint \(checkpoint.sequence) of '\(checkpoint.operatorID)' does not follow its newest stored checkpoint")
    }
}
