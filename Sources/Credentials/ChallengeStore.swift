import Encoding
import Foundation

/// Single-use challenges for presentations (replay protection): `issue()` hands one out, and
/// `consume(_:)` accepts it exactly once before it expires. Backs `POST /challenges`.
public actor ChallengeStore {
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

    /// A new challenge: 128 random bits, base64url.
    public func issue() -> String {
        var generator = SystemRandomNumberGenerator()
        let challenge = Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
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

    /// Uses up `challenge`: true the first time for a challenge issued here and not expired, false
    /// otherwise (replayed, expired or unknown).
    public func consume(_ challenge: String) -> Bool {
        guard let expiry = outstanding.removeValue(forKey: challenge) else { return false }
        return now() < expiry
    }

    /// How many challenges are outstanding, expired ones included.
    public var count: Int { outstanding.count }
}
