import Credentials
import Foundation
import PostgresNIO

/// Single-use challenges in PostgreSQL: consuming is one DELETE … RETURNING, so two instances never accept one challenge twice.
extension PostgresStore {
    public func saveChallenge(_ challenge: String, purpose: String, expiresAt: Date) async throws {
        let expiry = try StoredValues.microseconds(expiresAt, field: "expiresAt")
        _ = try await fetch(
            "INSERT INTO challenges (purpose, challenge, expires_at) VALUES (\(purpose), \(challenge), \(expiry)) RETURNING purpose"
        ) { try $0.decode(String.self) }
    }

    public func consumeChallenge(_ challenge: String, purpose: String, at date: Date) async throws -> Bool {
        let now = try StoredValues.microseconds(date, field: "date")
        // One statement: of two instances consuming at once, only one gets the row back.
        let expiries = try await fetch(
            "DELETE FROM challenges WHERE purpose = \(purpose) AND challenge = \(challenge) RETURNING expires_at"
        ) { try $0.decode(Int64.self) }
        return expiries.first.map { now < $0 } ?? false
    }

    public func deleteChallenges(expiredBefore date: Date) async throws {
        let now = try StoredValues.microseconds(date, field: "date")
        _ = try await fetch("DELETE FROM challenges WHERE expires_at <= \(now) RETURNING purpose") { try $0.decode(String.self) }
    }
}
