import EPCIS
import Encoding
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStore {
    public func saveCaptureJob(_ job: CaptureJob) async throws {
        try await execute(try Self.insertCaptureJob(job))
    }

    public func captureJob(id: String, operator operatorDID: String) async throws -> CaptureJob? {
        try await fetch("SELECT job FROM epcis_capture_jobs WHERE id = \(id) AND operator = \(operatorDID)") {
            try StoredValues.decoded(CaptureJob.self, from: Data(try $0.decode(ByteBuffer.self).readableBytesView), what: "capture job")
        }.first
    }

    public func captureJobs(operator operatorDID: String, after position: CaptureJobPosition?, limit: Int) async throws -> [CaptureJob] {
        try StoredValues.checkLimit(limit)
        return try await fetch(
            """
            SELECT job FROM epcis_capture_jobs
            WHERE operator = \(operatorDID)
              AND (\(position?.createdAt)::bigint IS NULL OR created_at < \(position?.createdAt)
                   OR (created_at = \(position?.createdAt) AND id < \(position?.id)))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        ) { try StoredValues.decoded(CaptureJob.self, from: Data(try $0.decode(ByteBuffer.self).readableBytesView), what: "capture job") }
    }

    /// The statement that inserts (or replaces) a capture job.
    static func insertCaptureJob(_ job: CaptureJob) throws -> PostgresQuery {
        let createdAt = try StoredValues.microseconds(job.createdAt, field: "createdAt")
        return """
            INSERT INTO epcis_capture_jobs (id, operator, created_at, job)
            VALUES (\(job.id), \(job.operatorDID), \(createdAt), \(ByteBuffer(data: try StoredValues.json(job))))
            ON CONFLICT (id) DO UPDATE SET job = EXCLUDED.job
            """
    }

    public func scanEvents(_ scan: EventScan) async throws -> [ScannedEvent] {
        try StoredValues.checkLimit(scan.limit)
        guard !scan.issuers.isEmpty else { return [] }
        let comparison = scan.descending ? "<" : ">"
        let direction = scan.descending ? "DESC" : "ASC"
        let byEventTime = scan.order == .eventTime
        let order = byEventTime ? "e.event_time \(direction), e.sequence \(direction)" : "e.sequence \(direction)"
        let afterTime = byEventTime ? scan.after?.eventTime : nil
        let afterSequence = scan.after?.sequence
        return try await fetch(
            """
            SELECT e.event_time, e.sequence, e.credential_id, c.issued_at, c.document
            FROM epcis_events e JOIN credentials c ON c.id = e.credential_id
            WHERE c.issuer = ANY(\(scan.issuers)::text[])
              AND (\(scan.identifier)::text IS NULL OR e.credential_id IN
                      (SELECT credential_id FROM epcis_identifiers WHERE identifier = \(scan.identifier)))
              AND (\(scan.bizStep)::text IS NULL OR e.biz_step = \(scan.bizStep))
              AND (\(scan.eventType)::text IS NULL OR e.event_type = \(scan.eventType))
              AND (\(afterSequence)::bigint IS NULL
                   OR (\(afterTime)::bigint IS NULL AND e.sequence \(unescaped: comparison) \(afterSequence))
                   OR e.event_time \(unescaped: comparison) \(afterTime)
                   OR (e.event_time = \(afterTime) AND e.sequence \(unescaped: comparison) \(afterSequence)))
            ORDER BY \(unescaped: order) LIMIT \(scan.limit)
            """
        ) { row in
            let (eventTime, sequence, credentialID, issuedAt, document) = try row.decode((Int64, Int64, String, Int64, ByteBuffer).self)
            return ScannedEvent(
                position: EventPosition(eventTime: eventTime, sequence: sequence), credentialID: credentialID,
                recordTime: StoredValues.date(microseconds: issuedAt), document: Array(document.readableBytesView))
        }
    }
}

extension PostgresStore {
    public func saveNamedQuery(_ query: NamedQuery) async throws {
        let createdAt = try StoredValues.microseconds(query.createdAt, field: "createdAt")
        let inserted = try await fetch(
            """
            INSERT INTO epcis_named_queries (owner, name, query, created_at)
            VALUES (\(query.owner), \(query.name), \(ByteBuffer(bytes: JSONValue.object(query.query).serialized())), \(createdAt))
            ON CONFLICT DO NOTHING RETURNING name
            """
        ) { try $0.decode(String.self) }
        if inserted.isEmpty { throw NamedQueryError.exists(query.name) }
    }

    public func namedQuery(name: String, owner: String) async throws -> NamedQuery? {
        try await fetch("SELECT name, query, created_at FROM epcis_named_queries WHERE owner = \(owner) AND name = \(name)") {
            try Self.namedQuery($0, owner: owner)
        }.first
    }

    public func namedQueries(owner: String, limit: Int) async throws -> [NamedQuery] {
        try StoredValues.checkLimit(limit)
        return try await fetch("SELECT name, query, created_at FROM epcis_named_queries WHERE owner = \(owner) ORDER BY name LIMIT \(limit)") {
            try Self.namedQuery($0, owner: owner)
        }
    }

    public func deleteNamedQuery(name: String, owner: String) async throws -> Bool {
        try await !fetch("DELETE FROM epcis_named_queries WHERE owner = \(owner) AND name = \(name) RETURNING name") {
            try $0.decode(String.self)
        }.isEmpty
    }

    private static func namedQuery(_ row: PostgresRow, owner: String) throws -> NamedQuery {
        let (name, query, createdAt) = try row.decode((String, ByteBuffer, Int64).self)
        return NamedQuery(
            name: name, owner: owner, query: try StoredValues.namedQueryObject(Data(query.readableBytesView)),
            createdAt: StoredValues.date(microseconds: createdAt))
    }
}
