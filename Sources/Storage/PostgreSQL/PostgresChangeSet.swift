import Credentials
import Foundation
import NIOCore
import Passport
import PostgresNIO
import Trie

extension PostgresStore {
    /// Commits the change set in one transaction. The trie batch goes first: it locks the operator's
    /// `tries` row, so commits to one operator from several instances take turns and each checks the
    /// root the previous one left. A BMS key or ownership link after the first locks its device's row
    /// and checks that its sequence is the next one.
    public func commit(_ changes: ChangeSet) async throws {
        guard !changes.isEmpty else { return }
        let statements = try PostgresChangeStatements(changes)
        try await withTransaction { connection in try await statements.run(changes, store: self, on: connection) }
    }

    /// A change set's status lists are signed under their row locks and stored with their bits.
    public var signsStatusListsInTransaction: Bool { true }

    public func recordedResponse(scope: String, key: String) async throws -> RecordedResponse? {
        try await fetch(
            """
            SELECT fingerprint, status, content_type, body, recorded_at FROM idempotent_responses
            WHERE scope = \(scope) AND key = \(key)
            """
        ) { row in
            let (fingerprint, status, contentType, body, recordedAt) = try row.decode((ByteBuffer, Int, String, ByteBuffer, Int64).self)
            return RecordedResponse(
                scope: scope, key: key, fingerprint: Array(fingerprint.readableBytesView), status: status, contentType: contentType,
                body: Array(body.readableBytesView), recordedAt: StoredValues.date(microseconds: recordedAt))
        }.first
    }
}

/// A change set's statements, built (and its values checked) before the transaction starts.
private struct PostgresChangeStatements: Sendable {
    let responses: [PostgresQuery]
    let trieTime: Int64?
    let devices: PostgresQuery
    let firstKeys: PostgresQuery
    let firstOwners: PostgresQuery
    /// The bits to change per list (issuer, id), lists in a fixed order so transactions lock them alike.
    let statusBits: [(issuer: String, listID: String, bits: [StatusBitChange], updatedAt: Int64)]
    /// The devices this change set provisions: their keys and owners are inserted at once.
    let provisioned: Set<String>

    init(_ changes: ChangeSet) throws {
        responses = try changes.responses.map { response in
            let recordedAt = try StoredValues.microseconds(response.recordedAt, field: "recordedAt")
            return """
                INSERT INTO idempotent_responses (scope, key, fingerprint, status, content_type, body, recorded_at)
                VALUES (\(response.scope), \(response.key), \(ByteBuffer(bytes: response.fingerprint)), \(response.status),
                        \(response.contentType), \(ByteBuffer(bytes: response.body)), \(recordedAt))
                ON CONFLICT DO NOTHING
                RETURNING key
                """
        }
        trieTime = try changes.trie.map { try StoredValues.microseconds($0.commit.time, field: "committedAt") }
        devices = try PostgresStore.insertDevices(changes.devices)
        let provisioned = Set(changes.devices.map(\.id))
        firstKeys = try PostgresStore.insertKeys(changes.bmsKeys.filter { provisioned.contains($0.deviceID) })
        firstOwners = try PostgresStore.insertOwnership(changes.ownership.filter { provisioned.contains($0.deviceID) })
        self.provisioned = provisioned
        statusBits = try Dictionary(grouping: changes.statusBits) { [$0.issuer, $0.listID] }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map { key, bits in
                let updatedAt = try StoredValues.microseconds(bits.map(\.date).max()!, field: "date")
                return (issuer: key[0], listID: key[1], bits: bits, updatedAt: updatedAt)
            }
    }

    func run(_ changes: ChangeSet, store: PostgresStore, on connection: PostgresConnection) async throws {
        for (recorded, response) in zip(changes.responses, responses) {
            if try await store.fetch(response, on: connection, { try $0.decode(String.self) }).isEmpty {
                throw StorageError.idempotencyKeyExists(key: recorded.key)
            }
        }
        if let trie = changes.trie, let trieTime {
            try await PostgresNodeStore.write(trie, committedAt: trieTime, legacy: store.legacyTrieNodes, on: connection, logger: store.logger)
        }
        // Devices and BMS keys refer to their credentials, so those go in first.
        let credentialsFirst = !changes.devices.isEmpty || !changes.bmsKeys.isEmpty
        if credentialsFirst {
            try await Self.insertRows(try InsertChangeRowsStatement(credentials: changes.credentials, followingOwners: [], feed: [], lists: []), store, connection)
        }
        if !changes.devices.isEmpty, let id = try await store.skipped(by: devices, of: changes.devices.map(\.id), on: connection) {
            throw PassportStoreErrors.deviceExists(id)
        }
        // The keys and owners of devices this change set provisions go in at once (their devices are
        // new rows); the others must follow the newest sequence, read under the operator's trie row
        // lock that the trie batch took above (every write to an operator's batteries moves its trie)
        // or else under the devices' row locks.
        let followingKeys = changes.bmsKeys.filter { !provisioned.contains($0.deviceID) }
        let followingOwners = changes.ownership.filter { !provisioned.contains($0.deviceID) }
        if changes.trie == nil, !followingKeys.isEmpty || !followingOwners.isEmpty {
            let devices = Set(followingKeys.map(\.deviceID) + followingOwners.map(\.deviceID)).sorted()
            try await store.run("SELECT 1 FROM passport_devices WHERE id = ANY(\(devices)) ORDER BY id FOR NO KEY UPDATE", on: connection)
        }
        if changes.bmsKeys.contains(where: { provisioned.contains($0.deviceID) }) { try await store.run(firstKeys, on: connection) }
        if !followingKeys.isEmpty {
            let inserted = try await store.fetch(try PostgresStore.insertKeysFollowing(followingKeys), on: connection) { try $0.decode(String.self) }
            if inserted.count < followingKeys.count, let key = followingKeys.first(where: { !inserted.contains($0.deviceID) }) ?? followingKeys.last {
                let last = try await store.lastSequence(in: "passport_bms_keys", device: key.deviceID, on: connection)
                throw PassportStoreErrors.bmsKeyConflict(key, last: last)
            }
        }
        if changes.ownership.contains(where: { provisioned.contains($0.deviceID) }) { try await store.run(firstOwners, on: connection) }
        // The status lists are read under their row locks and their new bits signed (when the change
        // set carries a signer); then the rows, the lists' new bits included, in one statement.
        var lists: [StatusListWrite] = []
        for list in statusBits {
            if let write = try await Self.listWrite(list, signer: changes.statusListSigner, store: store, on: connection) { lists.append(write) }
        }
        try await Self.insertRows(
            try InsertChangeRowsStatement(
                credentials: credentialsFirst ? [] : changes.credentials, followingOwners: followingOwners, feed: changes.feed, lists: lists),
            store, connection)
        for recall in changes.recalls {
            let issuedAt = try StoredValues.microseconds(recall.issuedAt, field: "issuedAt")
            let inserted = try await store.fetch(
                """
                INSERT INTO passport_recalls (id, operator_id, selector, value, reason, affected, issued_at)
                VALUES (\(recall.id), \(recall.operatorID), \(recall.selector.field), \(recall.selector.value), \(recall.reason),
                        \(recall.affected), \(issuedAt))
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """, on: connection
            ) { try $0.decode(String.self) }
            if inserted.isEmpty { throw PassportStoreErrors.recallExists(recall.id) }
        }
        try await store.insertEvents(changes.events, on: connection)
        for job in changes.captureJobs { try await store.run(try PostgresStore.insertCaptureJob(job), on: connection) }
        try await store.insertMasterData(changes.masterData, on: connection)
    }

    /// Runs `rows`; `credential_exists` or `ownership_conflict` when it skipped one.
    private static func insertRows(_ rows: InsertChangeRowsStatement, _ store: PostgresStore, _ connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        let written = try await connection.rows(of: rows, logger: store.logger)
        if let id = PostgresStore.firstSkipped(of: rows.credentialIDs, inserted: written.filter { $0.0 == "credential" }.map(\.1)) {
            throw StorageError.credentialExists(id: id)
        }
        let owners = Set(written.filter { $0.0 == "owner" }.map(\.1))
        if owners.count < rows.owners.count, let record = rows.owners.first(where: { !owners.contains($0.deviceID) }) ?? rows.owners.last {
            let last = try await store.lastSequence(in: "passport_ownership", device: record.deviceID, on: connection)
            throw PassportStoreErrors.ownershipConflict(record, last: last)
        }
    }

    /// One list's new bitstring with `bits` set or cleared, read under the list's row lock, and the
    /// signed copy of its new revision when there is a `signer`; nil when no bit changes (the revision
    /// moves only when one does).
    private static func listWrite(
        _ list: (issuer: String, listID: String, bits: [StatusBitChange], updatedAt: Int64), signer: StatusListSigner?, store: PostgresStore,
        on connection: PostgresConnection
    ) async throws -> StatusListWrite? {
        let lock = LockStatusListStatement(issuer: list.issuer, listID: list.listID)
        guard let (stored, count) = try await connection.rows(of: lock, logger: store.logger).first else {
            throw StatusListError(.statusListNotFound, "there is no status list '\(list.listID)'")
        }
        let before = Array(stored.readableBytesView)
        var updated = before
        for bit in list.bits {
            guard bit.index >= 0, bit.index < count, bit.index >> 3 < updated.count else {
                throw StatusListError(.rangeError, "index \(bit.index) is outside the \(count) entries of '\(list.listID)'")
            }
            let mask = UInt8(0x80 >> (bit.index & 7))
            if bit.value { updated[bit.index >> 3] |= mask } else { updated[bit.index >> 3] &= ~mask }
        }
        guard updated != before else { return nil }
        let published = try await signer?(list.issuer, list.listID, updated)
        return StatusListWrite(issuer: list.issuer, listID: list.listID, bits: updated, updatedAt: list.updatedAt, published: published)
    }
}
