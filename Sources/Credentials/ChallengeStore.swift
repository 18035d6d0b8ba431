import Encoding
import Foundation

/// Single-use challenges (replay protection): `issue()` hands one out, and `consume(_:)` accepts it
/// exactly once before it expires.
public protocol SingleUseChallenges: Sendable {
    /// A new challenge: 128 random bits, base64url.
    func issue() async throws -> String
    /// Uses up `challenge`: true the first time for a challenge issued here and not expired, false
    /// otherwise (replayed, expired or unknown).
    func consume(_ challenge: String) async throws -> Bool
}

/// Where challenges are kept so that every instance sharing a database accepts each one once.
public protocol ChallengeRepository: Sendable {
    /// Keeps a new challenge of `purpose` until `expiresAt`.
    func saveChallenge(_ challenge: String, purpose: String, expiresAt: Date) async throws
    /// Removes the challenge, atomically, and returns whether it was there and unexpired at `date`.
    func consumeChallenge(_ challenge: String, purpose: String, at date: Date) async throws -> Bool
    /// Forgets challenges that expired before `date`.
    func deleteChallenges(expiredBefore date: Date) async throws
}

/// Challenges kept in a ``ChallengeRepository``: single-use across every instance sharing it. Each
/// purpose (`presentation`, `diagnostics`) is its own namespace, so a challenge handed out for one
/// use cannot answer another.
public struct StoredChallenges: SingleUseChallenges {
    private let repository: any ChallengeRepository
    private let purpose: String
    private let timeToLive: TimeInterval
    private let now: @Sendable () -> Date

    public init(
        repository: any ChallengeRepository, purpose: String, timeToLive: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.repository = repository
        self.purpose = purpose
        self.timeToLive = Double(timeToLive.components.seconds) + Double(timeToLive.components.attoseconds) / 1e18
        self.now = now
    }

    public func issue() async throws -> String {
        let challenge = ChallengeStore.randomChallenge()
        let date = now()
        // One issue in 64, on average, sweeps the expired challenges, so the table stays about as large
        // as the challenges handed out in one time-to-live.
        if UInt8.random(in: 0..<64) == 0 { try await repository.deleteChallenges(expiredBefore: date) }
        try await repository.saveChallenge(challenge, purpose: purpose, expiresAt: date.addingTimeInterval(timeToLive))
        return challenge
    }

    public func consume(_ challenge: String) async throws -> Bool {
        guard challenge.utf8.count <= 64 else { return false }
        return try await repository.consumeChallenge(challenge, purpose: purpose, at: now())
    }
}

/// Single-use challenges in this process's memory: for one process (the command line, a single
/// instance without a shared store), bounded in size.
public actor ChallengeStore: SingleUseChallenges {
    private let timeToLive: TimeInterval
    private let capacity: Int
    private let now: @Sendable () -> Date
    private var outstanding: [String: Date] = [:]

    /// - Parameters:
    ///   - timeToLive: how long a challenge may be used after it was issued.
    ///   - capacity: the most challenges outstanding at once; beyond it, the oldest are dropped.
    ///   - now: the clock, injected so tests can move time.
    public init(
        timeToLive: Duration = .seconds(300), capacity: Int = 100_000, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.timeToLive = Double(timeToLive.components.seconds) + Double(timeToLive.components.attoseconds) / 1e18
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// 128 random bits, base64url.
    static func randomChallenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    public func issue() -> String {
        let challenge = Self.randomChallenge()
        let current = now()
        if outstanding.count >= capacity {
            outstanding = outstanding.filter { $0.value > current }
            while outstanding.count >= capacity, let oldest = outstanding.min(by: { $0.value < $1.value }) {
                outstanding[oldest.key] = nil
            }
        }
        outstanding[challenge] = current.addingTimeInterval(timeToLive)
        return challenge
    }

    public func consume(_ challenge: String) -> Bool {
        guard let expiry = outstanding.removeValue(forKey: challenge) else { return false }
        return now() < expiry
    }

    /// How many challenges are outstanding, expired ones included.
    public var count: Int { outstanding.count }
}
