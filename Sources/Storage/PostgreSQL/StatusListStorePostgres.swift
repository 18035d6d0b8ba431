import Credentials
import Foundation
import Logging
import PostgresNIO

/// Status lists in PostgreSQL (the same database and schema as ``PostgresStore``, table `status_lists`).
/// Allocation and bit updates are single statements that lock the list's row, so instances sharing the
/// database never hand out one index twice and never lose an update.
///
/// It works over the connection pool of the ``PostgresStore`` it is opened beside, so queries run while
/// that store's `run()` does (``withStore(url:schema:logger:_:)`` takes care of both).
public struct PostgresStatusListStore: StatusListRepository {
    private let pool: PostgresPool
    private let logger: Logger

    /// The status lists in `store`'s database and schema, over its connection pool.
    public init(beside store: PostgresStore) {
        pool = store.pool
        logger = store.logger
    }

    /// Opens and migrates the database, runs `body` with its status lists while the pool runs, and
    /// shuts the pool down.
    public static func withStore<Result: Sendable>(
        url: String, schema: String? = nil, logger: Logger = Logger(label: "voltpass.storage"),
        _ body: (PostgresStatusListStore) async throws -> Result
    ) async throws -> Result {
        try await PostgresStore.withStore(url: url, schema: schema, logger: logger) { try await body(PostgresStatusListStore(beside: $0)) }
    }

    public func createStatusList(_ list: StatusListRecord) async throws {
        let createdAt = try StoredValues.microseconds(list.createdAt, field: "createdAt")
        let updatedAt = try StoredValues.microseconds(list.updatedAt, field: "updatedAt")
        let key = list.allocationKey.map { ByteBuffer(bytes: $0) }
        let inserted = try await rows(
            """
            INSERT INTO status_lists (id, issuer, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at)
            VALUES (\(list.id), \(list.issuer), \(list.purpose.rawValue), \(Int64(list.entryCount)), \(key), \(Int64(list.allocated)),
                    \(ByteBuffer(bytes: list.bits)), \(Int64(list.revision)), \(createdAt), \(updatedAt))
            ON CONFLICT (issuer, id) DO NOTHING
            RETURNING id
            """
        ) { try $0.decode(String.self) }
        if inserted.isEmpty {
            throw StatusListError(.statusListExists, "a status list with id '\(list.id)' already exists")
        }
    }

    public func statusList(issuer: String, id: String) async throws -> StatusListRecord? {
        try await rows(
            """
            SELECT id, issuer, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at
            FROM status_lists WHERE issuer = \(issuer) AND id = \(id)
            """, Self.record
        ).first
    }

    public func allocateStatusEntries(issuer: String, listID: String, count: Int) async throws -> Range<Int>? {
        guard count > 0 else { throw StorageError.invalidValue("an allocation needs a positive count, not \(count)") }
        let taken = try await rows(
            """
            UPDATE status_lists SET allocated = allocated + \(Int64(count))
            WHERE issuer = \(issuer) AND id = \(listID) AND allocated + \(Int64(count)) <= entry_count
            RETURNING allocated
            """
        ) { Int(try $0.decode(Int64.self)) }
        if let end = taken.first { return end - count..<end }
        try await requireList(issuer: issuer, listID)
        return nil
    }

    public func setStatusBit(issuer: String, listID: String, index: Int, to value: Bool, at date: Date) async throws -> Bool {
        let previous = try await rows(Self.setBitQuery(issuer: issuer, listID: listID, index: index, to: value, at: date)) {
            try $0.decode(Bool.self)
        }
        if let bit = previous.first { return bit }
        let list = try await requireList(issuer: issuer, listID)
        throw StatusListError(.rangeError, "index \(index) is outside the \(list.entryCount) entries of '\(listID)'")
    }

    /// The statement that sets or clears one bit (the revision moves only on a change) and returns the
    /// bit's previous value; no row when the list or the index does not exist.
    static func setBitQuery(issuer: String, listID: String, index: Int, to value: Bool, at date: Date) throws -> PostgresQuery {
        let updatedAt = try StoredValues.microseconds(date, field: "date")
        let byte = Int64(index >> 3)
        let mask = Int64(0x80 >> (index & 7))
        // The CTE locks the row and reads the old byte; the update writes the new one only on a change.
        return """
            WITH old AS (
                SELECT get_byte(bits, \(byte)::INT) AS value FROM status_lists
                WHERE issuer = \(issuer) AND id = \(listID) AND \(Int64(index)) >= 0 AND \(Int64(index)) < entry_count FOR UPDATE
            ), changed AS (
                UPDATE status_lists SET
                    bits = set_byte(bits, \(byte)::INT, CASE WHEN \(value) THEN old.value | \(mask)::INT ELSE old.value & ~\(mask)::INT END),
                    revision = revision + 1, updated_at = \(updatedAt)
                FROM old WHERE issuer = \(issuer) AND id = \(listID) AND ((old.value & \(mask)::INT) <> 0) <> \(value)
            )
            SELECT (value & \(mask)::INT) <> 0 FROM old
            """
    }

    public func savePublishedStatusList(issuer: String, listID: String, _ published: PublishedStatusList) async throws {
        _ = try await rows(
            """
            UPDATE status_lists SET published = \(ByteBuffer(bytes: published.document)), published_revision = \(Int64(published.revision))
            WHERE issuer = \(issuer) AND id = \(listID)
                AND (published_revision IS NULL OR published_revision < \(Int64(published.revision)))
            RETURNING id
            """
        ) { try $0.decode(String.self) }
    }

    public func statusListPublication(issuer: String, listID: String) async throws -> StatusListPublication? {
        try await rows(
            "SELECT revision, published_revision, published FROM status_lists WHERE issuer = \(issuer) AND id = \(listID)"
        ) { row in
            let (current, revision, document) = try row.decode((Int64, Int64?, ByteBuffer?).self)
            let published = revision.flatMap { revision in
                document.map { PublishedStatusList(revision: Int(revision), document: Array($0.readableBytesView)) }
            }
            return StatusListPublication(currentRevision: Int(current), published: published)
        }.first
    }

    public func unpublishedStatusLists() async throws -> [(issuer: String, id: String)] {
        try await rows(
            "SELECT issuer, id FROM status_lists WHERE published_revision IS NULL OR published_revision < revision ORDER BY issuer, id"
        ) { row in
            let (issuer, id) = try row.decode((String, String).self)
            return (issuer: issuer, id: id)
        }
    }

    @discardableResult
    private func requireList(issuer: String, _ id: String) async throws -> StatusListRecord {
        guard let list = try await statusList(issuer: issuer, id: id) else {
            throw StatusListError(.statusListNotFound, "there is no status list '\(id)'")
        }
        return list
    }

    private static func record(_ row: PostgresRow) throws -> StatusListRecord {
        let (id, issuer, purpose, entryCount, key, allocated, bits, revision, createdAt, updatedAt) = try row.decode(
            (String, String, String, Int64, ByteBuffer?, Int64, ByteBuffer, Int64, Int64, Int64).self)
        guard entryCount > 0, Int64(bits.readableBytes) * 8 == entryCount else {
            throw StorageError.corrupt("status list '\(id)' has \(bits.readableBytes) bytes for \(entryCount) entries")
        }
        return StatusListRecord(
            id: id, issuer: issuer, purpose: StatusPurpose(rawValue: purpose), entryCount: Int(entryCount),
            allocationKey: key.map { Array($0.readableBytesView) }, allocated: Int(allocated), bits: Array(bits.readableBytesView),
            revision: Int(revision), createdAt: StoredValues.date(microseconds: createdAt),
            updatedAt: StoredValues.date(microseconds: updatedAt))
    }

    private func rows<T: Sendable>(_ query: PostgresQuery, _ decode: (PostgresRow) throws -> T) async throws -> [T] {
        do {
            return try await pool.rows(query, logger: logger, decode)
        } catch {
            throw PostgresErrors.storageError(error)
        }
    }
}
