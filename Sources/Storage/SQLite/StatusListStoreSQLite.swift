import Credentials
import Foundation
import GRDB

/// Status lists in the embedded SQLite database (the same file as ``SQLiteStore``, table `status_lists`).
/// Allocation and bit updates are each one write transaction, so concurrent callers, in this process or
/// another, never get the same index and never lose an update. It shares the connection pool of the
/// ``SQLiteStore`` it is opened beside.
public final class SQLiteStatusListStore: StatusListRepository {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// The status lists in `store`'s database, over its connection pool.
    public init(beside store: SQLiteStore) {
        pool = store.pool
        path = store.path
    }

    /// Opens (migrating, creating if needed) the database at `path` and its status lists.
    public static func open(migrating path: String) async throws -> SQLiteStatusListStore {
        SQLiteStatusListStore(beside: try await SQLiteStore(path: path))
    }

    public func createStatusList(_ list: StatusListRecord) async throws {
        let arguments: StatementArguments = [
            list.id, list.issuer, list.purpose.rawValue, list.entryCount, list.allocationKey.map { Data($0) }, list.allocated,
            Data(list.bits), list.revision, try StoredValues.microseconds(list.createdAt, field: "createdAt"),
            try StoredValues.microseconds(list.updatedAt, field: "updatedAt"),
        ]
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO status_lists
                        (id, issuer, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """,
                arguments: arguments)
            if db.changesCount == 0 {
                throw StatusListError(.statusListExists, "a status list with id '\(list.id)' already exists")
            }
        }
    }

    public func statusList(id: String) async throws -> StatusListRecord? {
        try await SQLiteErrors.mappedAsync {
            try await pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT id, issuer, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at
                        FROM status_lists WHERE id = ?
                        """),
                    arguments: [id]
                ).map(Self.record)
            }
        }
    }

    public func allocateStatusEntries(listID: String, count: Int) async throws -> Range<Int>? {
        guard count > 0 else { throw StorageError.invalidValue("an allocation needs a positive count, not \(count)") }
        return try await write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT allocated, entry_count FROM status_lists WHERE id = ?"), arguments: [listID])
            else { throw StatusListError(.statusListNotFound, "there is no status list '\(listID)'") }
            let allocated: Int = try row.decode(atIndex: 0)
            let entryCount: Int = try row.decode(atIndex: 1)
            guard entryCount - allocated >= count else { return nil }
            try db.execute(sql: "UPDATE status_lists SET allocated = ? WHERE id = ?", arguments: [allocated + count, listID])
            return allocated..<allocated + count
        }
    }

    public func setStatusBit(listID: String, index: Int, to value: Bool, at date: Date) async throws -> Bool {
        let updatedAt = try StoredValues.microseconds(date, field: "date")
        return try await write { db in try Self.setBit(listID: listID, index: index, to: value, updatedAt: updatedAt, in: db) }
    }

    /// Sets or clears one bit inside the caller's transaction (the revision moves only on a change);
    /// returns the bit's previous value.
    static func setBit(listID: String, index: Int, to value: Bool, updatedAt: Int64, in db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT bits, entry_count FROM status_lists WHERE id = ?"), arguments: [listID])
        else { throw StatusListError(.statusListNotFound, "there is no status list '\(listID)'") }
        var bits = [UInt8](try row.decode(Data.self, atIndex: 0))
        let entryCount: Int = try row.decode(atIndex: 1)
        guard index >= 0, index < entryCount, index >> 3 < bits.count else {
            throw StatusListError(.rangeError, "index \(index) is outside the \(entryCount) entries of '\(listID)'")
        }
        let mask = UInt8(0x80) >> UInt8(index & 7)
        let previous = bits[index >> 3] & mask != 0
        guard previous != value else { return previous }
        bits[index >> 3] ^= mask
        try db.execute(
            sql: "UPDATE status_lists SET bits = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
            arguments: [Data(bits), updatedAt, listID])
        return previous
    }

    private static func record(_ row: Row) throws -> StatusListRecord {
        let id: String = try row.decode(atIndex: 0)
        let entryCount: Int = try row.decode(atIndex: 3)
        let bits = [UInt8](try row.decode(Data.self, atIndex: 6))
        guard entryCount > 0, bits.count * 8 == entryCount else {
            throw StorageError.corrupt("status list '\(id)' has \(bits.count) bytes for \(entryCount) entries")
        }
        return StatusListRecord(
            id: id, issuer: try row.decode(atIndex: 1), purpose: StatusPurpose(rawValue: try row.decode(atIndex: 2)),
            entryCount: entryCount, allocationKey: try row.decode(Data?.self, atIndex: 4).map { [UInt8]($0) },
            allocated: try row.decode(atIndex: 5), bits: bits, revision: try row.decode(atIndex: 7),
            createdAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 8)),
            updatedAt: StoredValues.date(microseconds: try row.decode(Int64.self, atIndex: 9)))
    }

    private func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await SQLiteErrors.mappedAsync { try await pool.write(body) }
    }
}
