import Credentials
import EPCIS
import Foundation
import GRDB

extension SQLiteStore {
    public func saveEvents(_ events: [(record: EventRecord, credential: StoredCredential)]) async throws {
        let rows = try Self.eventRows(events)
        try await write { db in try Self.insertEvents(rows, in: db) }
    }

    /// An event's row values, dates and types encoded.
    typealias EventRow = (record: EventRecord, credential: StoredCredential, eventTime: Int64, issuedAt: Int64, types: String)

    static func eventRows(_ events: [(record: EventRecord, credential: StoredCredential)]) throws -> [EventRow] {
        try events.map { event in
            (
                event.record, event.credential,
                try StoredValues.microseconds(event.record.eventTime, field: "eventTime"),
                try StoredValues.microseconds(event.credential.issuedAt, field: "issuedAt"),
                String(decoding: try JSONEncoder().encode(event.credential.types), as: UTF8.self)
            )
        }
    }

    /// Inserts the events, their credentials, identifiers and links inside the caller's transaction.
    static func insertEvents(_ rows: [EventRow], in db: Database) throws {
        guard !rows.isEmpty else { return }
        var sequence = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM epcis_events") ?? 0
        let credential = try db.cachedStatement(
            sql: """
                INSERT INTO credentials (id, issuer, types, subject, issued_at, document) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """)
        let event = try db.cachedStatement(
            sql: """
                INSERT INTO epcis_events (credential_id, event_id, event_type, biz_step, event_time, sequence)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        let identifier = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO epcis_identifiers (identifier, role, credential_id) VALUES (?, ?, ?)")
        let link = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO epcis_links (credential_id, predecessor_id) VALUES (?, ?)")
        for (record, stored, eventTime, issuedAt, types) in rows {
            try credential.execute(arguments: [
                stored.id, stored.issuer, types, stored.subject, issuedAt, Data(stored.document),
            ])
            if db.changesCount == 0 { throw StorageError.credentialExists(id: stored.id) }
            sequence += 1
            try event.execute(arguments: [
                record.credentialID, record.eventID, record.eventType, record.bizStep, eventTime, sequence,
            ])
            for item in record.identifiers {
                try identifier.execute(arguments: [item.value, item.role.rawValue, record.credentialID])
            }
            for predecessor in record.predecessors {
                try link.execute(arguments: [record.credentialID, predecessor])
            }
        }
    }

    public func eventRecords(_ query: EventQuery) async throws -> [EventRecord] {
        try StoredValues.checkLimit(query.limit)
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let identifier = query.identifier {
            conditions.append("credential_id IN (SELECT credential_id FROM epcis_identifiers WHERE identifier = ?)")
            arguments += [identifier]
        }
        if let bizStep = query.bizStep {
            conditions.append("biz_step = ?")
            arguments += [bizStep]
        }
        if let eventType = query.eventType {
            conditions.append("event_type = ?")
            arguments += [eventType]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT credential_id, event_id, event_type, biz_step, event_time FROM epcis_events \(filter)
            ORDER BY event_time, sequence LIMIT \(query.limit)
            """
        let frozen = arguments
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: frozen).map { row in
                EventRecord(
                    credentialID: row[0], eventID: row[1], eventType: row[2], bizStep: row[3],
                    eventTime: StoredValues.date(microseconds: row[4]), identifiers: [], predecessors: [])
            }
        }
    }

    public func latestCredentials(mentioning identifiers: [String]) async throws -> [String: String] {
        try await read { db in
            let statement = try db.makeStatement(
                sql: """
                    SELECT e.credential_id FROM epcis_identifiers i JOIN epcis_events e ON e.credential_id = i.credential_id
                    WHERE i.identifier = ? ORDER BY e.event_time DESC, e.sequence DESC LIMIT 1
                    """)
            var latest: [String: String] = [:]
            for identifier in Set(identifiers) {
                if let id = try String.fetchOne(statement, arguments: [identifier]) { latest[identifier] = id }
            }
            return latest
        }
    }

    public func linkedIdentifiers(of identifier: String, direction: TraceDirection) async throws -> [String] {
        let (from, to) = EPCISSchema.roles(direction)
        return try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT o.identifier FROM epcis_identifiers i
                    JOIN epcis_identifiers o ON o.credential_id = i.credential_id
                    WHERE i.identifier = ? AND ((i.role = ? AND o.role = ?) OR (i.role = ? AND o.role = ?))
                    ORDER BY o.identifier
                    """,
                arguments: [identifier, from[0], to[0], from[1], to[1]])
        }
    }
}
