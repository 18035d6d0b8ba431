import Encoding
import Foundation

/// A subscription to a named query of the EPCIS 2.0 REST binding (`POST /queries/{name}/subscriptions`):
/// the query's results delivered to a webhook `dest` as EPCISQueryDocuments, either as events are
/// captured (`stream`) or on a cron-like `schedule`. A subscription delivers only events of the
/// operators of the token that created it (``issuers``), and only while that token is live.
public struct QuerySubscription: Sendable, Hashable, Codable {
    /// When results are delivered.
    public enum Trigger: Sendable, Hashable, Codable {
        /// Whenever newly captured events match the query.
        case stream
        /// At each time the schedule matches, with the events recorded since the previous run.
        case schedule(QuerySchedule)
    }

    public var id: String
    /// The named query it runs.
    public var queryName: String
    /// The named query's owner (see ``NamedQuery/owner``).
    public var owner: String
    /// The id of the bearer token that created it: deliveries stop while that token is revoked or expired.
    public var tokenID: String
    /// The DIDs whose events it may deliver: the creating token's operators.
    public var issuers: [String]
    /// The webhook URL results are POSTed to.
    public var dest: String
    /// The client's secret for the `GS1-Signature` of each delivery (HMAC-SHA256 over the body); never shown back.
    public var signatureToken: String?
    public var trigger: Trigger
    /// Whether a scheduled run with no new events still delivers an empty document.
    public var reportIfEmpty: Bool
    /// Events recorded before this time are never delivered.
    public var initialRecordTime: Date
    public var createdAt: Date

    public init(
        id: String, queryName: String, owner: String, tokenID: String, issuers: [String], dest: String, signatureToken: String?,
        trigger: Trigger, reportIfEmpty: Bool, initialRecordTime: Date, createdAt: Date
    ) {
        self.id = id
        self.queryName = queryName
        self.owner = owner
        self.tokenID = tokenID
        self.issuers = issuers
        self.dest = dest
        self.signatureToken = signatureToken
        self.trigger = trigger
        self.reportIfEmpty = reportIfEmpty
        self.initialRecordTime = initialRecordTime
        self.createdAt = createdAt
    }
}

/// A stored subscription with where its deliveries stand.
public struct SubscriptionState: Sendable, Hashable {
    public var subscription: QuerySubscription
    /// The store sequence of the last captured event the subscription has considered (0: none).
    public var cursor: Int64
    /// When a scheduled subscription runs next; nil for a stream.
    public var nextRunAt: Date?
    /// When a delivery last succeeded (the binding's `lastNotifiedAt`).
    public var lastNotifiedAt: Date?

    public init(subscription: QuerySubscription, cursor: Int64, nextRunAt: Date?, lastNotifiedAt: Date?) {
        self.subscription = subscription
        self.cursor = cursor
        self.nextRunAt = nextRunAt
        self.lastNotifiedAt = lastNotifiedAt
    }
}

/// One delivery waiting in a subscription's outbox: the document to POST, delivered at least once and
/// in order (a subscription's next delivery waits until the one before it succeeded).
public struct QueuedDelivery: Sendable, Hashable {
    /// The outbox row: increasing in the order deliveries were queued.
    public var id: Int64
    public var subscription: QuerySubscription
    /// The EPCISQueryDocument, serialized once: the bytes signed and sent on every attempt.
    public var body: [UInt8]
    /// Failed attempts so far.
    public var attempts: Int
    public var nextAttemptAt: Date

    public init(id: Int64, subscription: QuerySubscription, body: [UInt8], attempts: Int, nextAttemptAt: Date) {
        self.id = id
        self.subscription = subscription
        self.body = body
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
    }
}

/// Where subscriptions and their outbox are kept (both in the database the instances share).
public protocol QuerySubscriptionRepository: Sendable {
    /// Stores a new subscription whose deliveries start after the event `cursor`. Its named query must
    /// exist (deleting the query deletes its subscriptions and their outbox).
    func saveSubscription(_ subscription: QuerySubscription, cursor: Int64, nextRunAt: Date?) async throws
    /// The subscription `id` of the query `queryName` of `owner`; nil when there is none.
    func subscription(id: String, queryName: String, owner: String) async throws -> SubscriptionState?
    /// The subscriptions of one named query, oldest first, at most `limit`.
    func subscriptions(queryName: String, owner: String, limit: Int) async throws -> [SubscriptionState]
    /// Removes the subscription and its pending deliveries; false when there was none.
    func deleteSubscription(id: String, queryName: String, owner: String) async throws -> Bool
    /// Every subscription, oldest first, at most `limit`: what the delivering instance matches events for.
    func allSubscriptions(limit: Int) async throws -> [SubscriptionState]
    /// Moves the subscription from `cursor` (and `nextRunAt`) to `newCursor` and `newNextRunAt`, queueing
    /// `document` in its outbox in the same transaction; false, changing nothing, when the subscription
    /// is gone or no longer stands at `cursor` and `nextRunAt` (another run moved it).
    func advanceSubscription(
        id: String, from cursor: Int64, nextRunAt: Date?, to newCursor: Int64, newNextRunAt: Date?, document: [UInt8]?, at date: Date
    ) async throws -> Bool
    /// The first pending delivery of each subscription whose next attempt is due at `now`, at most `limit`.
    func dueDeliveries(now: Date, limit: Int) async throws -> [QueuedDelivery]
    /// Removes a delivered document from the outbox and records when its subscription was notified.
    func deliverySucceeded(_ deliveryID: Int64, subscriptionID: String, at date: Date) async throws
    /// Counts a failed attempt and sets when to try again.
    func deliveryFailed(_ deliveryID: Int64, nextAttemptAt: Date) async throws
    /// The sequence of the newest captured event (0 when there is none).
    func latestEventSequence() async throws -> Int64
}
