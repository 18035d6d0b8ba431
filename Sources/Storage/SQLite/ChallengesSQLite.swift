import Credentials
import Foundation
import GRDB

/// Single-use challenges in the SQLite database (see `ChallengeRepository`).
extension SQLiteStore {
    public func saveChallenge(_ challenge: String, purpose: String, expiresAt: Date) async throws {
        let expiry = try StoredValues.microseconds(expiresAt, field: "expiresAt")
        try await write { db in
            try db.execute(
                sql: "INSERT INTO challenges (purpose, challenge, expires_at) VALUES (?, ?, ?)", arguments: [purpose, challenge, expiry])
        }
    }

    public func consumeChallenge(_ challenge: String, purpose: String, at date: Date) async throws -> Bool {
        let now = try StoredValues.microseconds(date, field: "date")
        return try await write { db in
            let expiry = try Int64.fetchOne(
                db.cachedStatement(sql: "DELETE FROM challenges WHERE purpose = ? AND challenge = ? RETURNING expires_at"),
                arguments: [purpose, challenge])
            return expiry.map { now < $0 } ?? false
        }
    }

    public func deleteChallenges(expiredBefore date: Date) async throws {
        let now = try StoredValues.microseconds(date, field: "date")
        try await write { db in try db.execute(sql: "DELETE FROM challenges WHERE expires_at <= ?", arguments: [now]) }
    }
}
