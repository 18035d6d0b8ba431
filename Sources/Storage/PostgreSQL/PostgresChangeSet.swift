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
    let response: PostgresQuery?
    let trieTime: Int64?
    let credentials: PostgresQuery
    let devices: PostgresQuery
    let firstKeys: PostgresQuery
    let firstOwners: PostgresQuery
    let feed: PostgresQuery
    let statusBits: [PostgresQuery]
    /// The devices this change set provisions: their keys and owners are inserted at once.
    let provisioned: Set<String>

    init(_ changes: ChangeSet) throws {
        response = try changes.response.map { response in
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
        credentials = try PostgresStore.insertCredentials(changes.credentials)
        devices = try PostgresStore.insertDevices(changes.devices)
        let provisioned = Set(changes.devices.map(\.id))
        firstKeys = try PostgresStore.insertKeys(changes.bmsKeys.filter { provisioned.contains($0.deviceID) })
        firstOwners = try PostgresStore.insertOwnership(changes.ownership.filter { provisioned.contains($0.deviceID) })
        self.provisioned = provisioned
        feed = try PostgresStore.insertFeed(changes.feed)
        statusBits = try changes.statusBits.map {
            try PostgresStatusListStore.setBitQuery(issuer: $0.issuer, listID: $0.listID, index: $0.index, to: $0.value, at: $0.date)
        }
    }

    func run(_ changes: ChangeSet, store: PostgresStore, on connection: PostgresConnection) async throws {
        if let response, let recorded = changes.response {
            if try await store.fetch(response, on: connection, { try $0.decode(String.self) }).isEmpty {
                throw StorageError.idempotencyKeyExists(key: recorded.key)
            }
        }
        if let trie = changes.trie, let trieTime {
            try await PostgresNodeStore.write(trie, committedAt: trieTime, legacy: store.legacyTrieNodes, on: connection, logger: store.logger)
        }
        if !changes.credentials.isEmpty, let id = try await store.skipped(by: credentials, of: changes.credentials.map(\.id), on: connection) {
            throw StorageError.credentialExists(id: id)
        }
        if !changes.devices.isEmpty, let id = try await store.skipped(by: devices, of: changes.devices.map(\.id), on: connection) {
            throw PassportStoreErrors.deviceExists(id)
        }
        // The keys and owners of devices this change set provisions go in at once (their devices are
        // new rows); the others must follow the newest sequence, read under the device's row lock, or
        // under the operator's trie row lock that the trie batch took above (every write to an
        // operator's batteries moves its trie).
        let locking = changes.trie == nil
        if changes.bmsKeys.contains(where: { provisioned.contains($0.deviceID) }) { try await store.run(firstKeys, on: connection) }
        for key in changes.bmsKeys where !provisioned.contains(key.deviceID) {
            let last = try await store.lastSequence(in: "passport_bms_keys", device: key.deviceID, locking: locking, on: connection)
            guard key.sequence == last + 1 else { throw PassportStoreErrors.bmsKeyConflict(key, last: last) }
            try await store.run(try PostgresStore.insertKeys([key]), on: connection)
        }
        if changes.ownership.contains(where: { provisioned.contains($0.deviceID) }) { try await store.run(firstOwners, on: connection) }
        for record in changes.ownership where !provisioned.contains(record.deviceID) {
            let last = try await store.lastSequence(in: "passport_ownership", device: record.deviceID, locking: locking, on: connection)
            guard record.sequence == last + 1 else { throw PassportStoreErrors.ownershipConflict(record, last: last) }
            try await store.run(try PostgresStore.insertOwnership([record]), on: connection)
        }
        if !changes.feed.isEmpty { try await store.run(feed, on: connection) }
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
        for (bit, query) in zip(changes.statusBits, statusBits) {
            if try await store.fetch(query, on: connection, { try $0.decode(Bool.self) }).isEmpty {
                throw StatusListError(.statusListNotFound, "there is no entry \(bit.index) in a status list '\(bit.listID)'")
            }
        }
        try await store.insertEvents(changes.events, on: connection)
    }
}
