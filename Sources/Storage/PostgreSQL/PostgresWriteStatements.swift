import Credentials
import Foundation
import NIOCore
import Passport
import PostgresNIO

// The statements nearly every change set runs, prepared once per connection. Rows go in as one array
// per column (PostgresNIO's arrays cannot carry NULL, so an optional column travels as a value array
// and a "present" array).

/// The rows of the kinds nearly every change set writes, in one statement: credentials (skipping any
/// whose id is in use), ownership links of devices already provisioned (each only where its sequence
/// follows the device's newest stored one), status feed entries in their order (their sequence
/// numbers keep it) and status lists' new bitstrings (each revision moves by one) with, where given,
/// the signed copy of that revision. Its rows name what was inserted, (`credential`, id) and
/// (`owner`, device id), so a missing one is a conflict.
struct InsertChangeRowsStatement: PostgresPreparedStatement {
    typealias Row = (String, String)
    static let sql = """
        WITH credentials_in AS (
            INSERT INTO credentials (id, issuer, types, subject, issued_at, document)
            SELECT id, issuer, ARRAY(SELECT json_array_elements_text(types::json)), CASE WHEN has_subject THEN subject END,
                   issued_at, document
            FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bigint[], $7::bytea[])
                AS t (id, issuer, types, subject, has_subject, issued_at, document)
            ON CONFLICT (id) DO NOTHING
            RETURNING id
        ), owners_in AS (
            INSERT INTO passport_ownership (device_id, sequence, owner, credential_id, status_index, status_list, transferred_at)
            SELECT device_id, sequence, owner, credential_id, status_index, status_list, transferred_at FROM (
                SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.device_id ORDER BY o.sequence) AS n
                FROM UNNEST($8::text[], $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::bigint[])
                    AS o (device_id, sequence, owner, credential_id, status_index, status_list, transferred_at)
            ) AS o
            WHERE o.sequence = o.n + COALESCE((SELECT MAX(sequence) FROM passport_ownership WHERE device_id = o.device_id), 0)
            RETURNING device_id
        ), feed_in AS (
            INSERT INTO passport_status_feed (device_id, kind, detail, recorded_at)
            SELECT device_id, kind, detail, recorded_at
            FROM UNNEST($15::text[], $16::text[], $17::bytea[], $18::bigint[]) WITH ORDINALITY AS t (device_id, kind, detail, recorded_at, n)
            ORDER BY n
        ), lists_in AS (
            UPDATE status_lists AS l
            SET bits = u.bits, revision = l.revision + 1, updated_at = u.updated_at,
                published = CASE WHEN u.signed THEN u.published ELSE l.published END,
                published_revision = CASE WHEN u.signed THEN l.revision + 1 ELSE l.published_revision END
            FROM UNNEST($19::text[], $20::text[], $21::bytea[], $22::bigint[], $23::bool[], $24::bytea[])
                AS u (issuer, id, bits, updated_at, signed, published)
            WHERE l.issuer = u.issuer AND l.id = u.id
        )
        SELECT 'credential', id FROM credentials_in UNION ALL SELECT 'owner', device_id FROM owners_in
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .textArray, .textArray, .textArray, .textArray, .boolArray, .int8Array, .byteaArray,
        .textArray, .int8Array, .textArray, .textArray, .int8Array, .textArray, .int8Array,
        .textArray, .textArray, .byteaArray, .int8Array,
        .textArray, .textArray, .byteaArray, .int8Array, .boolArray, .byteaArray,
    ]

    /// The credentials' ids, in order.
    let credentialIDs: [String]
    let credentials: (issuers: [String], types: [String], subjects: [String], hasSubject: [Bool], issued: [Int64], documents: [ByteBuffer])
    let owners: [OwnershipRecord]
    let ownersTransferred: [Int64]
    let feed: (devices: [String], kinds: [String], details: [ByteBuffer], recorded: [Int64])
    let lists: [StatusListWrite]

    init(credentials: [StoredCredential], followingOwners owners: [OwnershipRecord], feed: [StatusFeedEntry], lists: [StatusListWrite]) throws {
        credentialIDs = credentials.map(\.id)
        self.credentials = (
            credentials.map(\.issuer), try credentials.map { String(decoding: try JSONEncoder().encode($0.types), as: UTF8.self) },
            credentials.map { $0.subject ?? "" }, credentials.map { $0.subject != nil },
            try credentials.map { try StoredValues.microseconds($0.issuedAt, field: "issuedAt") }, credentials.map { ByteBuffer(bytes: $0.document) }
        )
        self.owners = owners
        ownersTransferred = try owners.map { try StoredValues.microseconds($0.transferredAt, field: "transferredAt") }
        self.feed = (
            feed.map(\.deviceID), feed.map(\.kind.rawValue), feed.map { ByteBuffer(bytes: $0.detail) },
            try feed.map { try StoredValues.microseconds($0.recordedAt, field: "recordedAt") }
        )
        self.lists = lists
    }

    /// Whether running it would write nothing.
    var isEmpty: Bool { credentialIDs.isEmpty && owners.isEmpty && feed.devices.isEmpty && lists.isEmpty }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 24)
        bindings.append(credentialIDs)
        bindings.append(credentials.issuers)
        bindings.append(credentials.types)
        bindings.append(credentials.subjects)
        bindings.append(credentials.hasSubject)
        bindings.append(credentials.issued)
        bindings.append(credentials.documents)
        bindings.append(owners.map(\.deviceID))
        bindings.append(owners.map { Int64($0.sequence) })
        bindings.append(owners.map(\.owner))
        bindings.append(owners.map(\.credentialID))
        bindings.append(owners.map { Int64($0.statusIndex) })
        bindings.append(owners.map(\.statusList))
        bindings.append(ownersTransferred)
        bindings.append(feed.devices)
        bindings.append(feed.kinds)
        bindings.append(feed.details)
        bindings.append(feed.recorded)
        bindings.append(lists.map(\.issuer))
        bindings.append(lists.map(\.listID))
        bindings.append(lists.map { ByteBuffer(bytes: $0.bits) })
        bindings.append(lists.map(\.updatedAt))
        bindings.append(lists.map { $0.published != nil })
        bindings.append(lists.map { ByteBuffer(bytes: $0.published ?? []) })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A status list's new bitstring, and the signed copy of its new revision when the change set signs it.
struct StatusListWrite: Sendable {
    let issuer: String
    let listID: String
    let bits: [UInt8]
    let updatedAt: Int64
    let published: [UInt8]?
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
