import Credentials
import Foundation
import NIOCore
import Passport
import PostgresNIO

// The statements nearly every change set runs, prepared once per connection: each inserts its rows
// with one array per column (PostgresNIO's arrays cannot carry NULL, so an optional column travels
// as a value array and a "present" array).

/// Inserts credentials, skipping any whose id is in use; returns the ids it inserted.
struct InsertCredentialsStatement: PostgresPreparedStatement {
    typealias Row = String
    static let sql = """
        INSERT INTO credentials (id, issuer, types, subject, issued_at, document)
        SELECT id, issuer, ARRAY(SELECT json_array_elements_text(types::json)), CASE WHEN has_subject THEN subject END,
               issued_at, document
        FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bigint[], $7::bytea[])
            AS t (id, issuer, types, subject, has_subject, issued_at, document)
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray, .textArray, .textArray, .boolArray, .int8Array, .byteaArray]

    var ids: [String] = [], issuers: [String] = [], types: [String] = [], subjects: [String] = []
    var hasSubject: [Bool] = [], issued: [Int64] = [], documents: [ByteBuffer] = []

    init(_ credentials: [StoredCredential]) throws {
        for credential in credentials {
            ids.append(credential.id)
            issuers.append(credential.issuer)
            types.append(String(decoding: try JSONEncoder().encode(credential.types), as: UTF8.self))
            subjects.append(credential.subject ?? "")
            hasSubject.append(credential.subject != nil)
            issued.append(try StoredValues.microseconds(credential.issuedAt, field: "issuedAt"))
            documents.append(ByteBuffer(bytes: credential.document))
        }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(ids)
        bindings.append(issuers)
        bindings.append(types)
        bindings.append(subjects)
        bindings.append(hasSubject)
        bindings.append(issued)
        bindings.append(documents)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Inserts ownership links of devices already provisioned, each only where its sequence follows the
/// device's newest stored one; returns the devices it inserted one for, so a missing one is a conflict.
struct InsertFollowingOwnersStatement: PostgresPreparedStatement {
    typealias Row = String
    static let sql = """
        INSERT INTO passport_ownership (device_id, sequence, owner, credential_id, status_index, status_list, transferred_at)
        SELECT device_id, sequence, owner, credential_id, status_index, status_list, transferred_at FROM (
            SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.device_id ORDER BY o.sequence) AS n
            FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])
                AS o (device_id, sequence, owner, credential_id, status_index, status_list, transferred_at)
        ) AS o
        WHERE o.sequence = o.n + COALESCE((SELECT MAX(sequence) FROM passport_ownership WHERE device_id = o.device_id), 0)
        RETURNING device_id
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .int8Array, .textArray, .textArray, .int8Array, .textArray, .int8Array]

    let devices: [String], sequences: [Int64], owners: [String], credentials: [String]
    let statusIndexes: [Int64], statusLists: [String], transferred: [Int64]

    init(_ records: [OwnershipRecord]) throws {
        devices = records.map(\.deviceID)
        sequences = records.map { Int64($0.sequence) }
        owners = records.map(\.owner)
        credentials = records.map(\.credentialID)
        statusIndexes = records.map { Int64($0.statusIndex) }
        statusLists = records.map(\.statusList)
        transferred = try records.map { try StoredValues.microseconds($0.transferredAt, field: "transferredAt") }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(devices)
        bindings.append(sequences)
        bindings.append(owners)
        bindings.append(credentials)
        bindings.append(statusIndexes)
        bindings.append(statusLists)
        bindings.append(transferred)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Inserts status feed entries in their order, which their sequence numbers keep.
struct InsertFeedStatement: PostgresPreparedStatement {
    typealias Row = Int64
    static let sql = """
        INSERT INTO passport_status_feed (device_id, kind, detail, recorded_at)
        SELECT device_id, kind, detail, recorded_at
        FROM UNNEST($1::text[], $2::text[], $3::bytea[], $4::bigint[]) WITH ORDINALITY AS t (device_id, kind, detail, recorded_at, n)
        ORDER BY n
        RETURNING sequence
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray, .byteaArray, .int8Array]

    let devices: [String], kinds: [String], details: [ByteBuffer], recorded: [Int64]

    init(_ entries: [StatusFeedEntry]) throws {
        devices = entries.map(\.deviceID)
        kinds = entries.map(\.kind.rawValue)
        details = entries.map { ByteBuffer(bytes: $0.detail) }
        recorded = try entries.map { try StoredValues.microseconds($0.recordedAt, field: "recordedAt") }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(devices)
        bindings.append(kinds)
        bindings.append(details)
        bindings.append(recorded)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A status list's bitstring and entry count, locked until the transaction ends.
struct LockStatusListStatement: PostgresPreparedStatement {
    typealias Row = (ByteBuffer, Int64)
    static let sql = "SELECT bits, entry_count FROM status_lists WHERE issuer = $1 AND id = $2 FOR UPDATE"
    static let bindingDataTypes: [PostgresDataType] = [.text, .text]

    let issuer: String
    let listID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(issuer)
        bindings.append(listID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A status list's new bitstring (its revision moves by one) and, when `published` is given, its
/// signed copy as that revision's.
struct WriteStatusListStatement: PostgresPreparedStatement {
    typealias Row = Int64
    static let sql = """
        UPDATE status_lists SET bits = $3, revision = revision + 1, updated_at = $4,
            published = CASE WHEN $5 THEN $6 ELSE published END,
            published_revision = CASE WHEN $5 THEN revision + 1 ELSE published_revision END
        WHERE issuer = $1 AND id = $2
        RETURNING revision
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .bytea, .int8, .bool, .bytea]

    let issuer: String
    let listID: String
    let bits: [UInt8]
    let updatedAt: Int64
    let published: [UInt8]?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(issuer)
        bindings.append(listID)
        bindings.append(ByteBuffer(bytes: bits))
        bindings.append(updatedAt)
        bindings.append(published != nil)
        bindings.append(ByteBuffer(bytes: published ?? []))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
