import Credentials
import EPCIS
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// The transaction-scoped advisory lock that orders captures (`EPCI` in ASCII).
    static let eventSequenceLock: Int64 = 0x4550_4349

    /// Writes every row of the capture with one statement per table (arrays unnested), in one transaction.
    public func saveEvents(_ events: [(record: EventRecord, credential: StoredCredential)]) async throws {
        guard !events.isEmpty else { return }
        try await withTransaction { connection in try await self.insertEvents(events, on: connection) }
    }

    /// Writes every row of the capture with one statement per table (arrays unnested), inside the
    /// caller's transaction.
    func insertEvents(_ events: [(record: EventRecord, credential: StoredCredential)], on connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        // Captures take turns from here to their commit, so event sequences are handed out in commit
        // order: a subscription that has seen sequence n never sees a later commit below n.
        try await run("SELECT pg_advisory_xact_lock(\(Self.eventSequenceLock))", on: connection)
        // Absent subjects and business steps travel as "" (never a valid value) and are stored as NULL.
        var ids: [String] = [], issuers: [String] = [], types: [String] = [], subjects: [String] = []
        var issued: [Int64] = [], documents: [ByteBuffer] = []
        var eventIDs: [String] = [], eventTypes: [String] = [], steps: [String] = [], times: [Int64] = []
        var identifierValues: [String] = [], identifierRoles: [String] = [], identifierEvents: [String] = []
        var linkFrom: [String] = [], linkTo: [String] = []
        for (record, stored) in events {
            ids.append(stored.id)
            issuers.append(stored.issuer)
            types.append(String(decoding: try JSONEncoder().encode(stored.types), as: UTF8.self))
            subjects.append(stored.subject ?? "")
            issued.append(try StoredValues.microseconds(stored.issuedAt, field: "issuedAt"))
            documents.append(ByteBuffer(bytes: stored.document))
            eventIDs.append(record.eventID)
            eventTypes.append(record.eventType)
            steps.append(record.bizStep ?? "")
            times.append(try StoredValues.microseconds(record.eventTime, field: "eventTime"))
            for item in Set(record.identifiers) {
                identifierValues.append(item.value)
                identifierRoles.append(item.role.rawValue)
                identifierEvents.append(record.credentialID)
            }
            for predecessor in Set(record.predecessors) {
                linkFrom.append(record.credentialID)
                linkTo.append(predecessor)
            }
        }
        let inserted = try await connection.query(
            """
            INSERT INTO credentials (id, issuer, types, subject, issued_at, document)
            SELECT id, issuer, ARRAY(SELECT json_array_elements_text(types::json)), NULLIF(subject, ''), issued_at, document
            FROM UNNEST(\(ids)::text[], \(issuers)::text[], \(types)::text[], \(subjects)::text[],
                        \(issued)::bigint[], \(documents)::bytea[])
                AS t (id, issuer, types, subject, issued_at, document)
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """, logger: self.logger)
        var written: Set<String> = []
        for try await row in inserted { written.insert(try row.decode(String.self)) }
        if let existing = ids.first(where: { !written.contains($0) }) {
            throw StorageError.credentialExists(id: existing)
        }
        try await self.run(
            """
            INSERT INTO epcis_events (credential_id, event_id, event_type, biz_step, event_time)
            SELECT a, b, c, NULLIF(d, ''), e
            FROM UNNEST(\(ids)::text[], \(eventIDs)::text[], \(eventTypes)::text[], \(steps)::text[],
                        \(times)::bigint[]) WITH ORDINALITY AS t (a, b, c, d, e, n)
            ORDER BY n
            """, on: connection)
        try await self.run(
            """
            INSERT INTO epcis_identifiers (identifier, role, credential_id)
            SELECT * FROM UNNEST(\(identifierValues)::text[], \(identifierRoles)::text[], \(identifierEvents)::text[])
            ON CONFLICT DO NOTHING
            """, on: connection)
        try await self.run(
            """
            INSERT INTO epcis_links (credential_id, predecessor_id)
            SELECT * FROM UNNEST(\(linkFrom)::text[], \(linkTo)::text[])
            ON CONFLICT DO NOTHING
            """, on: connection)
    }

    public func eventRecords(_ query: EventQuery) async throws -> [EventRecord] {
        try StoredValues.checkLimit(query.limit)
        return try await fetch(
            """
            SELECT credential_id, event_id, event_type, biz_step, event_time FROM epcis_events
            WHERE (\(query.identifier)::text IS NULL OR credential_id IN
                      (SELECT credential_id FROM epcis_identifiers WHERE identifier = \(query.identifier)))
              AND (\(query.bizStep)::text IS NULL OR biz_step = \(query.bizStep))
              AND (\(query.eventType)::text IS NULL OR event_type = \(query.eventType))
            ORDER BY event_time, sequence LIMIT \(query.limit)
            """
        ) { row in
            let (credentialID, eventID, eventType, bizStep, eventTime) = try row.decode((String, String, String, String?, Int64).self)
            return EventRecord(
                credentialID: credentialID, eventID: eventID, eventType: eventType, bizStep: bizStep,
                eventTime: StoredValues.date(microseconds: eventTime), identifiers: [], predecessors: [])
        }
    }

    public func latestCredentials(mentioning identifiers: [String]) async throws -> [String: String] {
        let unique = Array(Set(identifiers))
        guard !unique.isEmpty else { return [:] }
        let rows = try await fetch(
            """
            SELECT DISTINCT ON (i.identifier) i.identifier, e.credential_id
            FROM epcis_identifiers i JOIN epcis_events e ON e.credential_id = i.credential_id
            WHERE i.identifier = ANY(\(unique)::text[])
            ORDER BY i.identifier, e.event_time DESC, e.sequence DESC
            """
        ) { try $0.decode((String, String).self) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    public func linkedIdentifiers(of identifier: String, direction: TraceDirection) async throws -> [String] {
        let (from, to) = EPCISSchema.roles(direction)
        return try await fetch(
            """
            SELECT DISTINCT o.identifier FROM epcis_identifiers i
            JOIN epcis_identifiers o ON o.credential_id = i.credential_id
            WHERE i.identifier = \(identifier)
              AND ((i.role = \(from[0]) AND o.role = \(to[0])) OR (i.role = \(from[1]) AND o.role = \(to[1])))
            ORDER BY o.identifier
            """
        ) { try $0.decode(String.self) }
    }
}
