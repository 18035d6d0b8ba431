import Foundation
import Passport
import PostgresNIO

/// Leases and incorporation plans in PostgreSQL. Taking a lease is one upsert whose condition sees the
/// row as it is, so of two instances only one gets it.
extension PostgresStore {
    public func acquireLease(_ name: String, holder: String, expiresAt: Date, now: Date) async throws -> Bool {
        let (expiry, current) = (try StoredValues.microseconds(expiresAt, field: "expiresAt"), try StoredValues.microseconds(now, field: "now"))
        let rows = try await fetch(
            """
            INSERT INTO leases (name, holder, expires_at) VALUES (\(name), \(holder), \(expiry))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at <= \(current)
            RETURNING holder
            """
        ) { try $0.decode(String.self) }
        return !rows.isEmpty
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await execute("DELETE FROM leases WHERE name = \(name) AND holder = \(holder)")
    }

    public func incorporationPlan(operator operatorID: String) async throws -> [UInt8]? {
        try await fetch("SELECT plan FROM incorporation_plans WHERE operator_id = \(operatorID)") {
            Array(try $0.decode(ByteBuffer.self).readableBytesView)
        }.first
    }

    public func saveIncorporationPlan(_ plan: [UInt8], operator operatorID: String) async throws {
        try await execute(
            """
            INSERT INTO incorporation_plans (operator_id, plan) VALUES (\(operatorID), \(ByteBuffer(bytes: plan)))
            ON CONFLICT (operator_id) DO UPDATE SET plan = excluded.plan
            """)
    }

    public func removeIncorporationPlan(operator operatorID: String) async throws {
        try await execute("DELETE FROM incorporation_plans WHERE operator_id = \(operatorID)")
    }
}
