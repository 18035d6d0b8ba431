import Credentials
import Crypto
import EPCIS
import Encoding
import Foundation
import Identity
import Logging
import Passport
import ServiceLifecycle
import Storage

/// How the webhook deliveries of EPCIS query subscriptions are paced.
public struct SubscriptionDeliverySettings: Sendable {
    /// How often the delivering instance looks for new events and due deliveries (and at once after a
    /// capture on this instance).
    public var pollInterval: Duration = .milliseconds(250)
    /// The wait before the first retry of a failed delivery; it doubles with each failure, up to `maximumRetryDelay`.
    public var firstRetryDelay: Duration = .seconds(1)
    public var maximumRetryDelay: Duration = .seconds(600)
    /// How long one delivery may take: connecting, sending and the receiver's answer.
    public var requestTimeout: Duration = .seconds(10)
    /// How long the delivering instance's lease lasts unless renewed (renewed every third of it); when
    /// that instance dies, another takes over once it ran out.
    public var leaseDuration: Duration = .seconds(10)

    public init() {}
}

/// Delivers EPCIS query subscriptions to their webhooks, at least once and in order per subscription.
///
/// One instance at a time delivers (it holds the `epcis-subscriptions` lease in the shared database,
/// taken only while subscriptions exist).
/// Each round it moves every stream subscription over the events captured since its cursor, and every
/// scheduled subscription whose time came: the matching events it may see (its token's operators')
/// become EPCISQueryDocuments of at most ``eventsPerDocument`` events, queued in the subscription's
/// outbox in the same transaction that moves its cursor. Then the first queued document of each
/// subscription that is due is POSTed to `dest`, signed (`GS1-Signature`); a 2xx answer removes it,
/// anything else (another status, no answer) counts a failed attempt and waits twice as long as the
/// last time before the next. The outbox is in the database, so a restart or a kill loses nothing;
/// a document whose success was not yet recorded is sent again.
public final class SubscriptionDelivery: Sendable {
    /// The most events one delivered document holds.
    public static let eventsPerDocument = 100
    /// The most subscriptions one instance serves.
    public static let maxSubscriptions = 10_000
    /// The header that carries a delivery's signature (the binding's `GS1-Signature`).
    public static let signatureHeader = "GS1-Signature"

    let store: any VoltpassStore
    let fetcher: OutboundFetcher
    let settings: SubscriptionDeliverySettings
    let lease: Lease
    let now: @Sendable () -> Date
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Wakes this instance's WebSocket subscriptions after each capture here.
    let captures = CaptureSignal()

    init(store: any VoltpassStore, access: OutboundAccess, settings: SubscriptionDeliverySettings, holder: String, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.fetcher = OutboundFetcher(access: access)
        self.settings = settings
        self.lease = Lease(name: "epcis-subscriptions", holder: holder, duration: settings.leaseDuration, repository: store, now: now)
        self.now = now
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Tells the deliverer that events were captured here, so stream subscriptions get them at once.
    func eventsCaptured() {
        wake.yield()
        captures.ringAll()
    }

    /// `sha256=` and the lowercase hex HMAC-SHA256 of `body` keyed with the UTF-8 bytes of `signatureToken`:
    /// the `GS1-Signature` a receiver recomputes over the exact body it got.
    public static func signature(of body: [UInt8], signatureToken: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(signatureToken.utf8)))
        return "sha256=" + Hex.encode(Array(mac))
    }

    /// Runs rounds until the task is cancelled: after each poll interval and after each local capture.
    func run(logger: Logger) async {
        let ticker = Task { [wake, settings] in
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.pollInterval)
                wake.yield()
            }
        }
        defer { ticker.cancel() }
        let clock = ContinuousClock()
        var leading = false
        var lastClaim: ContinuousClock.Instant?
        for await _ in wakeups {
            if Task.isCancelled { break }
            do {
                // Without subscriptions there is nothing to deliver: no lease is taken (or kept).
                guard try await !store.allSubscriptions(limit: 1).isEmpty else {
                    if leading { try await lease.release() }
                    (leading, lastClaim) = (false, nil)
                    continue
                }
                // The leader renews every third of the lease; the others look again every half of it.
                let every = leading ? settings.leaseDuration / 3 : settings.leaseDuration / 2
                if lastClaim.map({ $0.duration(to: clock.now) >= every }) ?? true {
                    lastClaim = clock.now
                    leading = try await lease.acquire()
                }
                guard leading else { continue }
                try await matchSubscriptions(logger: logger)
                await deliverDue(logger: logger)
            } catch {
                logger.error("EPCIS subscription round failed", metadata: ["error": "\(error)"])
            }
        }
        if leading { try? await lease.release() }
    }

    // MARK: - Matching

    /// Moves every subscription with work to do over the events captured since its cursor.
    func matchSubscriptions(logger: Logger) async throws {
        let states = try await store.allSubscriptions(limit: Self.maxSubscriptions)
        guard !states.isEmpty else { return }
        let latest = try await store.latestEventSequence()
        let tokens = Dictionary(try await store.tokens().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let date = now()
        for state in states {
            let subscription = state.subscription
            // A revoked or expired token's subscriptions deliver nothing.
            guard let token = tokens[subscription.tokenID], token.isLive(at: date) else { continue }
            do {
                switch subscription.trigger {
                case .stream:
                    guard latest > state.cursor else { continue }
                    _ = try await advance(state, nextRunAt: nil)
                case .schedule(let schedule):
                    guard let due = state.nextRunAt, due <= date else { continue }
                    let (cursor, delivered) = try await advance(state, nextRunAt: due)
                    let empty = !delivered && subscription.reportIfEmpty ? try await document(for: subscription, events: []) : nil
                    _ = try await store.advanceSubscription(
                        id: subscription.id, from: cursor, nextRunAt: due, to: cursor, newNextRunAt: schedule.next(after: date), document: empty,
                        at: now())
                }
            } catch {
                logger.error("EPCIS subscription could not be matched", metadata: ["subscription": "\(subscription.id)", "error": "\(error)"])
            }
        }
    }

    /// Queues documents of the new matching events until the subscription's cursor reaches the newest
    /// event; the cursor it reached and whether any document was queued.
    private func advance(_ state: SubscriptionState, nextRunAt: Date?) async throws -> (cursor: Int64, queued: Bool) {
        let subscription = state.subscription
        guard let named = try await store.namedQuery(name: subscription.queryName, owner: subscription.owner) else { return (state.cursor, false) }
        var query = try EPCISEventQuery(parameters: try NamedQuery.parameters(of: named.query))
        try await query.resolveMasterData(from: store, operators: subscription.issuers)
        var cursor = state.cursor
        var queued = false
        while true {
            let (events, reached) = try await Self.newEvents(
                in: store, query: query, issuers: subscription.issuers, since: subscription.initialRecordTime, after: cursor,
                limit: Self.eventsPerDocument)
            guard reached > cursor else { break }
            let document = events.isEmpty ? nil : try await document(for: subscription, events: events)
            guard
                try await store.advanceSubscription(
                    id: subscription.id, from: cursor, nextRunAt: nextRunAt, to: reached, newNextRunAt: nextRunAt, document: document, at: now())
            else { break }
            cursor = reached
            queued = queued || document != nil
        }
        return (cursor, queued)
    }

    private func document(for subscription: QuerySubscription, events: [CarriedEvent]) async throws -> [UInt8] {
        JSONValue.object(
            EPCISRoutes.queryDocument(events, queryName: subscription.queryName, subscriptionID: subscription.id, creationDate: now())
        ).serialized()
    }

    /// The events after `cursor` (a store sequence), recorded at `since` or later, signed by `issuers`
    /// (only their public ones when `publicOnly`), that `query` matches, at most `limit`, oldest
    /// first; and the sequence the scan reached (the cursor to go on from).
    static func newEvents(
        in store: any VoltpassStore, query: EPCISEventQuery, issuers: [String], publicOnly: Bool = false, since: Date, after cursor: Int64,
        limit: Int
    ) async throws -> (events: [CarriedEvent], cursor: Int64) {
        let batch = 500
        var found: [CarriedEvent] = []
        var position = cursor
        scanning: while found.count < limit {
            let rows = try await store.scanEvents(
                EventScan(
                    issuers: issuers, identifier: query.indexedIdentifier, eventType: query.indexedEventType, order: .recordTime,
                    after: EventPosition(eventTime: 0, sequence: position), limit: batch))
            for row in rows {
                position = row.position.sequence
                guard row.recordTime >= since else { continue }
                let carried = try EventCredentialMapping.event(from: Credential(parsing: row.document))
                guard query.matches(carried.event, eventID: carried.eventID, recordTime: row.recordTime),
                    !publicOnly || EventVisibility.isPublic(carried.event)
                else { continue }
                found.append(carried)
                if found.count == limit { break scanning }
            }
            if rows.count < batch { break }
        }
        return (found, position)
    }

    // MARK: - Delivering

    /// POSTs the first due document of each subscription, all at once.
    func deliverDue(logger: Logger) async {
        let due: [(delivery: QueuedDelivery, tokenLive: Bool)]
        do {
            let tokens = Dictionary(try await store.tokens().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            due = try await store.dueDeliveries(now: now(), limit: 32).map { ($0, tokens[$0.subscription.tokenID]?.isLive(at: now()) ?? false) }
        } catch {
            logger.error("EPCIS subscription deliveries could not be read", metadata: ["error": "\(error)"])
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for (delivery, live) in due { group.addTask { await self.deliver(delivery, tokenLive: live, logger: logger) } }
        }
    }


    private func deliver(_ delivery: QueuedDelivery, tokenLive: Bool, logger: Logger) async {
        var status: Int?
        if tokenLive, let url = URL(string: delivery.subscription.dest) {
            var headers: [(name: String, value: String)] = [
                ("Content-Type", "application/json"), ("GS1-EPCIS-Version", EPCISBindingMiddleware.epcisVersion),
                ("GS1-CBV-Version", EPCISBindingMiddleware.cbvVersion), ("GS1-EPC-Format", "Never_Translates"),
            ]
            if let secret = delivery.subscription.signatureToken {
                headers.append((Self.signatureHeader, Self.signature(of: delivery.body, signatureToken: secret)))
            }
            status = try? await fetcher.post(url, body: delivery.body, headers: headers, timeout: settings.requestTimeout)
        }
        do {
            if let status, (200..<300).contains(status) {
                try await store.deliverySucceeded(delivery.id, subscriptionID: delivery.subscription.id, at: now())
                return
            }
            let wait = tokenLive ? retryDelay(afterFailures: delivery.attempts + 1) : settings.maximumRetryDelay
            try await store.deliveryFailed(delivery.id, nextAttemptAt: now().addingTimeInterval(wait.seconds))
            logger.notice(
                "EPCIS subscription delivery failed; it will be retried",
                metadata: [
                    "subscription": "\(delivery.subscription.id)", "status": "\(status.map(String.init) ?? "no answer")",
                    "attempts": "\(delivery.attempts + 1)",
                ])
        } catch {
            logger.error("EPCIS subscription delivery could not be recorded", metadata: ["error": "\(error)"])
        }
    }

    /// The wait after `failures` failed attempts: the first retry delay, doubled for each further failure, capped.
    func retryDelay(afterFailures failures: Int) -> Duration {
        var delay = settings.firstRetryDelay
        for _ in 1..<max(failures, 1) {
            delay *= 2
            if delay >= settings.maximumRetryDelay { return settings.maximumRetryDelay }
        }
        return min(delay, settings.maximumRetryDelay)
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Runs the subscription deliverer of an instance until graceful shutdown, then gives up its lease.
struct SubscriptionDeliveryService: Service {
    let delivery: SubscriptionDelivery
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await delivery.run(logger: logger) }
    }
}
