import Credentials
import Foundation
import NIOCore
import Passport
import PostgresNIO

/// The passport repository in PostgreSQL. A batch writes each table with one statement (arrays
/// unnested) in one transaction. Appending a BMS key or an ownership link first locks the device's
/// row, so appends to one device from several instances are serialized and checked against the
/// newest committed sequence. Text is ordered by code point (`COLLATE "C"`), as SQLite does.
extension PostgresStore {
    // MARK: Operators

    public func saveOperator(_ record: OperatorRecord) async throws {
        let createdAt = try StoredValues.microseconds(record.createdAt, field: "createdAt")
        let prefixes = try StoredValues.spaceSeparated(record.companyPrefixes, field: "companyPrefixes")
        let inserted = try await fetch(
            """
            INSERT INTO passport_operators (id, name, gln, company_prefix, company_prefixes, suspension_list, revocation_list, created_at)
            VALUES (\(record.id), \(record.name), \(record.gln), \(record.companyPrefix), \(prefixes), \(record.suspensionList),
                    \(record.revocationList), \(createdAt))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ) { try $0.decode(String.self) }
        if inserted.isEmpty { throw PassportStoreErrors.operatorExists(record) }
    }

    public func operatorRecord(id: String) async throws -> OperatorRecord? {
        try await fetch("\(unescaped: Self.operatorColumns) WHERE id = \(id)", Self.operatorRecord).first
    }

    public func operators() async throws -> [OperatorRecord] {
        try await fetch("\(unescaped: Self.operatorColumns) ORDER BY id COLLATE \"C\"", Self.operatorRecord)
    }

    private static let operatorColumns =
        "SELECT id, name, gln, company_prefixes, suspension_list, revocation_list, created_at FROM passport_operators"

    private static func operatorRecord(_ row: PostgresRow) throws -> OperatorRecord {
        let (id, name, gln, prefixes, suspensionList, revocationList, createdAt) = try row.decode(
            (String, String, String?, String, String, String, Int64).self)
        return OperatorRecord(
            id: id, name: name, gln: gln, companyPrefixes: StoredValues.spaceSeparated(prefixes), suspensionList: suspensionList,
            revocationList: revocationList, createdAt: StoredValues.date(microseconds: createdAt))
    }

    // MARK: Devices

    public func device(id: String) async throws -> DeviceRecord? {
        try await fetch("\(unescaped: Self.deviceColumns) WHERE id = \(id)", Self.deviceRecord).first
    }

    public func provisionedDeviceIDs(_ ids: [String]) async throws -> Set<String> {
        Set(try await fetch("SELECT id FROM passport_devices WHERE id = ANY(\(ids))") { try $0.decode(String.self) })
    }

    public func devices(operator operatorID: String, matching selector: DeviceSelector) async throws -> [DeviceRecord] {
        // The field is one of three column names, never input.
        try await fetch(
            """
            \(unescaped: Self.deviceColumns)
            WHERE operator_id = \(operatorID) AND \(unescaped: selector.field) = \(selector.value) ORDER BY id COLLATE "C"
            """, Self.deviceRecord)
    }

    public func devices(serial: String, limit: Int) async throws -> [DeviceRecord] {
        try await fetch(
            "\(unescaped: Self.deviceColumns) WHERE serial = \(serial) ORDER BY id COLLATE \"C\" LIMIT \(Int64(limit))", Self.deviceRecord)
    }

    private static let deviceColumns = """
        SELECT id, operator_id, gtin, serial, lot, model, did, device_credential, bom_credential,
            commissioning_credential, device_status_index, device_status_list, created_at FROM passport_devices
        """

    private static func deviceRecord(_ row: PostgresRow) throws -> DeviceRecord {
        let (
            id, operatorID, gtin, serial, lot, model, did, deviceCredential, bomCredential, commissioningCredential, statusIndex,
            statusList, createdAt
        ) = try row.decode((String, String, String, String, String?, String, String, String, String, String, Int, String, Int64).self)
        return DeviceRecord(
            id: id, operatorID: operatorID, gtin: gtin, serial: serial, lot: lot, model: model, did: did,
            deviceCredentialID: deviceCredential, bomCredentialID: bomCredential, commissioningCredentialID: commissioningCredential,
            deviceStatusIndex: statusIndex, deviceStatusList: statusList, createdAt: StoredValues.date(microseconds: createdAt))
    }

    public func bmsKeys(device deviceID: String) async throws -> [BMSKeyRecord] {
        try await fetch(
            """
            SELECT device_id, sequence, public_key_multibase, credential_id, valid_from FROM passport_bms_keys
            WHERE device_id = \(deviceID) ORDER BY sequence
            """
        ) { row in
            let (deviceID, sequence, publicKey, credentialID, validFrom) = try row.decode((String, Int, String, String, Int64).self)
            return BMSKeyRecord(
                deviceID: deviceID, sequence: sequence, publicKeyMultibase: publicKey, credentialID: credentialID,
                validFrom: StoredValues.date(microseconds: validFrom))
        }
    }

    // MARK: Ownership

    public func ownershipChain(device deviceID: String) async throws -> [OwnershipRecord] {
        try await prepared(OwnershipChainStatement(deviceID: deviceID)).map { deviceID, sequence, owner, credentialID, statusIndex, statusList, transferredAt in
            OwnershipRecord(
                deviceID: deviceID, sequence: Int(sequence), owner: owner, credentialID: credentialID, statusIndex: Int(statusIndex),
                statusList: statusList, transferredAt: StoredValues.date(microseconds: transferredAt))
        }
    }

    /// Locks the device's row until the transaction ends (unless the caller holds a lock that already
    /// serializes its writes), then reads the newest sequence in `table` (0 when there is none). The
    /// read is a statement of its own, so it sees what the previous holder of the lock committed.
    func lastSequence(in table: String, device deviceID: String, on connection: PostgresConnection) async throws -> Int {
        let last = try await fetch(
            "SELECT COALESCE(MAX(sequence), 0) FROM \(unescaped: table) WHERE device_id = \(deviceID)", on: connection
        ) { try $0.decode(Int.self) }
        return last.first ?? 0
    }

    // MARK: Status feed and recalls

    public func statusFeed(device deviceID: String, limit: Int) async throws -> [StatusFeedEntry] {
        try StoredValues.checkLimit(limit)
        return try await fetch(
            """
            SELECT device_id, kind, detail, recorded_at FROM passport_status_feed WHERE device_id = \(deviceID)
            ORDER BY recorded_at DESC, sequence DESC LIMIT \(limit)
            """
        ) { row in
            let (deviceID, kind, detail, recordedAt) = try row.decode((String, String, ByteBuffer, Int64).self)
            return StatusFeedEntry(
                deviceID: deviceID, kind: try PassportSchema.kind(kind), detail: Array(detail.readableBytesView),
                recordedAt: StoredValues.date(microseconds: recordedAt))
        }
    }

    public func recalls(operator operatorID: String) async throws -> [RecallRecord] {
        try await fetch(
            """
            SELECT id, operator_id, selector, value, reason, affected, issued_at FROM passport_recalls
            WHERE operator_id = \(operatorID) ORDER BY issued_at DESC, id COLLATE "C" DESC
            """
        ) { row in
            let (id, operatorID, field, value, reason, affected, issuedAt) = try row.decode(
                (String, String, String, String, String, Int, Int64).self)
            return RecallRecord(
                id: id, operatorID: operatorID, selector: try PassportSchema.selector(field: field, value: value),
                reason: reason, affected: affected, issuedAt: StoredValues.date(microseconds: issuedAt))
        }
    }

    // MARK: Statements
    //
    // Each inserts its rows with one statement, one array per column. PostgresNIO's arrays cannot carry
    // NULL, so an optional column travels as a value array and a "present" array.

    /// The statement that inserts the devices, skipping any whose id (or operator, GTIN and serial) is in use, and
    /// returns the ids it inserted.
    static func insertDevices(_ devices: [DeviceRecord]) throws -> PostgresQuery {
        var ids: [String] = [], operators: [String] = [], gtins: [String] = [], serials: [String] = []
        var lots: [String] = [], hasLot: [Bool] = [], models: [String] = [], dids: [String] = []
        var deviceCredentials: [String] = [], bomCredentials: [String] = [], commissioningCredentials: [String] = []
        var statusIndexes: [Int64] = [], statusLists: [String] = [], created: [Int64] = []
        for device in devices {
            ids.append(device.id)
            operators.append(device.operatorID)
            gtins.append(device.gtin)
            serials.append(device.serial)
            lots.append(device.lot ?? "")
            hasLot.append(device.lot != nil)
            models.append(device.model)
            dids.append(device.did)
            deviceCredentials.append(device.deviceCredentialID)
            bomCredentials.append(device.bomCredentialID)
            commissioningCredentials.append(device.commissioningCredentialID)
            statusIndexes.append(Int64(device.deviceStatusIndex))
            statusLists.append(device.deviceStatusList)
            created.append(try StoredValues.microseconds(device.createdAt, field: "createdAt"))
        }
        return """
            INSERT INTO passport_devices (id, operator_id, gtin, serial, lot, model, did, device_credential, bom_credential,
                commissioning_credential, device_status_index, device_status_list, created_at)
            SELECT id, operator_id, gtin, serial, CASE WHEN has_lot THEN lot END, model, did, device_credential, bom_credential,
                   commissioning_credential, device_status_index, device_status_list, created_at
            FROM UNNEST(\(ids)::text[], \(operators)::text[], \(gtins)::text[], \(serials)::text[], \(lots)::text[],
                        \(hasLot)::bool[], \(models)::text[], \(dids)::text[], \(deviceCredentials)::text[],
                        \(bomCredentials)::text[], \(commissioningCredentials)::text[], \(statusIndexes)::bigint[],
                        \(statusLists)::text[], \(created)::bigint[])
                AS t (id, operator_id, gtin, serial, lot, has_lot, model, did, device_credential, bom_credential,
                      commissioning_credential, device_status_index, device_status_list, created_at)
            ON CONFLICT DO NOTHING
            RETURNING id
            """
    }

    static func insertKeys(_ keys: [BMSKeyRecord]) throws -> PostgresQuery {
        let devices = keys.map(\.deviceID), sequences = keys.map { Int64($0.sequence) }
        let publicKeys = keys.map(\.publicKeyMultibase), credentials = keys.map(\.credentialID)
        let validFrom = try keys.map { try StoredValues.microseconds($0.validFrom, field: "validFrom") }
        return """
            INSERT INTO passport_bms_keys (device_id, sequence, public_key_multibase, credential_id, valid_from)
            SELECT * FROM UNNEST(\(devices)::text[], \(sequences)::bigint[], \(publicKeys)::text[], \(credentials)::text[],
                                 \(validFrom)::bigint[])
            """
    }

    static func insertOwnership(_ records: [OwnershipRecord]) throws -> PostgresQuery {
        let devices = records.map(\.deviceID), sequences = records.map { Int64($0.sequence) }, owners = records.map(\.owner)
        let credentials = records.map(\.credentialID), statusIndexes = records.map { Int64($0.statusIndex) }
        let statusLists = records.map(\.statusList)
        let transferred = try records.map { try StoredValues.microseconds($0.transferredAt, field: "transferredAt") }
        return """
            INSERT INTO passport_ownership (device_id, sequence, owner, credential_id, status_index, status_list, transferred_at)
            SELECT * FROM UNNEST(\(devices)::text[], \(sequences)::bigint[], \(owners)::text[], \(credentials)::text[],
                                 \(statusIndexes)::bigint[], \(statusLists)::text[], \(transferred)::bigint[])
            """
    }

    /// The statement that inserts `keys` of devices already provisioned, each only where its sequence
    /// follows the device's newest stored one (and the batch's earlier keys of that device); it
    /// returns the inserted keys' devices, so a missing one is a conflict.
    static func insertKeysFollowing(_ keys: [BMSKeyRecord]) throws -> PostgresQuery {
        let devices = keys.map(\.deviceID), sequences = keys.map { Int64($0.sequence) }
        let publicKeys = keys.map(\.publicKeyMultibase), credentials = keys.map(\.credentialID)
        let validFrom = try keys.map { try StoredValues.microseconds($0.validFrom, field: "validFrom") }
        return """
            INSERT INTO passport_bms_keys (device_id, sequence, public_key_multibase, credential_id, valid_from)
            SELECT device_id, sequence, public_key_multibase, credential_id, valid_from FROM (
                SELECT k.*, ROW_NUMBER() OVER (PARTITION BY k.device_id ORDER BY k.sequence) AS n
                FROM UNNEST(\(devices)::text[], \(sequences)::bigint[], \(publicKeys)::text[], \(credentials)::text[],
                            \(validFrom)::bigint[]) AS k (device_id, sequence, public_key_multibase, credential_id, valid_from)
            ) AS k
            WHERE k.sequence = k.n + COALESCE((SELECT MAX(sequence) FROM passport_bms_keys WHERE device_id = k.device_id), 0)
            RETURNING device_id
            """
    }

    /// Runs `insert`, which skips conflicting rows and returns the ids it inserted, and names the first
    /// of `ids` (the ids of its rows, in order) it skipped (see ``firstSkipped(of:inserted:)``).
    func skipped(by insert: PostgresQuery, of ids: [String], on connection: PostgresConnection) async throws -> String? {
        Self.firstSkipped(of: ids, inserted: try await fetch(insert, on: connection) { try $0.decode(String.self) })
    }

    /// The first of `ids` (the ids of an insert's rows, in order) that is not among the `inserted`
    /// ones, or the second of two equal ones. Nil when all were inserted.
    static func firstSkipped(of ids: [String], inserted: [String]) -> String? {
        guard inserted.count < ids.count else { return nil }
        let returned = Set(inserted)
        var seen: Set<String> = []
        return ids.first { !returned.contains($0) || !seen.insert($0).inserted }
    }
}

// MARK: Anchor checkpoints

extension PostgresStore {
    public func appendCheckpoint(_ checkpoint: AnchorCheckpoint) async throws {
        let sequence = try CheckpointSchema.integer(checkpoint.sequence, field: "sequence")
        let slot = try CheckpointSchema.integer(checkpoint.slot, field: "slot")
        let issuedAt = try StoredValues.microseconds(checkpoint.issuedAt, field: "issuedAt")
        // Inserted only as the operator's next number; of two instances inserting it at once the
        // primary key lets one in and the other inserts nothing.
        let inserted = try await fetch(
            """
            INSERT INTO anchor_checkpoints
                (operator_id, sequence, root, transaction_hash, slot, issued_at, verification_method, signature)
            SELECT \(checkpoint.operatorID), \(sequence), \(ByteBuffer(bytes: checkpoint.root.bytes)),
                   \(ByteBuffer(bytes: checkpoint.transaction.bytes)), \(slot), \(issuedAt), \(checkpoint.verificationMethod),
                   \(ByteBuffer(bytes: checkpoint.signature))
            WHERE (SELECT COALESCE(MAX(sequence), 0) FROM anchor_checkpoints WHERE operator_id = \(checkpoint.operatorID)) = \(sequence - 1)
            ON CONFLICT DO NOTHING
            RETURNING sequence
            """
        ) { try $0.decode(Int64.self) }
        if inserted.isEmpty { throw PassportStoreErrors.checkpointConflict(checkpoint) }
    }

    public func latestCheckpoint(operator operatorID: String) async throws -> AnchorCheckpoint? {
        try await fetch(
            """
            SELECT sequence, root, transaction_hash, slot, issued_at, verification_method, signature FROM anchor_checkpoints
            WHERE operator_id = \(operatorID) ORDER BY sequence DESC LIMIT 1
            """
        ) { row in
            let (sequence, root, transaction, slot, issuedAt, method, signature) = try row.decode(
                (Int64, ByteBuffer, ByteBuffer, Int64, Int64, String, ByteBuffer).self)
            return try CheckpointSchema.checkpoint(
                operatorID: operatorID, sequence: sequence, root: Array(root.readableBytesView),
                transaction: Array(transaction.readableBytesView), slot: slot, issuedAt: issuedAt, verificationMethod: method,
                signature: Array(signature.readableBytesView))
        }.first
    }
}

/// A device's ownership links in order: read before every hand-off, so prepared once per connection.
private struct OwnershipChainStatement: PostgresPreparedStatement {
    typealias Row = (String, Int64, String, String, Int64, String, Int64)

    static let sql = """
        SELECT device_id, sequence, owner, credential_id, status_index, status_list, transferred_at
        FROM passport_ownership WHERE device_id = $1 ORDER BY sequence
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]

    let deviceID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(deviceID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
