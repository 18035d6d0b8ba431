import EPCIS
import Foundation
import NIOCore
import PostgresNIO

/// Query subscriptions and their outbox in PostgreSQL (see `QuerySubscriptionRepository`). Moving a
/// subscription on is one conditional update, so of two instances that ran the same round only one
/// queues its document.
extension PostgresStore {
    public func saveSubscription(_ subscription: QuerySubscription, cursor: Int64, nextRunAt: Date?) async throws {
        let createdAt = try StoredValues.microseconds(subscription.createdAt, field: "createdAt")
        let next = try nextRunAt.map { try StoredValues.microseconds($0, field: "nextRunAt") }
        try await execute(
            """
            INSERT INTO epcis_subscriptions (id, owner, query_name, created_at, subscription, cursor, next_run_at)
            VALUES (\(subscription.id), \(subscription.owner), \(subscription.queryName), \(createdAt),
                    \(ByteBuffer(data: try StoredValues.json(subscription))), \(cursor), \(next))
            """)
    }

    public func subscription(id: String, queryName: String, owner: String) async throws -> SubscriptionState? {
        try await fetch(
            """
            SELECT subscription, cursor, next_run_at, last_notified_at FROM epcis_subscriptions
            WHERE id = \(id) AND query_name = \(queryName) AND owner = \(owner)
            """, Self.subscriptionState
        ).first
    }

    public func subscriptions(queryName: String, owner: String, limit: Int) async throws -> [SubscriptionState] {
        try StoredValues.checkLimit(limit)
        return try await fetch(
            """
            SELECT subscription, cursor, next_run_at, last_notified_at FROM epcis_subscriptions
            WHERE owner = \(owner) AND query_name = \(queryName) ORDER BY created_at, id LIMIT \(limit)
            """, Self.subscriptionState)
    }

    public func deleteSubscription(id: String, queryName: String, owner: String) async throws -> Bool {
        try await !fetch(
            "DELETE FROM epcis_subscriptions WHERE id = \(id) AND query_name = \(queryName) AND owner = \(owner) RETURNING id"
        ) { try $0.decode(String.self) }.isEmpty
    }

    public func allSubscriptions(limit: Int) async throws -> [SubscriptionState] {
        try StoredValues.checkLimit(limit)
        return try await fetch(
            "SELECT subscription, cursor, next_run_at, last_notified_at FROM epcis_subscriptions ORDER BY created_at, id LIMIT \(limit)",
            Self.subscriptionState)
    }

    public func advanceSubscription(
        id: String, from cursor: Int64, nextRunAt: Date?, to newCursor: Int64, newNextRunAt: Date?, document: [UInt8]?, at date: Date
    ) async throws -> Bool {
        let current = try nextRunAt.map { try StoredValues.microseconds($0, field: "nextRunAt") }
        let next = try newNextRunAt.map { try StoredValues.microseconds($0, field: "nextRunAt") }
        let queuedAt = try StoredValues.microseconds(date, field: "date")
        return try await withTransaction { connection in
            let moved = try await self.fetch(
                """
                UPDATE epcis_subscriptions SET cursor = \(newCursor), next_run_at = \(next)
                WHERE id = \(id) AND cursor = \(cursor) AND next_run_at IS NOT DISTINCT FROM \(current)::bigint
                RETURNING id
                """, on: connection
            ) { try $0.decode(String.self) }
            guard !moved.isEmpty else { return false }
            if let document {
                try await self.run(
                    """
                    INSERT INTO epcis_subscription_outbox (subscription_id, body, attempts, next_attempt_at)
                    VALUES (\(id), \(ByteBuffer(bytes: document)), 0, \(queuedAt))
                    """, on: connection)
            }
            return true
        }
    }

    public func dueDeliveries(now: Date, limit: Int) async throws -> [QueuedDelivery] {
        try StoredValues.checkLimit(limit)
        let current = try StoredValues.microseconds(now, field: "now")
        return try await fetch(
            """
            SELECT o.id, s.subscription, o.body, o.attempts, o.next_attempt_at
            FROM epcis_subscription_outbox o JOIN epcis_subscriptions s ON s.id = o.subscription_id
            WHERE o.id = (SELECT MIN(id) FROM epcis_subscription_outbox WHERE subscription_id = o.subscription_id)
              AND o.next_attempt_at <= \(current)
            ORDER BY o.next_attempt_at, o.id LIMIT \(limit)
            """
        ) { row in
            let (id, subscription, body, attempts, nextAttemptAt) = try row.decode((Int64, ByteBuffer, ByteBuffer, Int32, Int64).self)
            return QueuedDelivery(
                id: id, subscription: try StoredValues.decoded(QuerySubscription.self, from: Data(subscription.readableBytesView), what: "query subscription"), body: Array(body.readableBytesView),
                attempts: Int(attempts), nextAttemptAt: StoredValues.date(microseconds: nextAttemptAt))
        }
    }

    public func deliverySucceeded(_ deliveryID: Int64, subscriptionID: String, at date: Date) async throws {
        let notified = try StoredValues.microseconds(date, field: "date")
        try await withTransaction { connection in
            try await self.run("DELETE FROM epcis_subscription_outbox WHERE id = \(deliveryID)", on: connection)
            try await self.run("UPDATE epcis_subscriptions SET last_notified_at = \(notified) WHERE id = \(subscriptionID)", on: connection)
        }
    }

    public func deliveryFailed(_ deliveryID: Int64, nextAttemptAt: Date) async throws {
        let next = try StoredValues.microseconds(nextAttemptAt, field: "nextAttemptAt")
        try await execute("UPDATE epcis_subscription_outbox SET attempts = attempts + 1, next_attempt_at = \(next) WHERE id = \(deliveryID)")
    }

    public func latestEventSequence() async throws -> Int64 {
        try await fetch("SELECT COALESCE(MAX(sequence), 0)::bigint FROM epcis_events") { try $0.decode(Int64.self) }.first ?? 0
    }

    private static func subscriptionState(_ row: PostgresRow) throws -> SubscriptionState {
        let (subscription, cursor, nextRunAt, lastNotifiedAt) = try row.decode((ByteBuffer, Int64, Int64?, Int64?).self)
        return SubscriptionState(
            subscription: try StoredValues.decoded(QuerySubscription.self, from: Data(subscription.readableBytesView), what: "query subscription"), cursor: cursor,
            nextRunAt: nextRunAt.map(StoredValues.date(microseconds:)), lastNotifiedAt: lastNotifiedAt.map(StoredValues.date(microseconds:)))
    }
}
