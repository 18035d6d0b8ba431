import EPCIS
import Foundation
import GRDB

/// Query subscriptions and their outbox in the SQLite database (see `QuerySubscriptionRepository`).
extension SQLiteStore {
    private static let subscriptionColumns = "subscription, cursor, next_run_at, last_notified_at"

    public func saveSubscription(_ subscription: QuerySubscription, cursor: Int64, nextRunAt: Date?) async throws {
        let arguments: StatementArguments = [
            subscription.id, subscription.owner, subscription.queryName, try StoredValues.microseconds(subscription.createdAt, field: "createdAt"),
            Data(try StoredValues.json(subscription)), cursor, try nextRunAt.map { try StoredValues.microseconds($0, field: "nextRunAt") },
        ]
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO epcis_subscriptions (id, owner, query_name, created_at, subscription, cursor, next_run_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: arguments)
        }
    }

    public func subscription(id: String, queryName: String, owner: String) async throws -> SubscriptionState? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.subscriptionColumns) FROM epcis_subscriptions WHERE id = ? AND query_name = ? AND owner = ?",
                arguments: [id, queryName, owner]
            ).map(Self.subscriptionState)
        }
    }

    public func subscriptions(queryName: String, owner: String, limit: Int) async throws -> [SubscriptionState] {
        try StoredValues.checkLimit(limit)
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.subscriptionColumns) FROM epcis_subscriptions WHERE owner = ? AND query_name = ?
                    ORDER BY created_at, id LIMIT \(limit)
                    """,
                arguments: [owner, queryName]
            ).map(Self.subscriptionState)
        }
    }

    public func deleteSubscription(id: String, queryName: String, owner: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM epcis_subscriptions WHERE id = ? AND query_name = ? AND owner = ?", arguments: [id, queryName, owner])
            return db.changesCount > 0
        }
    }

    public func allSubscriptions(limit: Int) async throws -> [SubscriptionState] {
        try StoredValues.checkLimit(limit)
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.subscriptionColumns) FROM epcis_subscriptions ORDER BY created_at, id LIMIT \(limit)")
                .map(Self.subscriptionState)
        }
    }

    public func advanceSubscription(
        id: String, from cursor: Int64, nextRunAt: Date?, to newCursor: Int64, newNextRunAt: Date?, document: [UInt8]?, at date: Date
    ) async throws -> Bool {
        let current = try nextRunAt.map { try StoredValues.microseconds($0, field: "nextRunAt") }
        let next = try newNextRunAt.map { try StoredValues.microseconds($0, field: "nextRunAt") }
        let queuedAt = try StoredValues.microseconds(date, field: "date")
        return try await write { db in
            try db.execute(
                sql: "UPDATE epcis_subscriptions SET cursor = ?, next_run_at = ? WHERE id = ? AND cursor = ? AND next_run_at IS ?",
                arguments: [newCursor, next, id, cursor, current])
            guard db.changesCount > 0 else { return false }
            if let document {
                try db.execute(
                    sql: "INSERT INTO epcis_subscription_outbox (subscription_id, body, attempts, next_attempt_at) VALUES (?, ?, 0, ?)",
                    arguments: [id, Data(document), queuedAt])
            }
            return true
        }
    }

    public func dueDeliveries(now: Date, limit: Int) async throws -> [QueuedDelivery] {
        try StoredValues.checkLimit(limit)
        let current = try StoredValues.microseconds(now, field: "now")
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.id, s.subscription, o.body, o.attempts, o.next_attempt_at
                    FROM epcis_subscription_outbox o JOIN epcis_subscriptions s ON s.id = o.subscription_id
                    WHERE o.id = (SELECT MIN(id) FROM epcis_subscription_outbox WHERE subscription_id = o.subscription_id)
                      AND o.next_attempt_at <= ?
                    ORDER BY o.next_attempt_at, o.id LIMIT \(limit)
                    """,
                arguments: [current]
            ).map { row in
                QueuedDelivery(
                    id: row[0], subscription: try StoredValues.decoded(QuerySubscription.self, from: row[1], what: "query subscription"), body: [UInt8](row[2] as Data), attempts: row[3],
                    nextAttemptAt: StoredValues.date(microseconds: row[4]))
            }
        }
    }

    public func deliverySucceeded(_ deliveryID: Int64, subscriptionID: String, at date: Date) async throws {
        let notified = try StoredValues.microseconds(date, field: "date")
        try await write { db in
            try db.execute(sql: "DELETE FROM epcis_subscription_outbox WHERE id = ?", arguments: [deliveryID])
            try db.execute(sql: "UPDATE epcis_subscriptions SET last_notified_at = ? WHERE id = ?", arguments: [notified, subscriptionID])
        }
    }

    public func deliveryFailed(_ deliveryID: Int64, nextAttemptAt: Date) async throws {
        let next = try StoredValues.microseconds(nextAttemptAt, field: "nextAttemptAt")
        try await write { db in
            try db.execute(
                sql: "UPDATE epcis_subscription_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?", arguments: [next, deliveryID])
        }
    }

    public func latestEventSequence() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM epcis_events") ?? 0 }
    }

    private static func subscriptionState(_ row: Row) throws -> SubscriptionState {
        let nextRunAt: Int64? = row[2]
        let lastNotifiedAt: Int64? = row[3]
        return SubscriptionState(
            subscription: try StoredValues.decoded(QuerySubscription.self, from: row[0], what: "query subscription"), cursor: row[1], nextRunAt: nextRunAt.map(StoredValues.date(microseconds:)),
            lastNotifiedAt: lastNotifiedAt.map(StoredValues.date(microseconds:)))
    }
}
