import Foundation
import GRDB
import Passport

/// Leases and incorporation plans in the SQLite database (see `LeaseRepository`, `IncorporationPlanRepository`).
extension SQLiteStore {
    public func acquireLease(_ name: String, holder: String, expiresAt: Date, now: Date) async throws -> Bool {
        let (expiry, current) = (try StoredValues.microseconds(expiresAt, field: "expiresAt"), try StoredValues.microseconds(now, field: "now"))
        return try await write { db in
            try String.fetchOne(
                db,
                sql: """
                    INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
                    RETURNING holder
                    """,
                arguments: [name, holder, expiry, current]) != nil
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, holder]) }
    }

    public func incorporationPlan(operator operatorID: String) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT plan FROM incorporation_plans WHERE operator_id = ?", arguments: [operatorID]).map { Array($0) }
        }
    }

    public func saveIncorporationPlan(_ plan: [UInt8], operator operatorID: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO incorporation_plans (operator_id, plan) VALUES (?, ?)
                    ON CONFLICT (operator_id) DO UPDATE SET plan = excluded.plan
                    """,
                arguments: [operatorID, Data(plan)])
        }
    }

    public func removeIncorporationPlan(operator operatorID: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM incorporation_plans WHERE operator_id = ?", arguments: [operatorID]) }
    }
}
