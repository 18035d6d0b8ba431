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
    private let pool: SQLitePool

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
                    ON CONFLICT (issuer, id) DO NOTHING
                    """,
                arguments: arguments)
            if db.changesCount == 0 {
                throw StatusListError(.statusListExists, "a status list with id '\(list.id)' already exists")
            }
        }
    }

    public func statusList(issuer: String, id: String) async throws -> StatusListRecord? {
        try await SQLiteErrors.mappedAsync {
            try await pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT id, issuer, purpose, entry_count, allocation_key, allocated, bits, revision, created_at, updated_at
                        FROM status_lists WHERE issuer = ? AND id = ?
                        """),
                    arguments: [issuer, id]
                ).map(Self.record)
            }
        }
    }

    public func allocateStatusEntries(issuer: String, listID: String, count: Int) async throws -> Range<Int>? {
        guard count > 0 else { throw StorageError.invalidValue("an allocation needs a positive count, not \(count)") }
        return try await write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT allocated, entry_count FROM status_lists WHERE issuer = ? AND id = ?"),
                    arguments: [issuer, listID])
            else { throw StatusListError(.statusListNotFound, "there is no status list '\(listID)'") }
            let allocated: Int = try row.decode(atIndex: 0)
            let entryCount: Int = try row.decode(atIndex: 1)
            guard entryCount - allocated >= count else { return nil }
            try db.execute(
                sql: "UPDATE status_lists SET allocated = ? WHERE issuer = ? AND id = ?", arguments: [allocated + count, issuer, listID])
            return allocated..<allocated + count
        }
    }

    public func setStatusBit(issuer: String, listID: String, index: Int, to value: Bool, at date: Date) async throws -> Bool {
        let updatedAt = try StoredValues.microseconds(date, field: "date")
        return try await write { db in
            try Self.setBit(issuer: issuer, listID: listID, index: index, to: value, updatedAt: updatedAt, in: db)
        }
    }

    public func savePublishedStatusList(issuer: String, listID: String, _ published: PublishedStatusList) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE status_lists SET published = ?, published_revision = ?
                    WHERE issuer = ? AND id = ? AND (published_revision IS NULL OR published_revision < ?)
                    """,
                arguments: [Data(published.document), published.revision, issuer, listID, published.revision])
        }
    }

    public func statusListPublication(issuer: String, listID: String) async throws -> StatusListPublication? {
        try await SQLiteErrors.mappedAsync {
            try await pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT revision, published_revision, published FROM status_lists WHERE issuer = ? AND id = ?"),
                    arguments: [issuer, listID]
                ).map { row in
                    let published: PublishedStatusList? =
                        if let revision: Int = try row.decode(atIndex: 1), let document: Data = try row.decode(atIndex: 2) {
                            PublishedStatusList(revision: revision, document: [UInt8](document))
                        } else {
                            nil
                        }
                    return StatusListPublication(currentRevision: try row.decode(atIndex: 0), published: published)
                }
            }
        }
    }

    public func unpublishedStatusLists() async throws -> [(issuer: String, id: String)] {
        try await SQLiteErrors.mappedAsync {
            try await pool.read { db in
                try Row.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT issuer, id FROM status_lists WHERE published_revision IS NULL OR published_revision < revision ORDER BY issuer, id")
                ).map { (issuer: try $0.decode(atIndex: 0), id: try $0.decode(atIndex: 1)) }
            }
        }
    }

    /// Sets or clears one bit inside the caller's transaction (the revision moves only on a change);
    /// returns the bit's previous value.
    static func setBit(issuer: String, listID: String, index: Int, to value: Bool, updatedAt: Int64, in db: Database) throws -> Bool {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT bits, entry_count FROM status_lists WHERE issuer = ? AND id = ?"), arguments: [issuer, listID])
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
            sql: "UPDATE status_lists SET bits = ?, revision = revision + 1, updated_at = ? WHERE issuer = ? AND id = ?",
            arguments: [Data(bits), updatedAt, issuer, listID])
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
