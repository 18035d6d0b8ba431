import Synchronization

/// A token bucket: `burst` requests at once, refilled at `requestsPerMinute`.
public struct RateLimit: Sendable, Hashable {
    /// Sustained rate; at least 1.
    public var requestsPerMinute: Int
    /// How many requests a client with a full bucket may make at once; at least 1.
    public var burst: Int

    public init(requestsPerMinute: Int, burst: Int) {
        self.requestsPerMinute = max(1, requestsPerMinute)
        self.burst = max(1, burst)
    }
}

/// Limits how often each client may do something: one token bucket per client key (an address, an
/// account, a token id), each request taking one token. Memory is bounded: when `maximumClients`
/// buckets exist, the ones that have refilled completely are dropped (they are the same as no bucket),
/// and if that is not enough the least recently used quarter. Thread-safe.
///
/// ```swift
/// let limiter = ClientRateLimiter(RateLimit(requestsPerMinute: 60, burst: 20))
/// if case .limited(let retryAfter) = limiter.admit("203.0.113.7", at: .now) { … }
/// ```
public final class ClientRateLimiter: Sendable {
    /// Whether a request may go ahead.
    public enum Decision: Sendable, Equatable {
        case admitted
        /// Refused; a token will be there after `retryAfter`.
        case limited(retryAfter: Duration)
    }

    public let limit: RateLimit
    /// The most clients tracked at once.
    public let maximumClients: Int

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex([String: Bucket]())

    public init(_ limit: RateLimit, maximumClients: Int = 10_000) {
        self.limit = limit
        self.maximumClients = max(1, maximumClients)
    }

    /// Takes a token from `client`'s bucket at `now`, if it has one.
    public func admit(_ client: String, at now: ContinuousClock.Instant = .now) -> Decision {
        buckets.withLock { buckets in
            var bucket: Bucket
            if let existing = buckets[client] {
                bucket = refilled(existing, at: now)
            } else {
                if buckets.count >= maximumClients { evict(from: &buckets, at: now) }
                bucket = Bucket(tokens: Double(limit.burst), updated: now)
            }
            defer { buckets[client] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return .admitted
            }
            return .limited(retryAfter: .seconds((1 - bucket.tokens) / perSecond))
        }
    }

    /// Whether `client` has a token at `now`, without taking it.
    public func check(_ client: String, at now: ContinuousClock.Instant = .now) -> Decision {
        buckets.withLock { buckets in
            guard let existing = buckets[client] else { return .admitted }
            let bucket = refilled(existing, at: now)
            return bucket.tokens >= 1 ? .admitted : .limited(retryAfter: .seconds((1 - bucket.tokens) / perSecond))
        }
    }

    /// How many clients have a bucket.
    public var trackedClients: Int { buckets.withLock { $0.count } }

    private var perSecond: Double { Double(limit.requestsPerMinute) / 60 }

    private func refilled(_ bucket: Bucket, at now: ContinuousClock.Instant) -> Bucket {
        guard now > bucket.updated else { return bucket }
        let elapsed = bucket.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Bucket(tokens: min(Double(limit.burst), bucket.tokens + seconds * perSecond), updated: now)
    }

    private func evict(from buckets: inout [String: Bucket], at now: ContinuousClock.Instant) {
        buckets = buckets.filter { refilled($0.value, at: now).tokens < Double(limit.burst) }
        guard buckets.count >= maximumClients else { return }
        let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(max(1, buckets.count / 4))
        for (client, _) in oldest { buckets.removeValue(forKey: client) }
    }
}
