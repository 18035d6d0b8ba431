import Credentials
import Foundation
import GRDB
import Passport

extension SQLiteStore {
    // MARK: Operators

    public func saveOperator(_ record: OperatorRecord) async throws {
        let createdAt = try StoredValues.microseconds(record.createdAt, field: "createdAt")
        let prefixes = try StoredValues.spaceSeparated(record.companyPrefixes, field: "companyPrefixes")
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO passport_operators
                        (id, name, gln, company_prefix, company_prefixes, suspension_list, revocation_list, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [
                    record.id, record.name, record.gln, record.companyPrefix, prefixes, record.suspensionList, record.revocationList,
                    createdAt,
                ])
            if db.changesCount == 0 { throw PassportStoreErrors.operatorExists(record) }
        }
    }

    public func operatorRecord(id: String) async throws -> OperatorRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "\(Self.operatorColumns) WHERE id = ?"), arguments: [id]).map(Self.operatorRecord)
        }
    }

    public func operators() async throws -> [OperatorRecord] {
        try await read { db in try Row.fetchAll(db.cachedStatement(sql: "\(Self.operatorColumns) ORDER BY id")).map(Self.operatorRecord) }
    }

    private static let operatorColumns =
        "SELECT id, name, gln, company_prefixes, suspension_list, revocation_list, created_at FROM passport_operators"

    private static func operatorRecord(_ row: Row) throws -> OperatorRecord {
        OperatorRecord(
            id: try row.decode(atIndex: 0), name: try row.decode(atIndex: 1), gln: try row.decode(atIndex: 2),
            companyPrefixes: StoredValues.spaceSeparated(try row.decode(String.self, atIndex: 3)), suspensionList: try row.decode(atIndex: 4),
            revocationList: try row.decode(atIndex: 5),
            createdAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 6)))
    }

    // MARK: Devices

    public func device(id: String) async throws -> DeviceRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "\(Self.deviceColumns) WHERE id = ?"), arguments: [id]).map(Self.deviceRecord)
        }
    }

    public func provisionedDeviceIDs(_ ids: [String]) async throws -> Set<String> {
        try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM passport_devices WHERE id = ?")
            return try Set(ids.filter { try Bool.fetchOne(statement, arguments: [$0]) != nil })
        }
    }

    public func devices(operator operatorID: String, matching selector: DeviceSelector) async throws -> [DeviceRecord] {
        let sql = "\(Self.deviceColumns) WHERE operator_id = ? AND \(selector.field) = ? ORDER BY id"
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [operatorID, selector.value]).map(Self.deviceRecord)
        }
    }

    public func devices(serial: String, limit: Int) async throws -> [DeviceRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "\(Self.deviceColumns) WHERE serial = ? ORDER BY id LIMIT ?"), arguments: [serial, limit])
                .map(Self.deviceRecord)
        }
    }

    private static let deviceColumns = """
        SELECT id, operator_id, gtin, serial, lot, model, did, device_credential, bom_credential,
            commissioning_credential, device_status_index, device_status_list, created_at FROM passport_devices
        """

    private static func deviceRecord(_ row: Row) throws -> DeviceRecord {
        DeviceRecord(
            id: try row.decode(atIndex: 0), operatorID: try row.decode(atIndex: 1), gtin: try row.decode(atIndex: 2),
            serial: try row.decode(atIndex: 3), lot: try row.decode(atIndex: 4), model: try row.decode(atIndex: 5),
            did: try row.decode(atIndex: 6), deviceCredentialID: try row.decode(atIndex: 7),
            bomCredentialID: try row.decode(atIndex: 8), commissioningCredentialID: try row.decode(atIndex: 9),
            deviceStatusIndex: try row.decode(atIndex: 10), deviceStatusList: try row.decode(atIndex: 11),
            createdAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 12)))
    }

    public func bmsKeys(device deviceID: String) async throws -> [BMSKeyRecord] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT device_id, sequence, public_key_multibase, credential_id, valid_from FROM passport_bms_keys
                    WHERE device_id = ? ORDER BY sequence
                    """), arguments: [deviceID]
            ).map { row in
                BMSKeyRecord(
                    deviceID: try row.decode(atIndex: 0), sequence: try row.decode(atIndex: 1),
                    publicKeyMultibase: try row.decode(atIndex: 2), credentialID: try row.decode(atIndex: 3),
                    validFrom: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 4)))
            }
        }
    }

    // MARK: Ownership

    public func ownershipChain(device deviceID: String) async throws -> [OwnershipRecord] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT device_id, sequence, owner, credential_id, status_index, status_list, transferred_at
                    FROM passport_ownership WHERE device_id = ? ORDER BY sequence
                    """), arguments: [deviceID]
            ).map { row in
                OwnershipRecord(
                    deviceID: try row.decode(atIndex: 0), sequence: try row.decode(atIndex: 1), owner: try row.decode(atIndex: 2),
                    credentialID: try row.decode(atIndex: 3), statusIndex: try row.decode(atIndex: 4),
                    statusList: try row.decode(atIndex: 5),
                    transferredAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 6)))
            }
        }
    }

    // MARK: Status feed and recalls

    public func statusFeed(device deviceID: String, limit: Int) async throws -> [StatusFeedEntry] {
        try StoredValues.checkLimit(limit)
        return try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT device_id, kind, detail, recorded_at FROM passport_status_feed WHERE device_id = ?
                    ORDER BY recorded_at DESC, sequence DESC LIMIT ?
                    """), arguments: [deviceID, limit]
            ).map { row in
                StatusFeedEntry(
                    deviceID: try row.decode(atIndex: 0), kind: try PassportSchema.kind(try row.decode(atIndex: 1)),
                    detail: [UInt8](try row.decode(Data.self, atIndex: 2)),
                    recordedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 3)))
            }
        }
    }

    public func recalls(operator operatorID: String) async throws -> [RecallRecord] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT id, operator_id, selector, value, reason, affected, issued_at FROM passport_recalls
                    WHERE operator_id = ? ORDER BY issued_at DESC, id DESC
                    """), arguments: [operatorID]
            ).map { row in
                RecallRecord(
                    id: try row.decode(atIndex: 0), operatorID: try row.decode(atIndex: 1),
                    selector: try PassportSchema.selector(field: try row.decode(atIndex: 2), value: try row.decode(atIndex: 3)),
                    reason: try row.decode(atIndex: 4), affected: try row.decode(atIndex: 5),
                    issuedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 6)))
            }
        }
    }

    // MARK: Statements

    static let insertCredential = """
        INSERT INTO credentials (id, issuer, types, subject, issued_at, document) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO NOTHING
        """
    /// Skips (rather than fails on) an id or an operator, GTIN and serial in use, so the caller can name the device.
    static let insertDevice = """
        INSERT INTO passport_devices (id, operator_id, gtin, serial, lot, model, did, device_credential, bom_credential,
            commissioning_credential, device_status_index, device_status_list, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
        """
    static let insertKey = """
        INSERT INTO passport_bms_keys (device_id, sequence, public_key_multibase, credential_id, valid_from)
        VALUES (?, ?, ?, ?, ?)
        """
    static let insertOwnership = """
        INSERT INTO passport_ownership (device_id, sequence, owner, credential_id, status_index, status_list, transferred_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    static let insertFeed = "INSERT INTO passport_status_feed (device_id, kind, detail, recorded_at) VALUES (?, ?, ?, ?)"

    static func credentialArguments(_ credential: StoredCredential) throws -> StatementArguments {
        [
            credential.id, credential.issuer, String(decoding: try JSONEncoder().encode(credential.types), as: UTF8.self),
            credential.subject, try StoredValues.microseconds(credential.issuedAt, field: "issuedAt"), Data(credential.document),
        ]
    }

    static func deviceArguments(_ device: DeviceRecord) throws -> StatementArguments {
        [
            device.id, device.operatorID, device.gtin, device.serial, device.lot, device.model, device.did,
            device.deviceCredentialID, device.bomCredentialID, device.commissioningCredentialID, device.deviceStatusIndex,
            device.deviceStatusList, try StoredValues.microseconds(device.createdAt, field: "createdAt"),
        ]
    }

    static func keyArguments(_ key: BMSKeyRecord) throws -> StatementArguments {
        [
            key.deviceID, key.sequence, key.publicKeyMultibase, key.credentialID,
            try StoredValues.microseconds(key.validFrom, field: "validFrom"),
        ]
    }

    static func ownershipArguments(_ record: OwnershipRecord) throws -> StatementArguments {
        [
            record.deviceID, record.sequence, record.owner, record.credentialID, record.statusIndex, record.statusList,
            try StoredValues.microseconds(record.transferredAt, field: "transferredAt"),
        ]
    }

    static func feedArguments(_ entry: StatusFeedEntry) throws -> StatementArguments {
        [entry.deviceID, entry.kind.rawValue, Data(entry.detail), try StoredValues.microseconds(entry.recordedAt, field: "recordedAt")]
    }
}

// MARK: Anchor checkpoints

extension SQLiteStore {
    public func appendCheckpoint(_ checkpoint: AnchorCheckpoint) async throws {
        let arguments: StatementArguments = [
            checkpoint.operatorID, try CheckpointSchema.integer(checkpoint.sequence, field: "sequence"), Data(checkpoint.root.bytes),
            Data(checkpoint.transaction.bytes), try CheckpointSchema.integer(checkpoint.slot, field: "slot"),
            try StoredValues.microseconds(checkpoint.issuedAt, field: "issuedAt"), checkpoint.verificationMethod, Data(checkpoint.signature),
        ]
        try await write { db in
            // Inserted only as the operator's next number; of two writers the first takes it.
            try db.execute(
                sql: """
                    INSERT INTO anchor_checkpoints
                        (operator_id, sequence, root, transaction_hash, slot, issued_at, verification_method, signature)
                    SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
                    WHERE (SELECT COALESCE(MAX(sequence), 0) FROM anchor_checkpoints WHERE operator_id = ?1) = ?2 - 1
                    ON CONFLICT DO NOTHING
                    """,
                arguments: arguments)
            if db.changesCount == 0 { throw PassportStoreErrors.checkpointConflict(checkpoint) }
        }
    }

    public func latestCheckpoint(operator operatorID: String) async throws -> AnchorCheckpoint? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT sequence, root, transaction_hash, slot, issued_at, verification_method, signature FROM anchor_checkpoints
                    WHERE operator_id = ? ORDER BY sequence DESC LIMIT 1
                    """), arguments: [operatorID]
            ).map { row in
                try CheckpointSchema.checkpoint(
                    operatorID: operatorID, sequence: try row.decode(atIndex: 0), root: [UInt8](try row.decode(Data.self, atIndex: 1)),
                    transaction: [UInt8](try row.decode(Data.self, atIndex: 2)), slot: try row.decode(atIndex: 3),
                    issuedAt: try row.decode(atIndex: 4), verificationMethod: try row.decode(atIndex: 5),
                    signature: [UInt8](try row.decode(Data.self, atIndex: 6)))
            }
        }
    }
}
