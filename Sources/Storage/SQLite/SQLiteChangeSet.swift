import Credentials
import Foundation
import GRDB
import Passport
import Trie

extension SQLiteStore {
    /// Commits the change set in one write transaction. SQLite has one writer at a time, so the
    /// checks (trie root, next sequences, unused ids and keys) see every earlier commit.
    public func commit(_ changes: ChangeSet) async throws {
        guard !changes.isEmpty else { return }
        let rows = try SQLiteChangeRows(changes)
        try await write { db in try rows.write(changes, in: db) }
        if let trie = changes.trie { checkpointer.committed(nodes: trie.batch.puts.count) }
    }

    public func recordedResponse(scope: String, key: String) async throws -> RecordedResponse? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT fingerprint, status, content_type, body, recorded_at FROM idempotent_responses WHERE scope = ? AND key = ?
                    """),
                arguments: [scope, key]
            ).map { row in
                RecordedResponse(
                    scope: scope, key: key, fingerprint: [UInt8](try row.decode(Data.self, atIndex: 0)), status: try row.decode(atIndex: 1),
                    contentType: try row.decode(atIndex: 2), body: [UInt8](try row.decode(Data.self, atIndex: 3)),
                    recordedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 4)))
            }
        }
    }
}

/// A change set's values encoded for SQLite before the transaction starts (a value that cannot be
/// stored fails here, before anything is written).
private struct SQLiteChangeRows: Sendable {
    let credentials: [StatementArguments]
    let devices: [StatementArguments]
    let keys: [StatementArguments]
    let ownership: [StatementArguments]
    let feed: [StatementArguments]
    let recalls: [StatementArguments]
    let events: [SQLiteStore.EventRow]
    let responses: [StatementArguments]
    let captureJobs: [StatementArguments]
    let trieTime: Int64?
    let bitDates: [Int64]

    init(_ changes: ChangeSet) throws {
        credentials = try changes.credentials.map(SQLiteStore.credentialArguments)
        devices = try changes.devices.map(SQLiteStore.deviceArguments)
        keys = try changes.bmsKeys.map(SQLiteStore.keyArguments)
        ownership = try changes.ownership.map(SQLiteStore.ownershipArguments)
        feed = try changes.feed.map(SQLiteStore.feedArguments)
        recalls = try changes.recalls.map { recall in
            [
                recall.id, recall.operatorID, recall.selector.field, recall.selector.value, recall.reason, recall.affected,
                try StoredValues.microseconds(recall.issuedAt, field: "issuedAt"),
            ]
        }
        events = try SQLiteStore.eventRows(changes.events)
        responses = try changes.responses.map { response in
            [
                response.scope, response.key, Data(response.fingerprint), response.status, response.contentType, Data(response.body),
                try StoredValues.microseconds(response.recordedAt, field: "recordedAt"),
            ]
        }
        captureJobs = try changes.captureJobs.map(SQLiteStore.captureJobArguments)
        trieTime = try changes.trie.map { try StoredValues.microseconds($0.commit.time, field: "committedAt") }
        bitDates = try changes.statusBits.map { try StoredValues.microseconds($0.date, field: "date") }
    }

    /// Writes every part inside the caller's transaction; the first refusal rolls all of it back.
    func write(_ changes: ChangeSet, in db: Database) throws {
        for (recorded, response) in zip(changes.responses, responses) {
            try db.execute(
                sql: """
                    INSERT INTO idempotent_responses (scope, key, fingerprint, status, content_type, body, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: response)
            if db.changesCount == 0 { throw StorageError.idempotencyKeyExists(key: recorded.key) }
        }
        if let trie = changes.trie, let trieTime {
            try SQLiteNodeStore.write(trie, committedAt: trieTime, in: db)
        }
        let credential = try db.cachedStatement(sql: SQLiteStore.insertCredential)
        for (index, arguments) in credentials.enumerated() {
            try credential.execute(arguments: arguments)
            if db.changesCount == 0 { throw StorageError.credentialExists(id: changes.credentials[index].id) }
        }
        let device = try db.cachedStatement(sql: SQLiteStore.insertDevice)
        for (index, arguments) in devices.enumerated() {
            try device.execute(arguments: arguments)
            if db.changesCount == 0 { throw PassportStoreErrors.deviceExists(changes.devices[index].id) }
        }
        // The keys and owners of devices this change set provisions go in as they are (their devices
        // are new rows); the others must follow the device's newest sequence.
        let provisioned = Set(changes.devices.map(\.id))
        let insertKey = try db.cachedStatement(sql: SQLiteStore.insertKey)
        for (key, arguments) in zip(changes.bmsKeys, keys) {
            if !provisioned.contains(key.deviceID) {
                let last = try Self.lastSequence(in: "passport_bms_keys", device: key.deviceID, db)
                guard key.sequence == last + 1 else { throw PassportStoreErrors.bmsKeyConflict(key, last: last) }
            }
            try insertKey.execute(arguments: arguments)
        }
        let insertOwnership = try db.cachedStatement(sql: SQLiteStore.insertOwnership)
        for (record, arguments) in zip(changes.ownership, ownership) {
            if !provisioned.contains(record.deviceID) {
                let last = try Self.lastSequence(in: "passport_ownership", device: record.deviceID, db)
                guard record.sequence == last + 1 else { throw PassportStoreErrors.ownershipConflict(record, last: last) }
            }
            try insertOwnership.execute(arguments: arguments)
        }
        let feedEntry = try db.cachedStatement(sql: SQLiteStore.insertFeed)
        for arguments in feed { try feedEntry.execute(arguments: arguments) }
        for (index, arguments) in recalls.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO passport_recalls (id, operator_id, selector, value, reason, affected, issued_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: arguments)
            if db.changesCount == 0 { throw PassportStoreErrors.recallExists(changes.recalls[index].id) }
        }
        for (bit, date) in zip(changes.statusBits, bitDates) {
            _ = try SQLiteStatusListStore.setBit(issuer: bit.issuer, listID: bit.listID, index: bit.index, to: bit.value, updatedAt: date, in: db)
        }
        try SQLiteStore.insertEvents(events, in: db)
        for job in captureJobs { try SQLiteStore.insertCaptureJob(job, in: db) }
        try SQLiteStore.insertMasterData(changes.masterData, in: db)
    }

    /// The newest sequence of the device's rows in `table` (one of ours, never input); 0 when none.
    private static func lastSequence(in table: String, device deviceID: String, _ db: Database) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COALESCE(MAX(sequence), 0) FROM \(table) WHERE device_id = ?"), arguments: [deviceID]) ?? 0
    }
}
